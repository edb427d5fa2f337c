"""Answers that fit an assistant's context: a summary of a big plan with its details on
request, an export written to files, a review prompt that points at the details."""

from __future__ import annotations

import json

import httpx
import pytest
from mcp.client import Client
from mcp.shared.exceptions import MCPError
from mcp_testkit import Project, structured, text_of

from reconciler.engine import Outcome, Plan, Scope, SetCompatibility, Status, StepResult
from reconciler.localregistry import serve_in_thread
from reconciler.mcp import build_server
from reconciler.mcp.applying import apply_result
from reconciler.spec import load_project

SUBJECTS = 200
PLAN_BUDGET = 32 * 1024
EXPORT_BUDGET = 8 * 1024
APPLY_BUDGET = 16 * 1024


def add_many_subjects(project: Project, count: int = SUBJECTS) -> None:
    """A spec of ``count`` new Avro subjects of eight documented fields each."""
    lines = ["subjects:"]
    for i in range(count):
        lines += [
            f"  topic{i:03d}-value:",
            "    type: AVRO",
            "    schema:",
            f"      {{type: record, name: Event{i}, namespace: com.acme.events, fields: [",
        ]
        lines += [
            f"        {{name: field_{f}, type: string, doc: 'field {f} of event {i}'}},"
            for f in range(8)
        ]
        lines.append("      ]}")
    (project.root / "specs" / "many.yaml").write_text("\n".join(lines) + "\n")


def size(result: object) -> int:
    """What a client receives: the whole result as JSON."""
    return len(result.model_dump_json(by_alias=True, exclude_none=True))  # type: ignore[attr-defined]


async def test_a_plan_of_200_new_subjects_is_a_summary_with_details_on_request(
    project: Project,
) -> None:
    add_many_subjects(project)
    async with Client(build_server(project.root)) as client:
        planned = await client.call_tool("plan", {})
        assert size(planned) < PLAN_BUDGET, size(planned)
        plan = structured(planned)
        assert plan["summary"]["register"] == SUBJECTS + 10
        assert plan["actions"] == sum(plan["summary"].values())
        assert {
            k: v
            for k, v in plan["by_context"][0].items()
            if k in ("registry", "context", "registrations")
        } == {"registry": "dev", "context": ".", "registrations": SUBJECTS + 10}
        assert any(line.startswith("register ") for line in plan["first_actions"])
        assert "topic000-value" in plan["subjects"]
        text = text_of(planned)
        assert text.count("| dev | . |") == 1 and plan["plan_id"] in text
        assert "plan_details" in text  # says where the rest is

        one = await client.call_tool(
            "plan_details", {"plan_id": plan["plan_id"], "subject": "topic007-value"}
        )
        details = structured(one)
        assert [a["target"] for a in details["actions"]] == ["topic007-value"]
        assert "Event7" in details["actions"][0]["registration"]["schema"]
        assert "Event7" in text_of(one)

        last = structured(
            await client.call_tool(
                "plan_details", {"plan_id": plan["plan_id"], "page": plan["pages"]}
            )
        )
        assert last["pages"] == plan["pages"] and last["actions"]
        pages = [
            await client.call_tool("plan_details", {"plan_id": plan["plan_id"], "page": n})
            for n in range(1, plan["pages"] + 1)
        ]
        assert max(size(p) for p in pages) < PLAN_BUDGET
        assert sum(len(structured(p)["actions"]) for p in pages) == plan["actions"]

        missing = await client.call_tool(
            "plan_details", {"plan_id": plan["plan_id"], "subject": "nosuch-value"}
        )
        assert missing.is_error and "no action on 'nosuch-value'" in text_of(missing)


