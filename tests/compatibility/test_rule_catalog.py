"""The rule catalogue is complete, true and documented.

Complete: every ID a checker emits has a record (found by exercising the
checkers on Confluent's conformance data and on the examples below, and by a
static scan of the IDs the walkers spell out), and every record is emitted by
some case. True: a change's record says BACKWARD / FORWARD as ``check`` decides
them, for every case whose difference list is that change alone. Documented:
docs/compatibility.md's rule section is the generated one.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from avro.compatibility import SchemaIncompatibilityType

from reconciler.compatibility import check, diff, rules_doc
from reconciler.compatibility._rules import BY_ID, RULES

from .conftest import CONFLUENT, REPO

D2019 = "https://json-schema.org/draft/2019-09/schema"

_BASES = {
    "LENGTH": {"type": "string"},
    "MAXIMUM": {"type": "number"},
    "MINIMUM": {"type": "number"},
    "PROPERTIES": {"type": "object"},
    "ITEMS": {"type": "array"},
    "CONTAINS": {"$schema": D2019, "type": "array", "contains": {"type": "string"}},
}
_KEYWORDS = {
    "MAX_LENGTH": "maxLength",
    "MIN_LENGTH": "minLength",
    "MAXIMUM": "maximum",
    "MINIMUM": "minimum",
    "EXCLUSIVE_MAXIMUM": "exclusiveMaximum",
    "EXCLUSIVE_MINIMUM": "exclusiveMinimum",
    "MAX_PROPERTIES": "maxProperties",
    "MIN_PROPERTIES": "minProperties",
    "MAX_ITEMS": "maxItems",
    "MIN_ITEMS": "minItems",
    "MAX_CONTAINS": "maxContains",
    "MIN_CONTAINS": "minContains",
}


def _bound_cases() -> Iterator[tuple[str, Any, Any]]:
    for prefix, keyword in _KEYWORDS.items():
        base = _BASES[prefix.rsplit("_", 1)[-1]]
        yield f"{prefix}_ADDED", base, {**base, keyword: 5}
        yield f"{prefix}_REMOVED", {**base, keyword: 5}, base
        yield f"{prefix}_INCREASED", {**base, keyword: 5}, {**base, keyword: 6}
        yield f"{prefix}_DECREASED", {**base, keyword: 6}, {**base, keyword: 5}


def _obj(props: dict[str, Any], closed: bool = False, **more: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": "object", "properties": props, **more}
    if closed:
        doc["additionalProperties"] = False
    return doc


S = {"type": "string"}
SD = {"type": "string", "default": "x"}

# Changes Confluent's conformance data does not exercise, as (rule, original, update).
JSON_CASES: list[tuple[str, Any, Any]] = [
    *_bound_cases(),
    ("DEFAULT_CHANGED", {**S, "default": "a"}, {**S, "default": "b"}),
    ("PATTERN_ADDED", S, {**S, "pattern": "^a"}),
    ("MULTIPLE_OF_ADDED", {"type": "number"}, {"type": "number", "multipleOf": 2}),
    (
        "MULTIPLE_OF_EXPANDED",
        {"type": "number", "multipleOf": 2},
        {"type": "number", "multipleOf": 4},
    ),
    (
        "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED",
        _obj({"a": SD}, closed=True),
        _obj({"a": SD}, closed=True, required=["a"]),
    ),
    ("ADDITIONAL_PROPERTIES_EXTENDED", _obj({}, additionalProperties=S), _obj({})),
    (
        "DEPENDENCY_ARRAY_EXTENDED",
        _obj({}, dependencies={"a": ["b"]}),
        _obj({}, dependencies={"a": ["b", "c"]}),
    ),
    (
        "DEPENDENCY_ARRAY_NARROWED",
        _obj({}, dependencies={"a": ["b", "c"]}),
        _obj({}, dependencies={"a": ["b"]}),
    ),
    (
        "DEPENDENCY_ARRAY_CHANGED",
        _obj({}, dependencies={"a": ["b"]}),
        _obj({}, dependencies={"a": ["c"]}),
    ),
    ("REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", _obj({}), _obj({"a": S}, required=["a"])),
    (
        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL",
        _obj({}),
        _obj({"a": SD}, required=["a"]),
    ),
    (
        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL",
        _obj({}, closed=True),
        _obj({"a": SD}, closed=True, required=["a"]),
    ),
    (
        "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        _obj({"a": S}, closed=True),
        _obj({}, closed=True),
    ),
    (
        "UNEVALUATED_PROPERTIES_ADDED",
        {"$schema": D2019, **_obj({}), "unevaluatedProperties": False},
        {"$schema": D2019, **_obj({})},
    ),
    (
        "UNEVALUATED_PROPERTIES_REMOVED",
        {"$schema": D2019, **_obj({})},
        {"$schema": D2019, **_obj({}), "unevaluatedProperties": False},
    ),
    (
        "UNEVALUATED_PROPERTIES_EXTENDED",
        {"$schema": D2019, **_obj({}), "unevaluatedProperties": S},
        {"$schema": D2019, **_obj({})},
    ),
    (
        "UNEVALUATED_PROPERTIES_NARROWED",
        {"$schema": D2019, **_obj({})},
        {"$schema": D2019, **_obj({}), "unevaluatedProperties": S},
    ),
    (
        "UNEVALUATED_ITEMS_ADDED",
        {"$schema": D2019, "type": "array", "unevaluatedItems": False},
        {"$schema": D2019, "type": "array"},
    ),
    (
        "UNEVALUATED_ITEMS_REMOVED",
        {"$schema": D2019, "type": "array"},
        {"$schema": D2019, "type": "array", "unevaluatedItems": False},
    ),
    (
        "UNEVALUATED_ITEMS_EXTENDED",
        {"$schema": D2019, "type": "array", "unevaluatedItems": S},
        {"$schema": D2019, "type": "array"},
    ),
    (
        "UNEVALUATED_ITEMS_NARROWED",
        {"$schema": D2019, "type": "array"},
        {"$schema": D2019, "type": "array", "unevaluatedItems": S},
    ),
    ("UNIQUE_ITEMS_ADDED", {"type": "array"}, {"type": "array", "uniqueItems": True}),
    (
        "ADDITIONAL_ITEMS_NARROWED",
        {"type": "array", "items": [S]},
        {"type": "array", "items": [S], "additionalItems": S},
    ),
    (
        "ITEM_ADDED_TO_OPEN_CONTENT_MODEL",
        {"type": "array", "items": [S]},
        {"type": "array", "items": [S, S]},
    ),
    (
        "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        {"type": "array", "items": [S, S], "additionalItems": False},
        {"type": "array", "items": [S], "additionalItems": False},
    ),
    ("ENUM_ARRAY_NARROWED", {"enum": ["a", "b"]}, {"enum": ["a"]}),
]

PROTO_CASES: list[tuple[str, str, str]] = [
    (
        "ENUM_CONST_ADDED",
        'syntax = "proto3"; enum E { A = 0; }',
        'syntax = "proto3"; enum E { A = 0; B = 1; }',
    ),
    (
        "ENUM_CONST_REMOVED",
        'syntax = "proto3"; enum E { A = 0; B = 1; }',
        'syntax = "proto3"; enum E { A = 0; }',
    ),
]


def _record(fields: list[Any], name: str = "R") -> str:
    return json.dumps({"type": "record", "name": name, "fields": fields})


# Avro findings, as (rule, writer, reader).
AVRO_CASES: list[tuple[str, str, str]] = [
    (
        "READER_FIELD_MISSING_DEFAULT_VALUE",
        _record([]),
        _record([{"name": "a", "type": "int"}]),
    ),
    (
        "TYPE_MISMATCH",
        _record([{"name": "a", "type": "string"}]),
        _record([{"name": "a", "type": "int"}]),
    ),
    (
        "MISSING_UNION_BRANCH",
        _record([{"name": "a", "type": ["null", "string"]}]),
        _record([{"name": "a", "type": ["null", "int"]}]),
    ),
    ("NAME_MISMATCH", _record([], "A"), _record([], "B")),
    (
        "MISSING_ENUM_SYMBOLS",
        json.dumps({"type": "enum", "name": "E", "symbols": ["A", "B"]}),
        json.dumps({"type": "enum", "name": "E", "symbols": ["A"]}),
    ),
    (
        "FIXED_SIZE_MISMATCH",
        json.dumps({"type": "fixed", "name": "F", "size": 4}),
        json.dumps({"type": "fixed", "name": "F", "size": 8}),
    ),
]


def _conformance_cases() -> Iterator[tuple[str, str, str]]:
    """Confluent's JSON Schema and Protobuf examples as (type, original, update)."""
    if CONFLUENT is None:
        return
    for name in ("diff-schema-examples.json", "diff-combined-schema-examples.json"):
        for case in json.loads((CONFLUENT / "json-schema" / name).read_text()):
            original, update = case["original_schema"], case["update_schema"]
            yield "JSON", json.dumps(original), json.dumps(update)
    for case in json.loads((CONFLUENT / "protobuf" / "diff-schema-examples.json").read_text()):
        if not case.get("original_dependencies") and not case.get("update_dependencies"):
            yield "PROTOBUF", case["original_schema"], case["update_schema"]


