"""Equality by meaning: reformatting is never a change, a change of meaning always is."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.compatibility import parse
from reconciler.engine.schemas import SchemaCache, _as_written, same_document

from .conftest import Workspace, steps

AVRO = {
    "type": "record",
    "name": "Order",
    "namespace": "com.acme",
    "doc": "An order.",
    "fields": [
        {"name": "id", "type": "string"},
        {
            "name": "total",
            "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2},
        },
        {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []},
    ],
}
JSON_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {"id": {"type": "string"}, "qty": {"type": "integer", "minimum": 0}},
    "required": ["id"],
    "additionalProperties": False,
}
PROTO = """syntax = "proto3";
package acme.orders;

import "google/protobuf/timestamp.proto";

message Order {
  string id = 1;
  int64 total_cents = 2;
  google.protobuf.Timestamp placed_at = 3;
  repeated string tags = 4;
}
"""
PROTO_REFORMATTED = """
syntax="proto3";
package   acme.orders;
import "google/protobuf/timestamp.proto";
message Order { string id=1;  int64 total_cents = 2;
   google.protobuf.Timestamp placed_at = 3; repeated string tags = 4; }
"""


def _reordered(value: object) -> object:
    """The same JSON with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {k: _reordered(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(v) for v in value]
    return value


CASES = {
    "AVRO": ("avsc", json.dumps(AVRO), json.dumps(_reordered(AVRO), indent=7)),
    "JSON": ("json", json.dumps(JSON_SCHEMA), json.dumps(_reordered(JSON_SCHEMA), indent=3)),
    "PROTOBUF": ("proto", PROTO, PROTO_REFORMATTED),
}


def _spec(ws: Workspace, schema_type: str, extension: str, text: str) -> None:
    ws.write(f"schemas/s.{extension}", text)
    ws.write(
        "specs/main.yaml",
        f"""
        subjects:
          s-value:
            type: {schema_type}
            schema: ../schemas/s.{extension}
        """,
    )


@pytest.mark.parametrize("schema_type", CASES)
def test_reformatted_schema_gives_an_empty_plan(ws: Workspace, schema_type: str) -> None:
    extension, original, reformatted = CASES[schema_type]
    _spec(ws, schema_type, extension, original)
    first, results, after = ws.apply()
    assert steps(first) == [("register", "s-value", "1")]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    _spec(ws, schema_type, extension, reformatted)
    plan = ws.plan()
    assert not plan.has_changes and not plan.errors, plan.to_json()


CHANGES = {
    "doc": lambda s: {**s, "doc": "An order, as placed."},
    "default": lambda s: {**s, "fields": [*s["fields"][:2], {**s["fields"][2], "default": ["x"]}]},
    "alias": lambda s: {**s, "aliases": ["com.acme.Purchase"]},
    "logicalType": lambda s: {
        **s,
        "fields": [
            {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
            *s["fields"][1:],
        ],
    },
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_of_meaning_is_a_registration(ws: Workspace, change: str) -> None:
    _spec(ws, "AVRO", "avsc", json.dumps(AVRO))
    ws.apply()
    _spec(ws, "AVRO", "avsc", json.dumps(CHANGES[change](AVRO)))
    plan = ws.plan()
    assert steps(plan) == [("register", "s-value", "2")], plan.to_json()
    assert plan.actions[0].reason == "schema differs from the latest version (1)"


def test_an_older_version_spelled_otherwise_is_not_registered_again(ws: Workspace) -> None:
    """A field added, then the spec goes back to the first schema, written another way
    (types as objects, keys reordered): it is version 1, which cannot become latest."""
    _spec(ws, "AVRO", "avsc", json.dumps(AVRO))
    ws.apply()
    second = {
        **AVRO,
        "fields": [*AVRO["fields"], {"name": "note", "type": "string", "default": ""}],
    }
    _spec(ws, "AVRO", "avsc", json.dumps(second))
    ws.apply()
    first = {**AVRO, "fields": [{"name": "id", "type": {"type": "string"}}, *AVRO["fields"][1:]]}
    _spec(ws, "AVRO", "avsc", json.dumps(_reordered(first), indent=2))
    plan = ws.plan()
    assert steps(plan) == []
    (problem,) = plan.errors
    assert problem.message.startswith("the desired schema is version 1, not the latest (2)")
    _spec(ws, "AVRO", "avsc", json.dumps(_reordered(second), indent=2))
    assert not ws.plan().has_changes


def test_a_json_schema_description_change_is_a_registration(ws: Workspace) -> None:
    _spec(ws, "JSON", "json", json.dumps(JSON_SCHEMA))
    ws.apply()
    _spec(ws, "JSON", "json", json.dumps({**JSON_SCHEMA, "description": "An order."}))
    assert steps(ws.plan()) == [("register", "s-value", "2")]


def test_a_protobuf_field_rename_is_a_registration(ws: Workspace) -> None:
    _spec(ws, "PROTOBUF", "proto", PROTO)
    ws.apply()
    _spec(ws, "PROTOBUF", "proto", PROTO.replace("repeated string tags", "repeated string labels"))
    assert steps(ws.plan()) == [("register", "s-value", "2")]


def test_a_protobuf_number_with_leading_zeros_converges(ws: Workspace) -> None:
    """Confluent's parser (Wire) reads ``010`` as 10 and stores ``= 10``; protoc reads 8.
    The plan after the apply is empty (it was ``~ changed ...tags.number: 10 -> 8``
    forever), and the decimal spelling is the same schema."""
    written = PROTO.replace("repeated string tags = 4;", "repeated string tags = 010;")
    _spec(ws, "PROTOBUF", "proto", written)
    first, results, after = ws.apply()
    assert steps(first) == [("register", "s-value", "1")]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors, after.to_json()
    _spec(ws, "PROTOBUF", "proto", written.replace("= 010;", "= 10;"))
    assert not ws.plan().has_changes


def test_a_default_of_true_is_not_a_default_of_one(ws: Workspace) -> None:
    """The fast path compares documents strictly: 1 == True in Python, not in a schema."""
    schema = {
        "type": "record",
        "name": "F",
        "fields": [{"name": "n", "type": ["int", "boolean"], "default": 1}],
    }
    _spec(ws, "AVRO", "avsc", json.dumps(schema))
    ws.apply()
    schema["fields"][0]["type"] = ["boolean", "int"]
    schema["fields"][0]["default"] = True
    _spec(ws, "AVRO", "avsc", json.dumps(schema))
    assert steps(ws.plan()) == [("register", "s-value", "2")]


def test_a_no_change_plan_reads_no_subject_level_but_its_mode(ws: Workspace) -> None:
    # The mode is read for every listed subject: an IMPORT left behind is a difference.
    _spec(ws, "AVRO", "avsc", json.dumps(AVRO))
    ws.apply()
    log = ws.registry.request_log
    log.write_text("")
    assert not ws.plan().has_changes
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(r["path"] for r in records) == ["/config", "/mode", "/mode/s-value", "/schemas"]
    # The top level as in force: its own, else :.__GLOBAL:'s (a default-context project
    # needs no read of :.__GLOBAL: itself; tests/engine/test_global_context.py).
    top = {r["path"]: r["query"] for r in records if r["path"] in ("/config", "/mode")}
    assert top == {"/config": "defaultToGlobal=true", "/mode": "defaultToGlobal=true"}


def test_a_no_change_plan_reads_only_the_settings_the_spec_sets(ws: Workspace) -> None:
    ws.write("schemas/s.avsc", json.dumps(AVRO))
    ws.write(
        "specs/main.yaml",
        """
        subjects:
          s-value: {schema: ../schemas/s.avsc, compatibility: FULL}
        """,
    )
    ws.apply()
    log = ws.registry.request_log
    log.write_text("")
    assert not ws.plan().has_changes
    paths = [json.loads(line)["path"] for line in log.read_text().splitlines()]
    assert sorted(paths) == ["/config", "/config/s-value", "/mode", "/mode/s-value", "/schemas"]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ('{"a": true, "b": [1, 2]}', '{"b": [1,2],\n "a": true}', True),
        ('{"a": 1.5, "n": null}', '{"n":null,"a":1.5}', True),
        ('{"a": 1}', '{"a": 1.0}', False),
        ('{"a": 1}', '{"a": true}', False),
        ('{"a": 0}', '{"a": false}', False),
        ('{"a": 1}', '{"a": "1"}', False),
        ('{"a": 1}', '{"a": ["number", "1"]}', False),
        ('{"a": [1, 2]}', '{"a": [2, 1]}', False),
        ('{"a": 1e2}', '{"a": 100.0}', False),  # the same number: left to the parsed forms
        ("[1", "[1 ", False),
        # the compact rendering's shortcut (a registry's text against a spec's, indented)
        ('{"a":[1,"x y"],"b":null}', '{\n  "a": [\n    1,\n    "x y"\n  ],\n  "b": null\n}', True),
        ('{"a":"\u00e9"}', '{"a": "\\u00e9"}', True),
        ('{"a":1.0}', '{"a": 1.00}', False),
        ('{"a":100.0}', '{"a": 1e2}', False),
        ('{"a":0}', '{"a": -0}', False),
        ('{"a":1.2345678901234568e+22}', '{"a": 12345678901234567890123}', False),
        ('{"a":1e+16}', '{"a": 10000000000000000.0}', False),
        ('{"a":"\ud800"}', '{"a": "\\ud800"}', True),
    ],
)
def test_same_document_is_true_only_for_the_same_json(a: str, b: str, same: bool) -> None:
    """The shortcut before parsing: False only means "parse and compare"."""
    assert same_document("AVRO", a, b) is same


# JSON texts with several spellings of a number, escapes and whitespace: what a
# registry may return and a spec may hold. ``_SPACE`` marks where whitespace may go,
# ``_NUMBER`` a number spelled one way in the compact text and maybe another in the
# indented one.
_SPACE, _NUMBER = "\x00", "\x01"
_SPELLINGS = [
    ("1", "1"),
    ("1.0", "1.00"),
    ("100.0", "1e2"),
    ("100.0", "1E2"),
    ("0", "-0"),
    ("1", "1.0"),
    ("1.2345678901234568e+22", "12345678901234567890123"),
    ("1e+16", "10000000000000000.0"),
    ("-9.223372036854776e+18", "-9223372036854775809"),
    ("18446744073709551615", "18446744073709551615"),
    ("0.5", "5e-1"),
]
_SCALARS = st.sampled_from(
    [_NUMBER, _NUMBER, "-2", '"a"', '"\\u0061"', '"b c"', '"-0"', '"\\n"', "true", "null"]
)
_KEYS = st.sampled_from(['"a"', '"\\u0061"', '"b"'])
_TEMPLATES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3).map(lambda xs: "[" + f",{_SPACE}".join(xs) + "]")
        | st.lists(st.tuples(_KEYS, inner), max_size=3).map(
            lambda kvs: "{" + f",{_SPACE}".join(f"{k}:{_SPACE}{v}" for k, v in kvs) + "}"
        )
    ),
    max_leaves=6,
)


