"""The MCP Inspector's CLI (a real client, in Node) drives the server over stdio.

Optional: runs when ``MCP_INSPECTOR`` names the ``mcp-inspector`` executable
(``node_modules/.bin/mcp-inspector``) or one is on PATH; a ``node`` from the
npm package ``node@22`` next to it is used when present. See docs/mcp.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from mcp_testkit import SECRET, Project, server_command, server_env


def _inspector() -> tuple[Path, str] | None:
    """The inspector executable and the PATH to run it with (its npm ``node`` first)."""
    found = os.environ.get("MCP_INSPECTOR") or shutil.which("mcp-inspector")
    if not found or not Path(found).exists():
        return None
    inspector = Path(found)
    bundled = inspector.parent.parent / "node" / "bin"
    path = os.pathsep.join([str(bundled), os.environ.get("PATH", "")])
    if shutil.which("node", path=path) is None:
        return None
    return inspector, path


INSPECTOR = _inspector()
pytestmark = pytest.mark.skipif(
    INSPECTOR is None,
    reason="MCP Inspector CLI not installed: npm install node@22 @modelcontextprotocol/inspector "
    "and set MCP_INSPECTOR=<dir>/node_modules/.bin/mcp-inspector",
)


def _run(project: Project, *method: str) -> dict[str, Any]:
    assert INSPECTOR is not None
    inspector, path = INSPECTOR
    done = subprocess.run(
        [str(inspector), "--cli", *server_command(project), *method],
        env={**server_env(project), "PATH": path},
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout + done.stderr
    return json.loads(done.stdout)


def test_the_inspector_lists_tools_and_plans(project: Project) -> None:
    tools = _run(project, "--method", "tools/list")
    assert {t["name"] for t in tools["tools"]} >= {"plan", "apply", "get_schema"}
    planned = _run(project, "--method", "tools/call", "--tool-name", "plan")
    assert not planned["isError"]
    assert planned["structuredContent"]["has_changes"] is True
    assert planned["structuredContent"]["plan_id"] in planned["content"][0]["text"]
