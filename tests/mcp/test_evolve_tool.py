"""The ``evolve`` tool through the SDK client, in process, on the quickstart after an apply."""

from __future__ import annotations

import json

from mcp.client import Client
from mcp_testkit import Project, assert_no_secret, structured, text_of

from reconciler.mcp import build_server


async def test_evolve_tool_advises_with_checked_suggestions(project: Project) -> None:
    order = json.loads((project.root / "schemas/order.v3.avsc").read_text())
    order["fields"].append({"name": "channel", "type": "string"})  # required: breaks FULL
    async with Client(build_server(project.root)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        tool = tools["evolve"]
        assert tool.output_schema is not None and tool.annotations is not None
        assert tool.annotations.read_only_hint is True
        plan = structured(await client.call_tool("plan", {}))
        structured(await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True}))

        # The spec's own schema (with its reference fetched from the registry): compatible.
        fine = structured(
            await client.call_tool("evolve", {"registry": "dev", "subject": "payments-value"})
        )
        assert fine["compatible"] and fine["level"] == "FULL" and fine["versions"] == [1, 2]
        assert fine["suggestions"] == []

        advice = structured(
            await client.call_tool(
                "evolve",
                {"registry": "dev", "subject": "orders-value", "new_schema": json.dumps(order)},
            )
        )
        assert not advice["compatible"] and advice["level"] == "FULL_TRANSITIVE"
        assert {v["level"]: v["versions"] for v in advice["verdicts"]}["BACKWARD"] == [3]
        first = advice["suggestions"][0]
        assert first["kind"] == "add-default" and first["checked"]
        assert first["edits"] == ['com.acme.orders.Order.channel: add "default": ""']
        assert '"default": ""' in first["steps"][0]["schema_text"]

        unknown = await client.call_tool("evolve", {"registry": "dev", "subject": "nope"})
        assert unknown.is_error and "no spec declares" in text_of(unknown)
        assert_no_secret(fine, advice, unknown)
