"""Property tests: self-compatibility and formatting-invariant normalized forms."""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.compatibility import LEVELS, check, parse

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
# protoc refuses fields whose default JSON names collide ("a" and "a_"): no underscores.
PROTO_NAMES = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- generators -------------------------------------------------------------

AVRO_PRIMITIVES = st.sampled_from(["int", "long", "string", "boolean", "double", "bytes"])


@st.composite
def avro_records(draw: st.DrawFn, name: str = "r", depth: int = 0) -> dict[str, Any]:
    names = draw(st.lists(NAMES, min_size=1, max_size=6, unique=True))
    fields = []
    for field_name in names:
        choice = draw(st.integers(0, 3 if depth < 2 else 1))
        if choice == 0:
            kind: Any = draw(AVRO_PRIMITIVES)
        elif choice == 1:
            kind = ["null", draw(AVRO_PRIMITIVES)]
        elif choice == 2:
            kind = {"type": "array", "items": draw(AVRO_PRIMITIVES)}
        else:
            kind = draw(avro_records(f"{name}_{field_name}", depth + 1))  # unique full names
        field: dict[str, Any] = {"name": field_name, "type": kind}
        if draw(st.booleans()):
            field["doc"] = draw(st.text(max_size=10))
        fields.append(field)
    return {"type": "record", "name": name, "fields": fields}


json_leaves = st.one_of(
    st.fixed_dictionaries({"type": st.just("string")}, optional={"maxLength": st.integers(1, 9)}),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["integer", "number"])}, optional={"minimum": st.integers(-5, 5)}
    ),
    st.fixed_dictionaries({"enum": st.lists(st.text(max_size=3), min_size=1, max_size=3)}),
    st.just({"type": "boolean"}),
    st.just(True),
)
json_schemas = st.recursive(
    json_leaves,
    lambda inner: st.one_of(
        st.fixed_dictionaries(
            {"type": st.just("object"), "properties": st.dictionaries(NAMES, inner, max_size=4)},
            optional={"additionalProperties": st.booleans(), "title": st.text(max_size=5)},
        ),
        st.fixed_dictionaries({"type": st.just("array"), "items": inner}),
        st.fixed_dictionaries({"oneOf": st.lists(inner, min_size=1, max_size=3)}),
    ),
    max_leaves=12,
)

PROTO_SCALARS = st.sampled_from(["int32", "int64", "string", "bytes", "bool", "double", "sint32"])


@st.composite
def proto_files(draw: st.DrawFn) -> str:
    lines = ['syntax = "proto3";', "package p;"]
    for m in range(draw(st.integers(1, 3))):
        names = draw(st.lists(PROTO_NAMES, min_size=1, max_size=6, unique=True))
        lines.append(f"message M{m} {{")
        for number, name in enumerate(names, start=1):
            label = draw(st.sampled_from(["", "repeated ", "optional "]))
            kind = draw(st.one_of(PROTO_SCALARS, st.just("map<string, int64>")))
            if kind.startswith("map"):
                label = ""
            lines.append(f"  {label}{kind} {name} = {number};")
        if draw(st.booleans()):
            lines.append(f"  oneof choice_of {{ string alt_a{m} = 100; int32 other_a{m} = 101; }}")
        lines.append("  enum Kind { KIND_UNSET = 0; KIND_A = 1; }")
        lines.append("}")
    return "\n".join(lines) + "\n"


# --- reformatting -----------------------------------------------------------


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


def _reformat_proto(text: str, rng: random.Random) -> str:
    """Same file, other layout: comments, blank lines, indentation, field order."""
    out = ["// reformatted"]
    body: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(
            ("int", "string", "bytes", "bool", "double", "sint", "repeated", "optional", "map")
        ):
            body.append("      " + stripped + "  // field")
            continue
        rng.shuffle(body)
        out.extend(body)
        body = []
        out.extend(["", "\t" + stripped.replace(" {", "\n{")])
    return "\n".join(out + body) + "\n"


# --- properties -------------------------------------------------------------


@SETTINGS
@given(avro_records())
def test_avro_is_compatible_with_itself(record: dict[str, Any]) -> None:
    text = json.dumps(record)
    for level in LEVELS:
        assert check("AVRO", text, [text, text], level).compatible


@SETTINGS
@given(json_schemas)
def test_json_schema_is_compatible_with_itself(schema: Any) -> None:
    text = json.dumps(schema)
    for level in LEVELS:
        assert check("JSON", text, [text, text], level).compatible


@SETTINGS
@given(proto_files())
def test_protobuf_is_compatible_with_itself(text: str) -> None:
    for level in LEVELS:
        assert check("PROTOBUF", text, [text, text], level).compatible


@SETTINGS
@given(json_schemas, st.randoms(use_true_random=False), st.integers(0, 4))
def test_json_normalized_form_ignores_layout(schema: Any, rng: random.Random, indent: int) -> None:
    original = parse("JSON", json.dumps(schema))
    reformatted = parse("JSON", json.dumps(_shuffled(schema, rng), indent=indent))
    assert original.normalized == reformatted.normalized
    assert original.fingerprint == reformatted.fingerprint


@SETTINGS
@given(avro_records(), st.randoms(use_true_random=False), st.integers(0, 4))
def test_avro_normalized_form_ignores_layout(record: Any, rng: random.Random, indent: int) -> None:
    original = parse("AVRO", json.dumps(record))
    reformatted = parse("AVRO", json.dumps(_shuffled(record, rng), indent=indent))
    assert original.normalized == reformatted.normalized


@SETTINGS
@given(proto_files(), st.randoms(use_true_random=False))
def test_protobuf_normalized_form_ignores_layout(text: str, rng: random.Random) -> None:
    original = parse("PROTOBUF", text)
    reformatted = parse("PROTOBUF", _reformat_proto(text, rng))
    assert original.normalized == reformatted.normalized
    assert parse("PROTOBUF", original.canonical).canonical == original.canonical