async def test_an_apply_of_200_new_subjects_is_a_summary_with_details_on_request(
    project: Project,
) -> None:
    """Counts, the first steps and every failure (none here) in the answer; each
    subject's steps from plan_details with the applied plan's id."""
    add_many_subjects(project)
    async with Client(build_server(project.root)) as client:
        plan = structured(await client.call_tool("plan", {}))
        applied = await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
        assert size(applied) < APPLY_BUDGET, size(applied)
        result = structured(applied)
        assert result["status"] == "applied" and result["replan_empty"]
        assert result["summary"] == plan["summary"]
        assert result["steps_done"] == plan["actions"] and result["steps"] == []
        assert result["first_steps"][0].startswith("ok ")
        assert len(result["first_steps"]) < plan["actions"]
        assert "plan_details" in result["message"]

        one = structured(
            await client.call_tool(
                "plan_details", {"plan_id": plan["plan_id"], "subject": "topic007-value"}
            )
        )
        assert [a["target"] for a in one["actions"]] == ["topic007-value"]
        [step] = one["steps"]
        assert step["ok"] and step["action"] == "register topic007-value"
        page = structured(
            await client.call_tool(
                "plan_details", {"plan_id": plan["plan_id"], "page": (step["index"] + 9) // 10}
            )
        )  # the step's index is the action's place in the plan
        assert page["actions"][(step["index"] - 1) % 10]["target"] == "topic007-value"
        assert len(page["steps"]) == len(page["actions"])


async def test_export_writes_the_files_and_says_where(project: Project) -> None:
    add_many_subjects(project)
    async with Client(build_server(project.root)) as client:
        plan = structured(await client.call_tool("plan", {}))
        structured(await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True}))
        exported = await client.call_tool("export", {"registry": "dev"})
        assert size(exported) < EXPORT_BUDGET, size(exported)
        result = structured(exported)
        out = project.root / result["directory"]
        assert result["directory"] == ".reconcile/export/dev"
        assert result["spec_files"] == ["specs/default.yaml"]
        assert result["schema_files"] == SUBJECTS + 6
        assert result["project_file"] == "reconcile.yaml"
        written = load_project(out)  # loads, and names the same registry
        assert sum(len(s.subjects) for s in written.specs) == SUBJECTS + 6
        outside = await client.call_tool("export", {"registry": "dev", "directory": "../elsewhere"})
        assert outside.is_error and "outside the project" in text_of(outside)
        assert not (project.root.parent / "elsewhere").exists()


async def test_review_plan_is_a_summary_and_works_for_another_replicas_plan(
    project: Project,
) -> None:
    add_many_subjects(project)
    async with Client(build_server(project.root)) as one:
        plan = structured(await one.call_tool("plan", {}))
    async with Client(build_server(project.root)) as two:  # another process's state
        review = await two.get_prompt("review_plan", {"plan_id": plan["plan_id"]})
    text = review.messages[0].content.text  # type: ignore[union-attr]
    assert len(text) < PLAN_BUDGET
    assert plan["plan_id"] in text and "plan_details" in text and "Deletes" in text


async def test_a_prompt_that_fails_says_why(project: Project) -> None:
    async with Client(build_server(project.root)) as client:
        with pytest.raises(MCPError) as failed:
            await client.get_prompt("review_plan", {"plan_id": "nosuch"})
    assert "no plan 'nosuch'" in failed.value.message
    assert failed.value.code != -32603


def test_a_failed_apply_answers_every_failure_whole() -> None:
    """Of 300 steps, 250 ran: the 50 failures come whole (their detail is the reason),
    the successes as a count and the first lines."""
    actions = [
        SetCompatibility("dev", ".", Scope.SUBJECT, f"s{i:03d}-value", "spec", "NONE", "FULL")
        for i in range(300)
    ]
    results = [
        StepResult(
            a, ok=i % 5 != 4, detail="set" if i % 5 != 4 else f"HTTP 500 on s{i:03d}", index=i + 1
        )
        for i, a in enumerate(actions[:250])
    ]
    outcome = Outcome(
        Status.FAILED, "50 steps failed.", plan=Plan(actions=list(actions)), results=results
    )
    answer = apply_result(outcome)
    assert len(answer.model_dump_json()) < APPLY_BUDGET
    assert answer.status == "failed" and answer.steps_done == 200
    assert [s.detail for s in answer.steps] == [f"HTTP 500 on s{i:03d}" for i in range(4, 250, 5)]
    assert answer.summary == {"register": 0, "change": 300, "delete": 0}
    assert answer.first_steps[4] == "FAILED set_compatibility s004-value (dev): HTTP 500 on s004"


async def test_an_export_that_would_not_load_back_is_an_error(project: Project) -> None:
    """As `reconcile export` does: the registry holds what the written project refuses
    (a schema over the default ``limits.schema_bytes``, 1 MiB), so the tool reports an
    error naming the file, never a success."""
    schema = {"type": "record", "name": "R", "doc": "x" * (1024 * 1024), "fields": []}
    with serve_in_thread(project.root / ".reconcile" / "registry.db") as url:
        response = httpx.post(
            f"{url}/subjects/big-value/versions", json={"schema": json.dumps(schema)}
        )
        response.raise_for_status()
    async with Client(build_server(project.root)) as client:
        exported = await client.call_tool("export", {"registry": "dev"})
    assert exported.is_error, text_of(exported)
    message = text_of(exported)
    assert "the exported project in .reconcile/export/dev does not load (1 error)" in message
    assert "schemas/default/big-value" in message and "over the limit of 1048576" in message
