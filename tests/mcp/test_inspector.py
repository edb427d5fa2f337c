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


def _inspect(project: Project, *arguments: str) -> subprocess.CompletedProcess[str]:
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
    assert SECRET not in done.stdout + done.stderr
    return done


def _run(project: Project, *arguments: str) -> dict[str, Any]:
    """The Inspector's JSON answer to a call that succeeds."""
    done = _inspect(project, *arguments)
    assert done.returncode == 0, done.stderr
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
    def target(token: str) -> tuple[str, ...]:
        header = f"Authorization: Bearer {token}"
        return (http_server.url, "--transport", "http", "--header", header)  # header: variadic

    def call(token: str, *method: str) -> dict[str, Any]:
        return _run(http_server.project, *target(token), *method)

    tools = call(http_server.token("read"), "--method", "tools/list")
    assert {t["name"] for t in tools["tools"]} >= {"plan", "apply", "lint"}
    linted = call(http_server.token("read"), "--method", "tools/call", "--tool-name", "lint")
    assert linted["structuredContent"]["report"]["findings"] == []
    write_only = http_server.token("write")
    # A missing scope is refused at the HTTP layer (403 insufficient_scope, RFC 6750),
    # which the Inspector reports as a failed call (exit 1), naming the scope.
    refused = _inspect(
        http_server.project,
        *target(write_only),
        *("--method", "tools/call", "--tool-name", "validate_specs"),
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert 'Insufficient scope: required \\"read\\"' in refused.stderr, refused.stderr


def test_the_inspector_calls_every_question_tool_and_migrate(http_server: HttpServer) -> None:
    """Every tool of issue 15, listed with its output schema and called over HTTP (the
    plan is applied first, so that the registry has something to answer about)."""
    header = f"Authorization: Bearer {http_server.token('read write')}"
    target = (http_server.url, "--transport", "http", "--header", header)

    def call(tool: str, *arguments: str) -> dict[str, Any]:
        method = ("--method", "tools/call", "--tool-name", tool)
        extra = ("--tool-arg", *arguments) if arguments else ()
        return _run(http_server.project, *target, *method, *extra)

    listed = {
        t["name"]: t for t in _run(http_server.project, *target, "--method", "tools/list")["tools"]
    }
    new = {
        "plan_details",
        "list_versions",
        "get_schema_by_id",
        "subjects_for_id",
        "get_settings",
        "get_contexts",
        "referenced_by",
        "statistics",
        "compare_registries",
        "migrate",
        "evolve",
    }
    assert new <= set(listed)
    assert all(listed[name].get("outputSchema") for name in new)
    plan_id = call("plan")["structuredContent"]["plan_id"]
    details = call("plan_details", f"plan_id={plan_id}", "subject=orders-value")
    assert details["structuredContent"]["actions"][0]["target"] == "orders-value"
    applied = call("apply", f"plan_id={plan_id}", "confirm=true")["structuredContent"]
    assert applied["status"] in ("applied", "no_changes")
    versions = call("list_versions", "registry=dev", "subject=orders-value")
    assert versions["structuredContent"]["versions"] == [1, 2, 3]
    schema = call("get_schema", "registry=dev", "subject=money-value")["structuredContent"]
    by_id = call("get_schema_by_id", "registry=dev", f"id={schema['id']}")
    assert by_id["structuredContent"]["schema_text"] == schema["schema_text"]
    users = call("subjects_for_id", "registry=dev", f"id={schema['id']}")
    assert users["structuredContent"]["versions"][0]["subject"] == "money-value"
    referencing = call("referenced_by", "registry=dev", "subject=money-value", "version=1")
    assert len(referencing["structuredContent"]["ids"]) == 2
    settings = call("get_settings", "registry=dev", "subject=orders-value")
    assert settings["structuredContent"]["compatibility"] == "FULL_TRANSITIVE"
    assert call("get_contexts", "registry=dev")["structuredContent"]["contexts"] == ["."]
    assert call("statistics", "registry=dev")["structuredContent"]["subjects"] == 6
    same = call("compare_registries", "left=dev", "right=dev")["structuredContent"]
    assert same["differences"] == 0
    migrate = _inspect(
        http_server.project,
        *target,
        *("--method", "tools/call", "--tool-name", "migrate"),
        *("--tool-arg", "source=dev", "target=dev", "dry_run=true"),
    )  # a tool error: the Inspector exits 5 and prints the result
    assert migrate.returncode == 5 and "dev and dev are the same registry" in migrate.stdout
    order = json.loads((http_server.project.root / "schemas/order.v3.avsc").read_text())
    order["fields"].append({"name": "channel", "type": "string"})  # required: breaks FULL
    proposal = {"registry": "dev", "subject": "orders-value", "new_schema": json.dumps(order)}
    advice = _run(
        http_server.project,
        *target,
        *("--method", "tools/call", "--tool-name", "evolve"),
        *("--tool-args-json", json.dumps(proposal)),
    )["structuredContent"]
    assert not advice["compatible"] and advice["suggestions"][0]["kind"] == "add-default"
