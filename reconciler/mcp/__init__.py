"""The MCP server: the third front door, beside the CLI and the GitHub Action.

It adapts MCP requests to the engine functions the CLI calls (load, plan,
apply, journal, render) and adds nothing of its own beyond access control and
the plan store that lets ``apply`` run a plan the user has seen. See
docs/mcp.md.
"""

from __future__ import annotations

from .auth import SCOPES, IntrospectionVerifier, JwtVerifier
from .server import build_server, http_app

__all__ = [
    "SCOPES",
    "IntrospectionVerifier",
    "JwtVerifier",
    "build_server",
    "http_app",
]
