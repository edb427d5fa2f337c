"""The lean Avro model and checker against the ``avro`` package, their reference.

Two claims, tested on generated schemas:

- whatever ``_avro_model.build`` accepts, the library's parser accepts too
  (anything else it hands to the library, which then decides);
- on schemas both accept, the ported checker's result equals the library
  checker's: verdict, kinds in order, messages and locations.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import avro.schema
import pytest
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reconciler.compatibility import InvalidSchemaError, check, parse
from reconciler.compatibility._avro_checker import Checker
from reconciler.compatibility._avro_model import Unsure, build

SETTINGS = settings(
    max_examples=int(os.environ.get("AVRO_EXAMPLES", "400")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
PRIMITIVES = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
LOGICAL = [("int", "date"), ("long", "timestamp-millis"), ("string", "uuid")]
# Small pools, so that independently drawn readers and writers often meet.
TYPE_NAMES = ["A", "B", "C", "ns.A", "other.B"]
FIELD_NAMES = ["a", "b", "c", "d"]
SYMBOLS = ["X", "Y", "Z", "W"]


@st.composite
def avro_types(draw: st.DrawFn, defined: list[str], depth: int = 0) -> Any:
    """A type; named types get fresh full names, recorded in ``defined`` for later references."""
    kinds = ["primitive", "logical", "reference"]
    if depth < 3:
        kinds += ["record", "record", "enum", "fixed", "array", "map", "union"]
    kind = draw(st.sampled_from(kinds))
    if kind == "reference" and defined:
        return draw(st.sampled_from(defined))
    if kind in ("primitive", "reference"):
        primitive = draw(st.sampled_from(PRIMITIVES))
        return draw(st.sampled_from([primitive, {"type": primitive}]))
    if kind == "logical":
        base, logical = draw(st.sampled_from(LOGICAL))
        return {"type": base, "logicalType": logical}
    if kind == "array":
        return {"type": "array", "items": draw(avro_types(defined, depth + 1))}
    if kind == "map":
        return {"type": "map", "values": draw(avro_types(defined, depth + 1))}
    if kind == "union":
        branches, seen = [], set()
        for _ in range(draw(st.integers(1, 4))):
            branch = draw(avro_types(defined, depth + 1))
            if isinstance(branch, list):
                continue
            key = branch if isinstance(branch, str) else branch.get("type")
            if key in seen and key in [*PRIMITIVES, "array", "map"]:
                continue
            seen.add(key)
            branches.append(branch)
        return branches or ["null"]
    name = draw(st.sampled_from(TYPE_NAMES))
    while name in defined:
        name += "x"
    defined.append(name)
    schema: dict[str, Any] = {"type": kind, "name": name}
    if draw(st.booleans()):
        schema["aliases"] = draw(st.lists(st.sampled_from(TYPE_NAMES), max_size=2))
    if kind == "fixed":
        schema["size"] = draw(st.integers(0, 3))
    elif kind == "enum":
        schema["symbols"] = draw(st.lists(st.sampled_from(SYMBOLS), min_size=1, unique=True))
        if draw(st.booleans()):
            schema["default"] = draw(st.sampled_from(schema["symbols"]))
    else:
        fields = []
        for field_name in draw(st.lists(st.sampled_from(FIELD_NAMES), unique=True, max_size=4)):
            field: dict[str, Any] = {
                "name": field_name,
                "type": draw(avro_types(defined, depth + 1)),
            }
            if draw(st.booleans()):
                field["default"] = None
            if draw(st.booleans()):
                field["aliases"] = draw(st.lists(st.sampled_from(FIELD_NAMES), max_size=2))
            fields.append(field)
        schema["fields"] = fields
    return schema


@st.composite
def related_pairs(draw: st.DrawFn) -> tuple[Any, Any]:
    """A writer and a reader: independent, or the writer with some subtrees redrawn."""
    writer = draw(avro_types([]))
    if draw(st.booleans()):
        return writer, draw(avro_types([]))
    reader = copy.deepcopy(writer)
    defined: list[str] = []

    def mutate(node: Any) -> Any:
        if draw(st.integers(0, 5)) == 0:
            return draw(avro_types(defined, 2))
        if isinstance(node, dict):
            if "name" in node and node.get("type") in ("record", "enum", "fixed"):
                defined.append(node["name"])
            for key in ("items", "values"):
                if key in node:
                    node[key] = mutate(node[key])
            for field in node.get("fields", []):
                field["type"] = mutate(field["type"])
        elif isinstance(node, list):
            return [mutate(branch) for branch in node]
        return node

    return writer, mutate(reader)


def _library(doc: Any) -> avro.schema.Schema:
    return avro.schema.make_avsc_object(doc, avro.schema.Names(validate_names=True))


def _library_result(reader: Any, writer: Any) -> tuple[object, ...]:
    found = ReaderWriterCompatibilityChecker().get_compatibility(_library(reader), _library(writer))
    return (
        found.compatibility is SchemaCompatibilityType.compatible,
        [kind.name for kind in found.incompatibilities],
        set(found.messages),
        set(found.locations),
    )


def _ported_result(reader: Any, writer: Any) -> tuple[object, ...]:
    found = Checker().get_compatibility(build(reader, {}), build(writer, {}))
    return (
        found.compatible,
        list(found.incompatibilities),
        set(found.messages),
        set(found.locations),
    )


def _builds(doc: Any) -> bool:
    try:
        build(doc, {})
    except Unsure:
        return False
    return True


@SETTINGS
@given(related_pairs())
def test_the_port_agrees_with_the_library_checker(pair: tuple[Any, Any]) -> None:
    writer, reader = pair
    assume(_builds(reader) and _builds(writer))
    assert _ported_result(reader, writer) == _library_result(reader, writer)
    assert _ported_result(writer, reader) == _library_result(writer, reader)


def _break(doc: Any, fault: int) -> Any:
    """``doc`` with one fault of the kinds the lean builder must recognise or hand over."""
    faults: list[Any] = [
        {
            "type": "record",
            "name": "R",
            "fields": [{"name": "a", "type": doc}, {"name": "a", "type": "int"}],
        },
        {"type": "record", "name": "R", "fields": [{"name": "", "type": doc}]},
        {"type": "record", "name": "R", "fields": [{"name": "a", "type": doc, "order": "up"}]},
        {"type": "record", "name": "R", "namespace": None, "fields": [{"name": "a", "type": doc}]},
        {"type": "record", "name": "R", "namespace": "", "fields": [{"name": "a", "type": "R"}]},
        {"type": "record", "name": "ns.string", "fields": []},
        {"type": "record", "name": "R", "fields": [{"name": "a", "type": [doc, [doc]]}]},
        {
            "type": "record",
            "name": "R",
            "fields": [{"name": "a", "type": ["int", {"type": "int"}]}],
        },
        {"type": "record", "name": "R", "fields": [{"name": "a", "type": "Unknown"}]},
        {"type": "record", "name": "R", "fields": [{"name": "a"}]},
        {"type": "record", "name": "R", "fields": {"a": "int"}},
        {"type": "enum", "name": "E", "symbols": ["A", "A"]},
        {"type": "enum", "name": "E", "symbols": ["A"], "default": "B"},
        {"type": "enum", "name": "E", "symbols": ["1A"]},
        {"type": "enum", "name": "E", "symbols": "AB"},
        {"type": "fixed", "name": "F", "size": -1},
        {"type": "fixed", "name": "F", "size": True},
        {"type": "fixed", "name": "F", "size": 4, "logicalType": "decimal", "precision": 30},
        {"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 9},
        {"type": "long", "logicalType": ["date"]},
        {"type": "string", "logicalType": "date"},
        {"type": "error", "name": "Oops", "fields": []},
        {"type": "array"},
        {"type": "map", "values": "R"},
        [doc, doc],
        "R",
        {"type": {"type": "int"}},
        [
            {"type": "record", "name": "R", "fields": []},
            {"type": "enum", "name": "R", "symbols": []},
        ],
    ]
    return faults[fault % len(faults)]


@st.composite
def fresh_types(draw: st.DrawFn) -> Any:
    return draw(avro_types([]))


@pytest.mark.filterwarnings("ignore::avro.errors.IgnoredLogicalType")
@SETTINGS
@given(fresh_types(), st.integers(0, 100))
def test_what_the_lean_builder_accepts_the_library_accepts(doc: Any, fault: int) -> None:
    for candidate in (doc, _break(doc, fault)):
        if _builds(candidate):
            _library(candidate)  # raises if the library disagrees
        library_accepts = True
        try:
            _library(candidate)
        except Exception:
            library_accepts = False
        try:
            parse("AVRO", json.dumps(candidate))
            accepted = True
        except InvalidSchemaError:
            accepted = False
        assert accepted is library_accepts


def test_the_benchmark_schema_takes_the_lean_path() -> None:
    """The common case (plain names, records, enums, unions, references) is not handed over."""
    money = {
        "type": "record",
        "name": "Money",
        "namespace": "acme",
        "fields": [{"name": "cents", "type": "long"}],
    }
    order = {
        "type": "record",
        "name": "Order",
        "namespace": "acme",
        "fields": [
            {"name": "total", "type": "Money"},
            {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
            {"name": "status", "type": {"type": "enum", "name": "S", "symbols": ["A", "B"]}},
            {"name": "next", "type": ["null", "Order"], "default": None},
        ],
    }
    parsed = parse("AVRO", json.dumps(order), {"acme.Money": json.dumps(money)})
    assert parsed.native.model is not None  # type: ignore[attr-defined]
    # ... and its canonical form is Java's: the referenced type by name, short in its namespace
    assert json.loads(parsed.canonical)["fields"][0] == {"name": "total", "type": "Money"}


@pytest.mark.parametrize("level", ["BACKWARD", "FORWARD", "FULL"])
def test_lean_and_library_paths_give_one_answer_through_check(level: str) -> None:
    """A schema the builder hands over (a decimal) checked against one it keeps."""
    kept = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "bytes"}]}
    handed = copy.deepcopy(kept)
    handed["fields"][0]["type"] = {"type": "bytes", "logicalType": "decimal", "precision": 4}
    handed["fields"].append({"name": "b", "type": "int"})
    result = check("AVRO", json.dumps(handed), [json.dumps(kept)], level)
    assert result.compatible is (level == "FORWARD")
