"""Elicitation under ``--stateless`` HTTP (issue 14): with no session, the server cannot
send the user a question during the call, so it asks through the input-required result
(2026-07-28) that the client answers and retries; an older client is told to confirm."""

from __future__ import annotations

from pathlib import Path

import httpx2
from mcp.client import Client, ClientRequestContext
from mcp.client.streamable_http import streamable_http_client
from mcp_testkit import Project, run_http, structured, text_of
from mcp_types import ElicitRequestParams, ElicitResult


async def test_apply_asks_the_user_over_stateless_http(project: Project, tmp_path: Path) -> None:
    asked: list[str] = []

    async def accept(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="accept", content={"apply": True})

    with run_http(project, tmp_path / "server.log", "--no-auth", "--stateless") as base:

        def client(**options: object) -> Client:
            http = httpx2.AsyncClient(timeout=30)
            transport = streamable_http_client(base + "/mcp", http_client=http)
            return Client(transport, elicitation_callback=accept, **options)  # type: ignore[arg-type]

        async with client() as current:
            assert current.protocol_version == "2026-07-28"
            plan = structured(await current.call_tool("plan", {}))
            result = structured(await current.call_tool("apply", {"plan_id": plan["plan_id"]}))
            assert result["status"] == "applied"
        assert len(asked) == 1 and plan["plan_id"] in asked[0]

        # A handshake-era client: no session to ask it on during the call.
        project.edit("specs/orders.yaml", "compatibility: FULL_TRANSITIVE", "compatibility: FULL")
        async with client(mode="legacy") as legacy:
            plan = structured(await legacy.call_tool("plan", {}))
            refused = await legacy.call_tool("apply", {"plan_id": plan["plan_id"]})
            assert refused.is_error and "--stateless" in text_of(refused)
            assert "confirm: true" in text_of(refused)
            assert structured(await legacy.call_tool("plan", {}))["has_changes"]
            done = await legacy.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
            assert structured(done)["status"] == "applied"
        assert len(asked) == 1
