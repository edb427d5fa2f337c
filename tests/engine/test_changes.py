"""The structured change list of a registration: one entry per change, with its path."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reconciler.compatibility import parse
from reconciler.engine import Plan
from reconciler.engine import changes as change_lists
from reconciler.engine.changes import Change, reference_changes
from reconciler.engine.changes import schema_changes as parsed_changes
from reconciler.render import render_markdown, render_text
from reconciler.workflows.plan_view import action_line

from .conftest import Workspace
from .test_references import ADDRESS_V1, ADDRESS_V2, _specs

REPO = Path(__file__).resolve().parents[2]


def schema_changes(kind: str, old: str, new: str) -> list[Change]:
    return parsed_changes(parse(kind, old), parse(kind, new))


def avro(*fields: dict) -> str:
    return json.dumps(
        {"type": "record", "name": "Order", "namespace": "com.acme", "fields": list(fields)}
    )


STATUS = {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}


def test_avro_changes_are_named_by_field() -> None:
    old = avro(
        {"name": "id", "type": "string"},
        {"name": "note", "type": "string", "doc": "free text"},
        {"name": "amount", "type": "int", "default": 0},
        {"name": "status", "type": STATUS},
        {"name": "gone", "type": "string"},
    )
    new = avro(
        {"name": "amount", "type": "long", "default": 1},
        {"name": "id", "type": "string"},
        {"name": "note", "type": "string", "doc": "a note"},
        {"name": "status", "type": {**STATUS, "symbols": ["NEW", "SHIPPED"]}},
        {"name": "channel", "type": ["null", "string"], "default": None},
    )
    changes = {(c.kind, c.path, c.before, c.after) for c in schema_changes("AVRO", old, new)}
    assert changes == {
        ("type", "com.acme.Order.amount", '"int"', '"long"'),
        ("default", "com.acme.Order.amount", "0", "1"),
        ("doc", "com.acme.Order.note", '"free text"', '"a note"'),
        ("enum_symbols", "com.acme.Status", None, "SHIPPED"),
        ("enum_symbols", "com.acme.Status", "PAID", None),
        (
            "field_added",
            "com.acme.Order.channel",
            None,
            '{"default": null, "type": ["null", "string"]}',
        ),
        ("field_removed", "com.acme.Order.gone", '{"type": "string"}', None),
        ("order", "com.acme.Order", "id, note, amount, status", "amount, id, note, status"),
    }


def test_one_line_per_change() -> None:
    old = avro({"name": "id", "type": "string"})
    new = avro({"name": "id", "type": "string"}, {"name": "total", "type": "int"})
    assert [str(c) for c in schema_changes("AVRO", old, new)] == [
        '+ field com.acme.Order.total {"type": "int"}'
    ]
    assert str(Change("default", "a.b", "0", "1")) == "~ default a.b: 0 -> 1"
    assert schema_changes("AVRO", old, old) == []


def test_fields_added_alone_are_listed_one_by_one() -> None:
    """Two fields and the enum one of them defines, added to an unchanged record: deepdiff
    would call the (pruned, disjoint) field maps one changed value without
    ``threshold_to_diff_deeper=0``."""
    old = avro({"name": "id", "type": "string"})
    new = avro(
        {"name": "id", "type": "string"},
        {"name": "note", "type": "string", "default": ""},
        {"name": "status", "type": STATUS},
    )
    assert [str(c) for c in schema_changes("AVRO", old, new)] == [
        '+ field com.acme.Order.note {"default": "", "type": "string"}',
        '+ field com.acme.Order.status {"type": "com.acme.Status"}',
        "~ changed com.acme.Status: added enum NEW, PAID",
    ]


def test_a_field_named_order_is_listed() -> None:
    """The fields' order is compared apart from the rest, by name: a field called
    ``order`` is listed like any other (it was left out as if it were the order)."""
    old = avro({"name": "id", "type": "string"}, {"name": "order", "type": "int"})
    new = avro({"name": "id", "type": "string"}, {"name": "order", "type": "long"})
    assert [str(c) for c in schema_changes("AVRO", old, new)] == [
        '~ type com.acme.Order.order: "int" -> "long"'
    ]
    proto = 'syntax = "proto3";\npackage acme;\nmessage Order {\n  string id = 1;\n%s}\n'
    changes = schema_changes("PROTOBUF", proto % "", proto % "  int32 order = 2;\n")
    assert [(c.kind, c.path) for c in changes] == [("field_added", "acme.Order.order")]


def test_json_schema_changes_by_pointer() -> None:
    old = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
    new = {
        "type": "object",
        "properties": {"id": {"type": "integer", "description": "key"}, "n": {"type": "string"}},
        "required": ["id", "n"],
    }
    changes = {
        (c.kind, c.path, c.before, c.after)
        for c in schema_changes("JSON", json.dumps(old), json.dumps(new))
    }
    assert changes == {
        ("type", "#/properties/id", '"string"', '"integer"'),
        ("doc", "#/properties/id", None, '"key"'),
        ("field_added", "#/properties/n", None, '{"type": "string"}'),
        ("required", "#", None, '"n"'),
    }


def test_json_enum_and_required_are_sets() -> None:
    """A value replaced in ``enum`` or ``required`` is one removed and one added (their
    order means nothing), and a property that is merely named ``enum`` is a property."""
    old = {
        "type": "object",
        "properties": {"x": {"enum": ["a", "b", 1]}, "enum": {"type": "string"}},
        "required": ["x", "enum"],
    }
    new = {
        "type": "object",
        "properties": {
            "x": {"enum": ["c", 1, "a"]},
            "enum": {"type": "string", "description": "d"},
        },
        "required": ["enum", "y"],
    }
    changes = [str(c) for c in schema_changes("JSON", json.dumps(old), json.dumps(new))]
    assert changes == [
        '~ required #: added "y"',
        '~ required #: removed "x"',
        '~ doc #/properties/enum: added "d"',
        '~ enum symbols #/properties/x: added "c"',
        '~ enum symbols #/properties/x: removed "b"',
    ]


def test_protobuf_changes_by_message_and_field() -> None:
    old = (
        'syntax = "proto3";\npackage acme;\nmessage Order {\n  string id = 1;\n  int32 n = 2;\n}\n'
    )
    new = (
        'syntax = "proto3";\npackage acme;\nmessage Order {\n  int64 n = 2;\n  string id = 1;\n'
        "  optional string x = 3;\n}\n"
    )
    changes = {(c.kind, c.path) for c in schema_changes("PROTOBUF", old, new)}
    assert changes == {
        ("type", "acme.Order.n"),
        ("field_added", "acme.Order.x"),
        ("order", "acme.Order"),
    }


def test_reference_versions() -> None:
    changes = reference_changes({"m": ("money", 1)}, {"m": ("money", 2)})
    assert [str(c) for c in changes] == ["~ reference version m: money v1 -> money v2"]


def test_a_reference_to_another_subject_and_version_is_one_change() -> None:
    """deepdiff reported each differing member of the (subject, version) pair, so the
    plan printed the line twice until bc59ed2 told reference changes by ``_walk``."""
    changes = reference_changes({"m": ("money", 1)}, {"m": ("cash", 2)})
    assert [str(c) for c in changes] == ["~ reference version m: money v1 -> cash v2"]


def test_another_type_is_not_listed_field_by_field() -> None:
    assert parsed_changes(parse("AVRO", avro()), parse("JSON", "{}")) == []


def test_each_registration_of_a_plan_carries_its_changes(ws: Workspace) -> None:
    """A referenced schema gains a field: its registration lists the field, and the
    referrer's lists the reference's new version; the JSON form keeps them."""
    _specs(ws, ADDRESS_V1)
    first, _results, _after = ws.apply()
    assert all(a.registration and a.registration.changes == () for a in first.actions)
    assert all("changes" not in a.to_json()["registration"] for a in first.actions)
    _specs(ws, ADDRESS_V2)
    plan = ws.plan()
    address, customer = (a.registration for a in plan.actions)
    assert address is not None and customer is not None
    assert [str(c) for c in address.changes] == [
        '+ field com.acme.Address.city {"default": null, "type": ["null", "string"]}'
    ]
    assert [str(c) for c in customer.changes] == [
        "~ reference version com.acme.Address: address-value v1 -> address-value v2"
    ]
    schema = json.loads((REPO / "specs/plan.schema.json").read_text())
    saved = json.loads(json.dumps(plan.to_json()))
    jsonschema.validate(saved, schema)
    again = Plan.from_json(saved)
    assert again.actions[0].registration is not None
    assert again.actions[0].registration.changes == address.changes


def test_the_views_show_one_line_per_change(ws: Workspace) -> None:
    _specs(ws, ADDRESS_V1)
    ws.apply()
    _specs(ws, ADDRESS_V2)
    plan = ws.plan()
    field = '+ field com.acme.Address.city {"default": null, "type": ["null", "string"]}'
    reference = "~ reference version com.acme.Address: address-value v1 -> address-value v2"
    for view in (render_text(plan), render_markdown(plan)):
        assert field in view and reference in view
        assert '"street"' not in view  # the schema is not shown whole


def test_the_mcp_summary_line_lists_the_first_changes(ws: Workspace) -> None:
    _specs(ws, ADDRESS_V1)
    ws.apply()
    _specs(ws, ADDRESS_V2)
    line = action_line(ws.plan().actions[0])
    assert line.endswith(
        '; changes: + field com.acme.Address.city {"default": null, "type": ["null", "string"]}'
    )


# --- the differences deepdiff is left out of ---------------------------------------

_KEYS = st.sampled_from(["a", "b", "__private", "fields", "1"])
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1, 2),
    st.sampled_from([0.0, 1.0, 1.5, float("nan")]),
    st.sampled_from(["x", "y", ""]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def _edited(draw: st.DrawFn, value: object) -> object:
    """``value`` with some of its parts replaced, dropped or added."""
    if draw(st.integers(0, 3)) == 0:
        return draw(_VALUES)
    if isinstance(value, dict):
        edited = {k: draw(_edited(v)) for k, v in value.items() if draw(st.integers(0, 4))}
        return {**edited, **draw(st.dictionaries(_KEYS, _VALUES, max_size=1))}
    if isinstance(value, list):
        return [draw(_edited(v)) for v in value]
    return value


def _reports(found: list) -> list[str]:
    return sorted(repr((how, list(path), before, after)) for how, path, before, after in found)


@settings(max_examples=500, deadline=None)
@given(st.data(), st.none())
@example(None, ([{"a": 1}], [{"a": 1.0}]))  # equal lists to Python, not to deepdiff
@example(None, ({"a": [[True]]}, {"a": [[1]]}))
def test_the_differences_told_without_deepdiff_are_deepdiffs(
    data: st.DataObject | None, pair: tuple[object, object] | None
) -> None:
    from deepdiff import DeepDiff

    if pair is not None:
        old, new = pair
    else:
        assert data is not None
        old = data.draw(_VALUES)
        new = data.draw(_edited(old))
    expected = []
    for report, items in DeepDiff(old, new, **change_lists._ONE_BY_ONE).items():
        how = (
            "added"
            if report.endswith("_added")
            else "removed"
            if report.endswith("_removed")
            else "changed"
        )
        for item in items:
            before = None if how == "added" else item.t1
            after = None if how == "removed" else item.t2
            expected.append((how, item.path(output_format="list"), before, after))
    walked: list = []
    try:
        change_lists._walk(old, new, [], walked)
    except change_lists._Deeper:
        walked = expected  # lists that differ: deepdiff's to tell
    assert _reports(walked) == _reports(expected)
    assert _reports(change_lists._differences(old, new)) == _reports(expected)