@settings(max_examples=500, deadline=None)
@given(_TEMPLATES, st.sampled_from(_SPELLINGS))
def test_same_document_agrees_with_the_documents_as_written(
    template: str, spellings: tuple[str, str]
) -> None:
    """Whatever shortcut it takes, ``same_document`` of a compact text and an indented
    one compares the documents with their number literals kept."""
    compact, written = spellings
    a = template.replace(_SPACE, "").replace(_NUMBER, compact)
    b = template.replace(_SPACE, "\n  ").replace(_NUMBER, written)
    assert same_document("AVRO", a, b) is (a == b or _as_written(a) == _as_written(b))


# Avro records as a spec may spell them (a type as a name or an object, a nested
# record's name full or in the enclosing namespace, keys in any order), and changed:
# ``may_be_same`` is a shortcut before the normalized forms, which must never say two
# schemas differ when their normalized forms are equal.
_FIELD_NAMES = st.sampled_from(["id", "note", "total", "tags"])
_FIELD_TYPES = st.sampled_from(
    [
        ('"string"', '{"type": "string"}'),
        ('"long"', '{"type": "long"}'),
        ('["null", "string"]', '["null", {"type": "string"}]'),
        ('{"type": "array", "items": "string"}', '{"items": {"type": "string"}, "type": "array"}'),
        (
            '{"type": "record", "name": "Inner", "fields": [{"name": "a", "type": "int"}]}',
            '{"fields": [{"type": "int", "name": "a"}], "name": "com.acme.Inner", '
            '"type": "record"}',
        ),
        (
            '{"type": "enum", "name": "Kind", "symbols": ["A", "B"]}',
            '{"symbols": ["A", "B"], "type": "enum", "namespace": "com.acme", "name": "Kind"}',
        ),
    ]
)
# A named type is defined once: no two fields of one type.
_FIELDS = st.lists(
    st.tuples(_FIELD_NAMES, _FIELD_TYPES), max_size=4, unique_by=(lambda f: f[0], lambda f: f[1])
)


