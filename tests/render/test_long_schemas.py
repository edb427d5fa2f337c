"""A huge schema is shortened in the views that people read, and says so."""

from __future__ import annotations

import json

from reconciler.engine.plan import Plan, Register, Registration, RegistryState, Scope
from reconciler.render import render_json, render_markdown, render_text
from reconciler.render._diff import MAX_DIFF_LINES, schema_diff


def _huge(fields: int) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": "Huge",
            "fields": [{"name": f"f{n}", "type": "string"} for n in range(fields)],
        }
    )


def _plan(schema: str) -> Plan:
    action = Register(
        "dev",
        ".",
        Scope.SUBJECT,
        "huge-value",
        "new subject",
        None,
        "1",
        registration=Registration("AVRO", schema),
    )
    return Plan(registries=[RegistryState("dev", "dev", "f")], actions=[action])


def test_a_huge_new_schema_is_shortened_in_text_and_markdown_but_whole_in_json() -> None:
    schema = _huge(20_000)
    plan = _plan(schema)
    lines = schema_diff(plan.actions[0])
    assert len(lines) == MAX_DIFF_LINES + 1
    assert "more lines not shown" in lines[-1] and "shortened" in lines[-1]
    text = render_text(plan)
    assert len(text) < 50_000 and "more lines not shown" in text
    assert "more lines not shown" in render_markdown(plan)
    assert json.loads(render_json(plan))["actions"][0]["registration"]["schema"] == schema


def test_a_schema_that_fits_is_shown_whole() -> None:
    lines = schema_diff(_plan(_huge(10)).actions[0])
    assert not any("not shown" in line for line in lines)
