"""A scripted conversation, as an assistant holds it through the SDK client, over stdio
and over streamable HTTP: what is in dev? is adding a required field to orders-value
compatible? (no) what should I do instead? (the evolve tool's checked suggestion, applied
to the spec) plan it, apply it."""

from __future__ import annotations

import json
from pathlib import Path

from mcp.client import Client
from mcp_testkit import Project, assert_no_secret, serve_http, stdio_params
from mcp_testkit import structured as answer

ORDERS = "specs/orders.yaml"


async def conversation(client: Client, project: Project) -> None:
    # Set up: the quickstart is live in dev.
    plan = answer(await client.call_tool("plan", {}))
    answer(await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True}))

    # "What is in dev?"
    stats = answer(await client.call_tool("statistics", {"registry": "dev"}))
    assert (stats["subjects"], stats["versions"]) == (6, 10)
    subjects = answer(await client.call_tool("list_subjects", {"registry": "dev"}))
    assert "orders-value" in subjects["subjects"]

    # "Is adding a required field to orders-value compatible?"
    latest = answer(
        await client.call_tool("get_schema", {"registry": "dev", "subject": "orders-value"})
    )
    schema = json.loads(latest["schema_text"])
    schema["fields"].append({"name": "channel", "type": "string"})
    checked = answer(
        await client.call_tool(
            "check_compatibility",
            {
                "schema_type": "AVRO",
                "new_schema": json.dumps(schema),
                "registry": "dev",
                "subject": "orders-value",
            },
        )
    )
    assert not checked["compatible"] and checked["level"] == "FULL_TRANSITIVE"
    assert any("channel" in m["message"] for m in checked["messages"])

    # "What should I do instead?": the evolve tool's first suggestion, checked by the tool
    # (a default for the new field); the assistant takes its schema as it is.
    advice = answer(
        await client.call_tool(
            "evolve",
            {"registry": "dev", "subject": "orders-value", "new_schema": json.dumps(schema)},
        )
    )
    assert not advice["compatible"] and advice["level"] == "FULL_TRANSITIVE"
    suggestion = advice["suggestions"][0]
    assert suggestion["kind"] == "add-default" and suggestion["checked"]
    assert suggestion["edits"] == ['com.acme.orders.Order.channel: add "default": ""']
    [step] = suggestion["steps"]
    assert step["action"] == "register" and step["subject"] == "orders-value"
    suggested = step["schema_text"]

    # "Plan it": the new version goes into the spec's history.
    (project.root / "schemas" / "order.v4.avsc").write_text(suggested)
    project.edit(
        ORDERS,
        "      - schema: ../schemas/order.v3.avsc\n",
        "      - schema: ../schemas/order.v3.avsc\n      - schema: ../schemas/order.v4.avsc\n",
    )
    planned = await client.call_tool("plan", {"targets": ["orders-value"]})
    plan = answer(planned)
    assert plan["summary"] == {"register": 1, "change": 0, "delete": 0} and not plan["refusal"]
    [line] = plan["first_actions"]
    assert line.startswith("register orders-value version 4 (dev)")
    # Then the registration's change list (engine/changes.py): the suggested edit.
    assert line.endswith(
        "compatible FULL_TRANSITIVE; changes: + field com.acme.orders.Order.channel "
        '{"default": "", "type": "string"}'
    )
    details = answer(
        await client.call_tool(
            "plan_details", {"plan_id": plan["plan_id"], "subject": "orders-value"}
        )
    )
    assert json.loads(details["actions"][0]["registration"]["schema"]) == json.loads(suggested)

    # "Apply it" (the user approved in the conversation; this client cannot be asked).
    applied = answer(await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True}))
    assert applied["status"] == "applied" and applied["replan_empty"]
    versions = answer(
        await client.call_tool("list_versions", {"registry": "dev", "subject": "orders-value"})
    )
    assert versions["versions"] == [1, 2, 3, 4]
    assert_no_secret(stats, checked, advice, planned, details, applied)


async def test_the_conversation_over_stdio(project: Project) -> None:
    async with Client(stdio_params(project)) as client:
        await conversation(client, project)


async def test_the_conversation_over_http(tmp_path: Path) -> None:
    with serve_http(tmp_path) as server:
        async with server.client(server.token("read write")) as client:
            await conversation(client, server.project)
