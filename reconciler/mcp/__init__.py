"""The MCP server: the third front door, beside the CLI and the GitHub Action.

It adapts MCP requests to the engine functions the CLI calls (load, plan,
apply, journal, render) and adds nothing of its own beyond access control and
the plan store that lets ``apply`` run a plan the user has seen. See
docs/mcp.md.
"""

from __future__ import annotations

from .server import build_server

__all__ = ["build_server"]
