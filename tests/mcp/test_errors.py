"""Errors an assistant can act on: each says what is wrong and what to do instead."""

from __future__ import annotations

from mcp.client import Client
from mcp_testkit import Project, add_stage, structured, text_of

from reconciler.mcp import build_server

BILLING = """\
context: billing
subjects:
  invoices-value:
    type: AVRO
    schema: {type: record, name: Invoice, fields: [{name: id, type: string}]}
"""


async def test_a_target_no_spec_names_is_an_error_not_no_changes(project: Project) -> None:
    async with Client(build_server(project.root)) as client:
        planned = structured(await client.call_tool("plan", {"targets": ["nosuch-value"]}))
        assert planned["errors"] == 1 and not planned["has_changes"]
        problem = planned["problems"][0]
        assert problem["target"] == "nosuch-value"
        assert "no spec names" in problem["message"] and "orders-value" in problem["message"]
        context = structured(await client.call_tool("plan", {"targets": [".nosuch"]}))
        assert context["errors"] == 1 and "no spec" in context["problems"][0]["message"]
        known = structured(await client.call_tool("plan", {"targets": ["orders-value"]}))
        assert known["errors"] == 0 and known["has_changes"]


async def test_a_context_without_its_dot_is_the_same_context(project: Project) -> None:
    (project.root / "specs" / "billing.yaml").write_text(BILLING)
    async with Client(build_server(project.root)) as client:
        plan = structured(await client.call_tool("plan", {}))
        structured(await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True}))
        dotted = structured(
            await client.call_tool("list_subjects", {"registry": "dev", "context": ".billing"})
        )
        bare = structured(
            await client.call_tool("list_subjects", {"registry": "dev", "context": "billing"})
        )
        assert dotted["subjects"] == bare["subjects"] == [":.billing:invoices-value"]
        schema = structured(
            await client.call_tool(
                "get_schema",
                {"registry": "dev", "subject": "invoices-value", "context": "billing"},
            )
        )
        assert schema["subject"] == ":.billing:invoices-value"
        unknown = await client.call_tool("list_subjects", {"registry": "dev", "context": "nope"})
        assert unknown.is_error and "no context '.nope'" in text_of(unknown)
        assert ".billing" in text_of(unknown)


async def test_a_plan_that_writes_a_readonly_registry_says_what_to_plan_instead(
    project: Project,
) -> None:
    add_stage(project, dev_readonly=True)
    async with Client(build_server(project.root)) as client:
        plan = structured(await client.call_tool("plan", {}))
        assert plan["has_changes"] and plan["errors"] == 0
        assert "registry dev is readonly" in plan["refusal"]
        assert "registries=['stage']" in plan["refusal"]
        planned = await client.call_tool("plan", {})
        assert "Apply would refuse this plan" in text_of(planned)
        stage = structured(await client.call_tool("plan", {"registries": ["stage"]}))
        assert stage["refusal"] is None and stage["has_changes"]
        refused = await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
        assert refused.is_error and "readonly" in text_of(refused)
