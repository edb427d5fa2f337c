"""Every kind of action renders in every view, and the JSON form round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from rich.console import Console

from reconciler.engine.plan import (
    DeleteMode,
    DeleteSubject,
    DeleteVersion,
    Plan,
    Problem,
    Register,
    Registration,
    RegistryState,
    Scope,
    SetCompatibility,
    SetMode,
    Verdict,
)
from reconciler.registry import Reference
from reconciler.render import render_json, render_markdown, render_text
from reconciler.render._diff import schema_diff
from reconciler.render.markdown import MARKER

OLD = '{"type": "record", "name": "A", "fields": [{"name": "a", "type": "string"}]}'
NEW = (
    '{"type": "record", "name": "A", "fields": [{"name": "a", "type": "string"}, '
    '{"name": "b", "type": ["null", "string"], "default": null}]}'
)


def _plan() -> Plan:
    reg = Registration(
        "AVRO",
        NEW,
        (Reference("com.acme.B", "b-value", 3),),
        False,
        1,
        OLD,
        Verdict("BACKWARD", True, (1,), ()),
        metadata={"properties": {"o": "x"}},
    )
    imported = Registration("AVRO", OLD, id=117, version=2)
    actions = [
        SetCompatibility("dev", ".", Scope.GLOBAL, "", "why", "BACKWARD", "FULL"),
        SetMode("dev", ".billing", Scope.CONTEXT, ":.billing:", "why", None, "READONLY"),
        SetMode(
            "dev",
            ".",
            Scope.SUBJECT,
            "p-value",
            "temporary IMPORT",
            None,
            "IMPORT",
            force=True,
        ),
        Register(
            "dev",
            ".",
            Scope.SUBJECT,
            "a-value",
            "schema differs",
            "1",
            "2",
            registration=reg,
            source="specs/a.yaml:3:3",
        ),
        Register(
            "dev",
            ".",
            Scope.SUBJECT,
            "p-value",
            "pinned",
            None,
            "2",
            registration=imported,
        ),
        DeleteMode(
            "dev",
            ".",
            Scope.SUBJECT,
            "p-value",
            "end of IMPORT",
            "IMPORT",
            None,
            restore=True,
        ),
        DeleteVersion("dev", ".", Scope.SUBJECT, "c-value", "spec", version=1),
        DeleteSubject("dev", ".", Scope.SUBJECT, "d-value", "spec", "2 versions"),
        DeleteSubject("dev", ".", Scope.SUBJECT, "d-value", "spec", permanent=True),
    ]
    return Plan(
        [RegistryState("dev", "dev (https://sr.example.com)", "abc", False, (".",))],
        actions,
        [Problem("warning", "dev", "x-value", "kept: protected")],
    )


def _plain(markup: str) -> str:
    console = Console(record=True, width=200, color_system=None)
    console.print(markup)
    return console.export_text()


def test_text_view_shows_every_action() -> None:
    text = _plain(render_text(_plan()))
    assert "~ compatibility (global)  BACKWARD -> FULL" in text
    assert "~ mode          (context .billing)  (not set) -> READONLY" in text
    assert "+ register      a-value  (AVRO, version 2: schema differs)" in text
    assert "compatible (BACKWARD, checked against version 1)" in text
    assert "reference com.acme.B -> b-value version 3" in text
    assert '+       "name": "b",' in text
    assert 'metadata {"properties": {"o": "x"}}' in text
    assert "+ register      p-value  (AVRO, version 2, id 117: pinned)" in text
    assert "~ mode          p-value  IMPORT -> (not set)" in text
    assert "- delete        c-value  version 1 (soft)" in text
    assert "- delete        d-value  (soft, 2 versions: spec)" in text
    assert "- delete        d-value  (permanently: spec)" in text
    assert "warning: dev x-value: kept: protected" in text
    # p-value's temporary IMPORT and its restore are steps, not changes
    assert text.rstrip().endswith("Plan: 2 to register, 2 to change, 3 to delete.")


def test_markdown_view_is_a_pr_comment() -> None:
    markdown = render_markdown(_plan())
    assert markdown.startswith(MARKER)
    assert "**Plan: 2 to register, 2 to change, 3 to delete.**" in markdown
    assert (
        "| `+` | dev | `a-value` | register version 2: schema differs | ✅ BACKWARD |" in markdown
    )
    assert "| `-` | dev | `d-value` | delete subject permanently: spec |  |" in markdown
    assert "<details><summary><code>a-value</code> version 2 (dev)</summary>" in markdown
    assert "```diff" in markdown


def test_json_view_round_trips() -> None:
    plan = _plan()
    data = json.loads(render_json(plan))
    assert data["format_version"] == 1
    assert data["summary"] == {"register": 2, "change": 2, "delete": 3}
    again = Plan.from_json(data)
    assert again.to_json() == plan.to_json()


def test_an_empty_plan_says_so() -> None:
    empty = Plan([RegistryState("dev", "dev", "abc")], [], [])
    assert "No changes. The registries match the specs." in _plain(render_text(empty))
    assert "**No changes.**" in render_markdown(empty)


def test_json_view_follows_the_published_schema() -> None:
    schema = json.loads((Path(__file__).parents[2] / "specs/plan.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(render_json(_plan())), schema)
    empty = Plan([RegistryState("dev", "dev", "abc")], [], [])
    jsonschema.validate(json.loads(render_json(empty)), schema)


def test_the_schema_diff_ignores_the_registrys_key_order() -> None:
    """The registry stores its own key order; only real changes show."""
    stored = '{"type":"record","name":"A","fields":[{"type":"string","name":"a"}]}'
    reg = Registration("AVRO", NEW, (), False, 1, stored, Verdict("BACKWARD", True, (1,), ()))
    action = Register("dev", ".", Scope.SUBJECT, "a-value", "why", registration=reg)
    changed = [line for line in schema_diff(action) if line[:1] in "+-"]
    assert changed == [
        "+     },",
        "+     {",
        '+       "name": "b",',
        '+       "type": [',
        '+         "null",',
        '+         "string"',
        "+       ],",
        '+       "default": null',
    ]
