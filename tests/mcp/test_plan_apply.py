"""Plan, confirm, apply, plan again: over stdio, with and without elicitation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcp.client import Client, ClientRequestContext
from mcp_testkit import SECRET, Project, assert_no_secret, stdio_params, structured, text_of
from mcp_types import ElicitRequestParams, ElicitResult


async def test_plan_then_apply_with_confirm(project: Project) -> None:
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async with Client(stdio_params(project)) as client:
        planned = await client.call_tool("plan", {})
        plan = structured(planned)
        assert plan["has_changes"] and plan["errors"] == 0
        details = structured(
            await client.call_tool("plan_details", {"plan_id": plan["plan_id"], "page_size": 50})
        )
        actions = details["actions"]
        assert len(actions) == plan["actions"] and details["pages"] == 1
        assert {a["target"] for a in actions if a["kind"] == "register"} >= {
            "orders-value",
            "payments-value",
        }
        assert f"plan_id: {plan['plan_id']}" in text_of(planned)

        unconfirmed = await client.call_tool("apply", {"plan_id": plan["plan_id"]})
        assert unconfirmed.is_error and "confirm: true" in text_of(unconfirmed)

        applied = await client.call_tool(
            "apply", {"plan_id": plan["plan_id"], "confirm": True}, progress_callback=on_progress
        )
        result = structured(applied)
        assert result["status"] == "applied", result
        assert result["replan_empty"] is True
        assert result["steps_done"] == len(actions) and result["steps"] == []  # none failed
        journal = [json.loads(line) for line in Path(result["journal"]).read_text().splitlines()]
        assert journal[0]["event"] == "start" and journal[-1]["event"] == "end"
        assert journal[-1]["result"] == "ok"
        assert Path(result["journal"]).parent == project.root / ".reconcile" / "journal"
        assert [p[0] for p in progress] == list(range(1, len(actions) + 1))
        assert all(p[1] == len(actions) and p[2] and p[2].startswith("ok ") for p in progress)

        again = structured(await client.call_tool("plan", {}))
        assert not again["has_changes"]
        ran = await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
        assert ran.is_error and "no plan" in text_of(ran)

        schema = structured(
            await client.call_tool("get_schema", {"registry": "dev", "subject": "orders-value"})
        )
        assert schema["version"] == 3 and schema["schema_type"] == "AVRO"
        drift = structured(await client.call_tool("drift", {}))
        assert drift["status"] == "clean"
        exported = structured(await client.call_tool("export", {"registry": "dev"}))
        out = project.root / exported["directory"]
        assert exported["spec_files"] == ["specs/default.yaml"]
        assert (out / "schemas/default/orders-value.avsc").is_file()
        assert SECRET not in (out / "reconcile.yaml").read_text()
        assert exported["subjects"] == 6
        assert_no_secret(planned, unconfirmed, applied, again, ran, schema, drift, exported)


def _answering(action: str, content: dict[str, Any] | None, asked: list[str]) -> Any:
    async def callback(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action=action, content=content)  # type: ignore[arg-type]

    return callback


async def test_apply_asks_the_user_through_elicitation(project: Project) -> None:
    asked: list[str] = []
    declining = _answering("decline", None, asked)
    # Handshake-era protocol: the question is a server-to-client request during the call.
    legacy = Client(stdio_params(project), elicitation_callback=declining, mode="legacy")
    async with legacy as client:
        plan = structured(await client.call_tool("plan", {}))
        # The client can ask: confirm: true from the model does not replace the user.
        declined = await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
        assert declined.is_error and "did not confirm" in text_of(declined)
        assert structured(await client.call_tool("plan", {}))["has_changes"]
    assert len(asked) == 1 and plan["plan_id"] in asked[0] and "orders-value" in asked[0]

    accepting = _answering("accept", {"apply": True}, asked)
    # 2026-07-28: the question comes back as an input-required result, and the call is retried.
    async with Client(stdio_params(project), elicitation_callback=accepting) as client:
        assert client.protocol_version == "2026-07-28"
        plan = structured(await client.call_tool("plan", {}))
        result = structured(await client.call_tool("apply", {"plan_id": plan["plan_id"]}))
        assert result["status"] == "applied" and result["replan_empty"]
    assert len(asked) == 2
