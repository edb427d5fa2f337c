"""The MCP server's apply enforces the project's write policy (``allow:``, engine/policy.py)."""

from __future__ import annotations

from pathlib import Path

from mcp_testkit import HttpServer, make_project, run_http, structured, text_of


async def test_apply_refuses_what_the_registry_does_not_allow(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    project.edit("reconcile.yaml", '    url: "local:', '    allow: [register]\n    url: "local:')
    log = tmp_path / "server.log"
    with run_http(project, log, "--no-auth") as base:
        server = HttpServer(base + "/mcp", None, log, project)  # type: ignore[arg-type]
        async with server.client("unused") as client:
            plan = structured(await client.call_tool("plan", {}))
            refused = await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
            status = structured(await client.call_tool("list_subjects", {"registry": "dev"}))
    assert refused.is_error
    assert "registry dev does not allow config (set_compatibility payments-value" in text_of(
        refused
    )
    assert status["subjects"] == []  # nothing was written
