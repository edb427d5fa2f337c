"""Refusals, resources and prompts, with the SDK's client connected in process."""

from __future__ import annotations

import json
import time

import pytest
from mcp.client import Client
from mcp.shared.exceptions import MCPError
from mcp_testkit import SECRET, Project, assert_no_secret, structured, text_of

from reconciler.mcp import build_server


async def test_a_readonly_registry_refuses_apply(project: Project) -> None:
    project.edit("reconcile.yaml", "specs:", "    readonly: true\nspecs:")
    async with Client(build_server(project.root)) as client:
        plan = structured(await client.call_tool("plan", {}))
        assert plan["has_changes"]
        refused = await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
        assert refused.is_error and "readonly" in text_of(refused)
        assert (
            structured(await client.call_tool("list_subjects", {"registry": "dev"}))["subjects"]
            == []
        )
        assert_no_secret(refused)


async def test_spec_errors_name_file_and_line(project: Project) -> None:
    project.edit("specs/orders.yaml", "type: AVRO", "type: AVROX")
    async with Client(build_server(project.root)) as client:
        valid = structured(await client.call_tool("validate_specs", {}))
        assert not valid["ok"]
        assert any("specs/orders.yaml:" in e for e in valid["errors"])
        planned = await client.call_tool("plan", {})
        assert planned.is_error and "specs/orders.yaml:" in text_of(planned)
        assert "nothing was contacted" in text_of(planned)


async def test_resources_and_prompts(project: Project) -> None:
    async with Client(build_server(project.root)) as client:
        templates = {
            t.uri_template for t in (await client.list_resource_templates()).resource_templates
        }
        assert templates == {"reconciler://registries/{name}", "reconciler://specs/{+path}"}
        status = json.loads(
            (await client.read_resource("reconciler://registries/dev")).contents[0].text
        )  # type: ignore[union-attr]
        assert status == {
            "name": "dev",
            "url": "local:.reconcile/registry.db",
            "readonly": False,
            "targeted": True,
            "compatibility": "BACKWARD",
            "mode": "READWRITE",
            "subjects": 0,
        }
        index = json.loads((await client.read_resource("reconciler://specs")).contents[0].text)  # type: ignore[union-attr]
        assert "reconciler://specs/specs/orders.yaml" in index
        assert "reconciler://specs/schemas/order.v3.avsc" in index
        spec = await client.read_resource("reconciler://specs/specs/orders.yaml")
        assert "orders-value" in spec.contents[0].text  # type: ignore[union-attr]
        (project.root / ".env").write_text(f"SR_TOKEN={SECRET}\n")
        for private in (".env", "../project/.env", "%2Fetc%2Fpasswd"):
            with pytest.raises(MCPError):
                await client.read_resource(f"reconciler://specs/{private}")

        plan = structured(await client.call_tool("plan", {}))
        review = await client.get_prompt("review_plan", {"plan_id": plan["plan_id"]})
        text = review.messages[0].content.text  # type: ignore[union-attr]
        assert "Deletes" in text and "IMPORT" in text and "orders-value" in text
        evolve = await client.get_prompt(
            "evolve_schema", {"subject": "orders-value", "change": "add a currency field"}
        )
        guide = evolve.messages[0].content.text  # type: ignore[union-attr]
        # The evolve tool answers "what should I do instead?" with checked suggestions.
        assert "call the evolve tool" in guide.lower() and "suggestions" in guide
        assert_no_secret(status, index, spec, review, evolve)


async def test_unreachable_registry_errors_carry_no_secret(project: Project) -> None:
    project.edit("reconcile.yaml", '"local:.reconcile/registry.db"', '"http://127.0.0.1:9"')
    project.edit("reconcile.yaml", "specs:", "    timeout: 1\nspecs:")
    started = time.monotonic()
    async with Client(build_server(project.root)) as client:
        failed = await client.call_tool("list_subjects", {"registry": "dev"})
        assert failed.is_error and "127.0.0.1:9" in text_of(failed)
        assert_no_secret(failed)
    assert time.monotonic() - started < 20


