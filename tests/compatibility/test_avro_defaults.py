"""Avro field defaults as a registry validates them on registration (Java's rule)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.compatibility import InvalidSchemaError, invalid_defaults, parse

ENUM = {"type": "enum", "name": "E", "symbols": ["A"]}
FIXED = {"type": "fixed", "name": "F", "size": 2}
INNER = {"type": "record", "name": "In", "fields": [{"name": "a", "type": "int"}]}


def _problems(field: dict[str, Any], references: dict[str, str] | None = None) -> list[str]:
    schema = {"type": "record", "name": "R", "namespace": "n", "fields": [{"name": "f", **field}]}
    return invalid_defaults(parse("AVRO", json.dumps(schema), references or {}))


@pytest.mark.parametrize(
    ("field", "valid"),
    [
        ({"type": "int", "default": 1}, True),
        ({"type": "int", "default": "1"}, False),
        ({"type": "int", "default": 2**31}, False),
        ({"type": "int", "default": 1.0}, False),  # not an integral JSON number
        ({"type": "int", "default": True}, False),
        ({"type": "long", "default": 2**40}, True),
        ({"type": "double", "default": 1}, True),
        ({"type": "float", "default": "NaN"}, True),  # Double.parseDouble reads it
        ({"type": "double", "default": "-Infinity"}, True),
        ({"type": "float", "default": "1.5"}, True),
        ({"type": {"type": "double"}, "default": " 0x1p3 "}, True),
        ({"type": ["float", "null"], "default": "1.5"}, False),  # a union's is not read
        ({"type": "boolean", "default": 0}, False),
        ({"type": "null", "default": None}, True),
        ({"type": "string", "default": 5}, False),
        ({"type": "bytes", "default": "\u00ff"}, True),
        ({"type": ENUM, "default": "NOT_A_SYMBOL"}, True),  # Java checks only for a string
        ({"type": FIXED, "default": "abc"}, True),  # ... and no length
        ({"type": ["null", "string"], "default": None}, True),
        ({"type": ["string", "null"], "default": None}, True),  # any branch (Avro 1.12)
        ({"type": ["string", "null"], "default": 5}, False),
        ({"type": {"type": "array", "items": "int"}, "default": [1, 2]}, True),
        ({"type": {"type": "array", "items": "int"}, "default": [1, "2"]}, False),
        ({"type": {"type": "map", "values": "long"}, "default": {"k": "v"}}, False),
        ({"type": INNER, "default": {"a": 1}}, True),
        ({"type": INNER, "default": {}}, False),  # a field without a default of its own
        ({"type": "int"}, True),
    ],
)
def test_java_rule(field: dict[str, Any], valid: bool) -> None:
    assert (_problems(field) == []) is valid


@pytest.mark.parametrize("text", ["lots", "", "1.5x", "0x1.8"])
def test_a_float_default_java_cannot_read_makes_the_schema_invalid(text: str) -> None:
    schema = {
        "type": "record",
        "name": "R",
        "fields": [{"name": "f", "type": "float", "default": text}],
    }
    with pytest.raises(InvalidSchemaError):
        parse("AVRO", json.dumps(schema))


def test_the_message_reads_like_javas() -> None:
    assert _problems({"type": "int", "default": "x"}) == [
        'Invalid default for field f: "x" not a "int"'
    ]


def test_nested_records_and_referenced_types_are_checked() -> None:
    nested = {
        "type": {
            "type": "array",
            "items": {
                "type": "record",
                "name": "Line",
                "fields": [{"name": "qty", "type": "int", "default": "one"}],
            },
        },
    }
    assert _problems(nested) == ['Invalid default for field qty: "one" not a "int"']
    money = json.dumps(
        {
            "type": "record",
            "name": "Money",
            "namespace": "n",
            "fields": [{"name": "c", "type": "long"}],
        }
    )
    assert _problems({"type": "Money", "default": {"c": 1}}, {"n.Money": money}) == []
    assert _problems({"type": "Money", "default": {}}, {"n.Money": money}) != []


def test_other_types_have_no_default_rule() -> None:
    assert invalid_defaults(parse("JSON", '{"type": "string", "default": 1}')) == []


def test_the_normalized_form_keeps_ascii_escapes_and_writes_doubles_as_java() -> None:
    doc = {"type": "record", "name": "R", "doc": "é", "fields": [
        {"name": "f", "type": "double", "default": 1e21},
        {"name": "g", "type": "float", "default": "1.5"},
    ]}  # fmt: skip
    parsed = parse("AVRO", json.dumps(doc, ensure_ascii=False))
    assert '"doc":"\\u00e9"' in parsed.normalized  # as before: identities are kept
    assert '"default":1.0E21' in parsed.normalized and '"default":1.5' in parsed.normalized
    assert '"doc":"é"' in parsed.canonical and '"default":1.0E21' in parsed.canonical
