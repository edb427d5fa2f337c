"""``validate`` refuses exactly what ``parse`` refuses, with the same message.

A spec load only wants each schema's verdict; ``validate`` gives it without
keeping the parse. It must stay exactly as strict: compared with ``parse``
on hand-picked schemas (valid, invalid, with references) and on generated
Avro-like documents, valid or not.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.compatibility import InvalidSchemaError, _avro_model, parse, validate

MONEY = json.dumps(
    {"type": "record", "name": "Money", "namespace": "b", "fields": [{"name": "c", "type": "long"}]}
)


def record(*fields: tuple[str, Any], **extra: Any) -> str:
    """An Avro record named A with these (name, type) fields."""
    listed = [{"name": name, "type": type_} for name, type_ in fields]
    return json.dumps({"type": "record", "name": "A", "fields": listed, **extra})


def verdict(call: Any, schema_type: str, text: str, references: dict[str, str]) -> str | None:
    try:
        call(schema_type, text, references)
    except InvalidSchemaError as exc:
        return str(exc)
    return None


CASES = [
    ("AVRO", '"string"', {}),
    ("AVRO", '"nope"', {}),
    ("AVRO", "{", {}),
    ("AVRO", '{"type": "record"}', {}),
    ("AVRO", record(("x", "strin")), {}),
    ("AVRO", record(("m", "b.Money")), {}),
    ("AVRO", record(("m", "b.Money")), {"b.Money": MONEY}),
    ("AVRO", record(("m", "b.Money")), {"b.Money": "{"}),
    ("AVRO", record(("a", "int"), ("a", "int")), {}),
    ("AVRO", record(name="1A"), {}),
    ("AVRO", record(namespace=""), {}),
    ("AVRO", record(("a", ["null", "int"]), ("b", ["int", "int"])), {}),
    ("AVRO", record(("d", {"type": "int", "logicalType": "date"})), {}),
    ("AVRO", record(("d", {"type": "bytes", "logicalType": "decimal", "precision": 0})), {}),
    (
        "AVRO",
        '{"type": "record", "name": "A", "fields": [{"name": "d", "type": "double", '
        '"default": 1e400}]}',
        {},
    ),
    ("AVRO", '{"type": "error", "name": "E", "fields": []}', {}),
    ("AVRO", '{"type": "enum", "name": "E", "symbols": ["A", "A"]}', {}),
    ("AVRO", '{"type": "enum", "name": "E", "symbols": ["A"], "default": "B"}', {}),
    ("AVRO", '{"type": "fixed", "name": "F", "size": -1}', {}),
    ("AVRO", '{"type": "array", "items": ["null", "null"]}', {}),
    ("AVRO", '{"type": "map", "values": [["int"]]}', {}),
    ("AVRO", '{"type": "array", "items": ' * 900 + '"int"' + "}" * 900, {}),
    ("JSON", '{"type": "object"}', {}),
    ("JSON", '{"type": 12}', {}),
    ("PROTOBUF", 'syntax = "proto3"; message A { int32 a = 1; }', {}),
    ("PROTOBUF", "syntax = 'proto3'; message {", {}),
    ("XML", "<a/>", {}),
]


@pytest.mark.parametrize(("schema_type", "text", "references"), CASES)
def test_validate_agrees_with_parse(
    schema_type: str, text: str, references: dict[str, str]
) -> None:
    assert verdict(validate, schema_type, text, references) == verdict(
        parse, schema_type, text, references
    )


WORDS = st.sampled_from(
    [
        "record",
        "enum",
        "fixed",
        "array",
        "map",
        "error",
        "null",
        "int",
        "long",
        "string",
        "double",
        "A",
        "b.A",
        "1x",
        "",
        "b.Money",
        "date",
        "decimal",
        "uuid",
        "ascending",
        "x",
    ]
)
KEYS = st.sampled_from(
    [
        "type",
        "name",
        "namespace",
        "fields",
        "items",
        "values",
        "symbols",
        "size",
        "default",
        "logicalType",
        "aliases",
        "order",
        "precision",
        "scale",
        "doc",
    ]
)
documents = st.recursive(
    st.one_of(WORDS, st.integers(-2, 3), st.none(), st.booleans(), st.floats(allow_nan=False)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=15,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents, st.booleans())
def test_validate_agrees_with_parse_on_generated_documents(doc: Any, referenced: bool) -> None:
    text = json.dumps(doc)
    references = {"b.Money": MONEY} if referenced else {}
    assert verdict(validate, "AVRO", text, references) == verdict(parse, "AVRO", text, references)


def _built(doc: Any, keep: bool) -> bool:
    """Whether the lean model decides ``doc`` (Money referenced) or leaves it to the library."""
    names: dict[str, _avro_model.Named] = {}
    try:
        _avro_model.build(json.loads(MONEY), names, keep)
        _avro_model.build(doc, names, keep)
    except _avro_model.Unsure:
        return False
    return True


TYPES = st.sampled_from(["null", "int", "long", "string", "b.Money", "Money", "A", "nope"])
field_types = st.recursive(
    TYPES,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3),  # a union, maybe of the same type twice
        st.fixed_dictionaries({"type": st.just("array"), "items": inner}),
        st.fixed_dictionaries({"type": st.just("map"), "values": inner}),
        st.fixed_dictionaries(
            {
                "type": st.just("record"),
                "name": st.sampled_from(["A", "B", "C", "Money"]),
                "fields": st.lists(
                    st.fixed_dictionaries({"name": st.sampled_from("abc"), "type": inner}),
                    max_size=3,
                ),
            }
        ),
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(field_types, documents))
def test_a_build_for_a_verdict_decides_exactly_what_a_whole_build_decides(doc: Any) -> None:
    """``validate`` builds the lean model without keeping it (``keep=False``): it must
    accept exactly the schemas a whole build accepts (the rest go to the library)."""
    assert _built(doc, keep=False) == _built(doc, keep=True)


def test_an_absurdly_deep_schema_is_refused_by_validate_too() -> None:
    text = '{"type": "array", "items": ' * 900 + '"int"' + "}" * 900
    with pytest.raises(InvalidSchemaError, match="nested too deeply"):
        validate("AVRO", text)