def _change_cases() -> list[tuple[str, str, str]]:
    cases = list(_conformance_cases())
    cases += [("JSON", json.dumps(o), json.dumps(u)) for _, o, u in JSON_CASES]
    cases += [("PROTOBUF", o, u) for _, o, u in PROTO_CASES]
    return cases


def _emitted() -> dict[str, list[tuple[str, str, str]]]:
    """Every rule the checkers emit on the cases, with the cases that are that change alone."""
    alone: dict[str, list[tuple[str, str, str]]] = {}
    for schema_type, original, update in _change_cases():
        found = {d.rule for d in diff(schema_type, original, update)}
        for rule in found:
            alone.setdefault(rule, [])
        if len(found) == 1:
            alone[found.pop()].append((schema_type, original, update))
    for _, writer, reader in AVRO_CASES:
        for m in check("AVRO", reader, [writer], "BACKWARD").messages:
            alone.setdefault(m.rule, []).append(("AVRO", writer, reader))
    return alone


EMITTED = _emitted()


def test_every_emitted_rule_has_a_record() -> None:
    assert set(EMITTED) <= set(BY_ID)


def test_every_record_is_emitted_by_a_case(confluent: Path) -> None:
    assert sorted(set(BY_ID) - set(EMITTED)) == []


def test_each_example_emits_its_rule() -> None:
    for rule, original, update in JSON_CASES:
        assert rule in {d.rule for d in diff("JSON", json.dumps(original), json.dumps(update))}
    for rule, original, update in PROTO_CASES:
        assert rule in {d.rule for d in diff("PROTOBUF", original, update)}
    for rule, writer, reader in AVRO_CASES:
        assert rule in {m.rule for m in check("AVRO", reader, [writer], "BACKWARD").messages}