async def test_a_stale_plan_is_refused(project: Project) -> None:
    async with Client(build_server(project.root)) as client:
        older = structured(await client.call_tool("plan", {"targets": ["orders-value"]}))
        newer = structured(await client.call_tool("plan", {"targets": ["money-value"]}))
        applied = structured(
            await client.call_tool("apply", {"plan_id": newer["plan_id"], "confirm": True})
        )
        assert applied["status"] == "applied"
        stale = await client.call_tool("apply", {"plan_id": older["plan_id"], "confirm": True})
        assert stale.is_error
        assert "changed since plan" in text_of(stale) and "nothing was applied" in text_of(stale)
        subjects = structured(await client.call_tool("list_subjects", {"registry": "dev"}))
        assert subjects["subjects"] == ["money-value"]


async def test_lint_reports_findings_with_rule_file_and_line(project: Project) -> None:
    project.edit("specs/orders.yaml", "compatibility: FULL_TRANSITIVE", "compatibility: NONE")
    async with Client(build_server(project.root)) as client:
        linted = structured(await client.call_tool("lint", {}))
        findings = linted["report"]["findings"]
        assert [(f["rule"], f["file"], f["subject"]) for f in findings] == [
            ("COMPATIBILITY_NONE", "specs/orders.yaml", "orders-value")
        ]
        assert linted["report"]["format_version"] == 1
        assert "warning COMPATIBILITY_NONE: subject 'orders-value'" in linted["text"]
        none = structured(await client.call_tool("lint", {"skip": ["EVOLUTION"]}))
        assert none["report"]["findings"] == [] and none["text"] == "No findings."
        unknown = await client.call_tool("lint", {"only": ["NO_SUCH"]})
        assert unknown.is_error and "unknown lint rule or category 'NO_SUCH'" in text_of(unknown)


async def test_what_the_assistant_reads_carries_no_docstring_markup(project: Project) -> None:
    """Tool, prompt and schema descriptions reach the assistant as plain text: the
    reStructuredText ````name```` of the docstrings they come from would read as noise."""
    async with Client(build_server(project.root)) as client:
        listed = [
            *(await client.list_tools()).tools,
            *(await client.list_prompts()).prompts,
            *(await client.list_resource_templates()).resource_templates,
            *(await client.list_resources()).resources,
        ]
    marked = [
        (item.name, text[max(0, text.index("``") - 40) : text.index("``") + 40])
        for item in listed
        if "``" in (text := json.dumps(item.model_dump(mode="json")))
    ]
    assert marked == []


async def test_the_load_cache_never_hides_an_edit(project: Project) -> None:
    """The server loads the project through the content-keyed caches of plan and apply:
    the first plan leaves them, and a spec edited after it is what the next plan sees."""
    async with Client(build_server(project.root)) as client:
        await client.call_tool("plan", {})
        assert (project.root / ".reconcile" / "cache" / "project.bin").is_file()
        project.edit("specs/payments.yaml", "compatibility: FULL", "compatibility: NONE")
        second = structured(await client.call_tool("plan", {}))
        details = structured(
            await client.call_tool(
                "plan_details", {"plan_id": second["plan_id"], "subject": "payments-value"}
            )
        )
    levels = [a for a in details["actions"] if a["kind"] == "set_compatibility"]
    assert [a["after"] for a in levels] == ["NONE"], levels


async def test_the_plan_tool_remembers_its_checks_as_the_cli_does(project: Project) -> None:
    """The registrations' verdicts and change lists are kept for the next plan
    (``.reconcile/cache/results.json``, docs/planning.md), by every front door."""
    results = project.root / ".reconcile" / "cache" / "results.json"
    async with Client(build_server(project.root)) as client:
        plan = structured(await client.call_tool("plan", {}))
    assert plan["has_changes"] and results.is_file()
    results.unlink()
    async with Client(build_server(project.root)) as replica:  # plans again from the id
        applied = await replica.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
        assert not applied.is_error, text_of(applied)
    assert results.is_file()