def _record(fields: list[tuple[str, str]], namespace: str = '"namespace": "com.acme", ') -> str:
    shown = ", ".join(f'{{"name": "{name}", "type": {type_}}}' for name, type_ in fields)
    return f'{{"type": "record", "name": "R", {namespace}"fields": [{shown}]}}'


@settings(max_examples=300, deadline=None)
@given(_FIELDS, _FIELDS, st.lists(st.booleans(), min_size=4, max_size=4), st.booleans())
def test_may_be_same_is_false_only_for_different_normalized_forms(
    a_fields: list, b_fields: list, spelled: list[bool], full_name: bool
) -> None:
    """Two records, the second either the first spelled otherwise or another one."""
    a = _record([(name, types[0]) for name, types in a_fields])
    if not b_fields:  # the first, spelled otherwise
        b_fields = a_fields
    b = _record(
        [(name, types[spelled[i]]) for i, (name, types) in enumerate(b_fields)],
        "" if full_name else '"namespace": "com.acme", ',
    ).replace('"name": "R"', '"name": "com.acme.R"' if full_name else '"name": "R"')
    cache = SchemaCache()
    same = parse("AVRO", a, {}).normalized == parse("AVRO", b, {}).normalized
    assert cache.may_be_same("AVRO", a, b) or not same
    if [n for n, _ in a_fields] != [n for n, _ in b_fields]:
        assert not cache.may_be_same("AVRO", a, b)