def _spelled_ids(module: str) -> set[str]:
    """The IDs a walker spells out whole: upper-case string constants in its source."""
    tree = ast.parse((REPO / "reconciler" / "compatibility" / module).read_text())
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.isupper()
        and node.value[0].isalpha()
        and node.value[-1].isalpha()
        and "_" in node.value
        and node.value.replace("_", "").isalpha()
        and node.value.endswith(
            ("ADDED", "REMOVED", "CHANGED", "EXTENDED", "NARROWED", "MOVED", "MODEL", "ONEOF")
        )
    }


@pytest.mark.parametrize("module", ["_jsonschema.py", "_protobuf.py"])
def test_every_spelled_out_id_has_a_record(module: str) -> None:
    spelled = _spelled_ids(module)
    assert spelled, "the scan finds the walker's IDs"
    assert sorted(spelled - set(BY_ID)) == []


def test_every_avro_incompatibility_kind_has_a_record() -> None:
    kinds = {kind.name.upper() for kind in SchemaIncompatibilityType}
    assert kinds == {r.id for r in RULES if r.schema_type == "AVRO"}


def test_directions_are_what_check_decides(confluent: Path) -> None:
    """A change alone is BACKWARD / FORWARD compatible exactly as its record says."""
    checked = 0
    for rule, cases in EMITTED.items():
        record = BY_ID[rule]
        for schema_type, original, update in cases:
            if schema_type == "AVRO":
                continue  # findings, not changes
            backward = check(schema_type, update, [original], "BACKWARD").compatible
            assert backward is record.backward, rule
            if record.forward is not None:
                forward = check(schema_type, update, [original], "FORWARD").compatible
                assert forward is record.forward, rule
            checked += 1
    assert checked > 100


def test_ids_are_unique_and_records_complete() -> None:
    assert len(BY_ID) == len(RULES)
    for rule in RULES:
        assert rule.change and rule.why
        assert rule.fix or rule.compatible == (True, True), rule.id


def test_doc_section_is_generated_from_the_catalogue() -> None:
    doc = (REPO / "docs" / "compatibility.md").read_text(encoding="utf-8")
    assert rules_doc.update(doc) == doc, "run python -m reconciler.compatibility.rules_doc"


def test_doc_check_fails_on_a_stale_doc(tmp_path: Path) -> None:
    doc = tmp_path / "compatibility.md"
    doc.write_text(f"# x\n\n{rules_doc.BEGIN}\nold\n{rules_doc.END}\n", encoding="utf-8")
    assert rules_doc.main([str(doc), "--check"]) == 1
    assert rules_doc.main([str(doc)]) == 0
    assert rules_doc.main([str(doc), "--check"]) == 0
