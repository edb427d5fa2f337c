"""The MCP Inspector's CLI (a real client, in Node) drives the server over stdio and HTTP.

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
from mcp_testkit import SECRET, HttpServer, Project, server_command, server_env


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
    reason="MCP Inspector CLI not installed: npm install node@22.23.3 "
    "@modelcontextprotocol/inspector@2.12.0 and set "
    "MCP_INSPECTOR=<dir>/node_modules/.bin/mcp-inspector",
)


def _run(project: Project, *arguments: str, tool_error: bool = False) -> dict[str, Any]:
    """The Inspector's JSON answer; it exits 5 when the tool's result is an error."""
    assert INSPECTOR is not None
    inspector, path = INSPECTOR
    done = subprocess.run(
        [str(inspector), "--cli", *arguments],
        env={**server_env(project), "PATH": path},
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == (5 if tool_error else 0), done.stderr
    assert SECRET not in done.stdout + done.stderr
    return json.loads(done.stdout)


def _stdio(project: Project, *method: str) -> dict[str, Any]:
    """Over stdio; the Inspector hands a server only the variables given with -e."""
    variables = [f"{name}={value}" for name, value in project.env.items()]
    return _run(
        project, *(a for v in variables for a in ("-e", v)), *server_command(project), *method
    )


def test_the_inspector_lists_tools_and_plans(project: Project) -> None:
    tools = _stdio(project, "--method", "tools/list")
    assert {t["name"] for t in tools["tools"]} >= {"plan", "apply", "get_schema"}
    planned = _stdio(project, "--method", "tools/call", "--tool-name", "plan")
    assert not planned["isError"]
    assert planned["structuredContent"]["has_changes"] is True
    assert planned["structuredContent"]["plan_id"] in planned["content"][0]["text"]


def test_the_inspector_over_http_with_a_bearer_token(http_server: HttpServer) -> None:
    def call(token: str, *method: str, tool_error: bool = False) -> dict[str, Any]:
        header = f"Authorization: Bearer {token}"
        target = (http_server.url, "--transport", "http", "--header", header)  # header: variadic
        return _run(http_server.project, *target, *method, tool_error=tool_error)

    tools = call(http_server.token("read"), "--method", "tools/list")
    assert {t["name"] for t in tools["tools"]} >= {"plan", "apply", "lint"}
    linted = call(http_server.token("read"), "--method", "tools/call", "--tool-name", "lint")
    assert linted["structuredContent"]["report"]["findings"] == []
    write_only = http_server.token("write")
    refused = call(
        write_only, "--method", "tools/call", "--tool-name", "validate_specs", tool_error=True
    )
    assert refused["isError"] and "needs the 'read' scope" in refused["content"][0]["text"]
