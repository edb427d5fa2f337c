"""Every question about a live registry answerable by a tool: versions, schemas by id and
their users, settings at each level, contexts, references, statistics, comparisons, and
compatibility against a subject whose schema has references."""

from __future__ import annotations

import json
from typing import Any

from mcp.client import Client
from mcp_testkit import Project, add_stage, structured, text_of

from reconciler.mcp import build_server

BILLING = """\
context: billing
compatibility: FULL
subjects:
  invoices-value:
    type: JSON
    schema: {type: object, properties: {id: {type: string}}}
"""


async def applied(client: Client, **arguments: Any) -> dict[str, Any]:
    plan = structured(await client.call_tool("plan", arguments))
    result = structured(
        await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
    )
    assert result["status"] == "applied", result
    return plan


async def test_check_compatibility_against_a_subject_fetches_its_references(
    project: Project,
) -> None:
    payment = json.loads((project.root / "schemas" / "payment.v2.avsc").read_text())
    payment["fields"].append({"name": "note", "type": "string"})  # required: not BACKWARD
    async with Client(build_server(project.root)) as client:
        await applied(client)
        checked = await client.call_tool(
            "check_compatibility",
            {
                "schema_type": "AVRO",
                "new_schema": json.dumps(payment),
                "registry": "dev",
                "subject": "payments-value",
            },
        )
        result = structured(checked)
        assert result["level"] == "FULL" and not result["compatible"]
        assert result["previous"] == ["payments-value version 2"]
        assert any("note" in m["message"] for m in result["messages"])
        payment["fields"][-1]["default"] = ""
        fixed = structured(
            await client.call_tool(
                "check_compatibility",
                {
                    "schema_type": "AVRO",
                    "new_schema": json.dumps(payment),
                    "registry": "dev",
                    "subject": "payments-value",
                },
            )
        )
        assert fixed["compatible"], fixed


async def test_versions_ids_settings_contexts_and_references(project: Project) -> None:
    (project.root / "specs" / "billing.yaml").write_text(BILLING)
    async with Client(build_server(project.root)) as client:
        await applied(client)

        async def ask(tool: str, **arguments: Any) -> dict[str, Any]:
            return structured(await client.call_tool(tool, {"registry": "dev", **arguments}))

        versions = await ask("list_versions", subject="orders-value")
        assert versions["versions"] == [1, 2, 3]
        latest = await ask("get_schema", subject="orders-value")
        by_id = await ask("get_schema_by_id", id=latest["id"])
        assert by_id["schema_text"] == latest["schema_text"]
        users = await ask("subjects_for_id", id=latest["id"])
        assert {"subject": "orders-value", "version": 3, "id": latest["id"]} in users["versions"]

        money = await ask("get_schema", subject="money-value")
        users = await ask("referenced_by", subject="money-value", version=money["version"])
        assert [v["subject"] for v in users["versions"]] == ["payments-value"] * 2
        assert len(users["ids"]) == 2

        contexts = await ask("get_contexts")
        assert contexts["contexts"] == [".", ".billing"]
        subject = await ask("get_settings", subject="orders-value")
        assert subject["level"] == "subject" and subject["compatibility"] == "FULL_TRANSITIVE"
        assert subject["effective_mode"] == "READWRITE"
        context = await ask("get_settings", context="billing")
        assert context["level"] == "context" and context["target"] == ":.billing:"
        assert context["compatibility"] == "FULL"
        plain = await ask("get_settings", subject="customers-value")
        assert plain["compatibility"] is None and plain["effective_compatibility"] == "BACKWARD"
        glob = await ask("get_settings")
        assert glob["level"] == "global" and glob["compatibility"] == "BACKWARD"

        stats = await ask("statistics")
        assert (stats["subjects"], stats["versions"]) == (7, 11)
        default, billing = stats["contexts"]
        assert default["types"] == {"AVRO": 6} and default["schemas"] == 10
        assert billing == {
            "context": ".billing",
            "subjects": 1,
            "versions": 1,
            "schemas": 1,
            "types": {"JSON": 1},
            "compatibility": "FULL",
            "mode": None,
        }
        missing = await client.call_tool(
            "list_versions", {"registry": "dev", "subject": "orders-value", "context": "nope"}
        )
        assert missing.is_error and "no context '.nope'" in text_of(missing)


async def test_compare_two_registries_by_meaning(project: Project) -> None:
    add_stage(project)
    async with Client(build_server(project.root)) as client:
        await applied(client)
        same = structured(
            await client.call_tool("compare_registries", {"left": "dev", "right": "stage"})
        )
        assert same["differences"] == 0 and same["same"] == same["versions"] == 10
        # stage gets another level for one subject
        project.edit("specs/orders.yaml", "compatibility: FULL_TRANSITIVE", "compatibility: FULL")
        await applied(client, registries=["stage"])
        differ = structured(
            await client.call_tool("compare_registries", {"left": "dev", "right": "stage"})
        )
        assert differ["differences"] == 1, differ
        [difference] = differ["shown"]
        assert difference["subject"] == "orders-value" and difference["what"] == "compatibility"
        assert difference["line"] == (
            "orders-value compatibility: dev has FULL_TRANSITIVE, stage has FULL"
        )
