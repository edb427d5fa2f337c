"""Integers written with leading zeros are read as Confluent's parser (Wire) reads them.

Wire's ``SyntaxReader.readInt`` reads ``010`` in decimal (10) where protoc
reads octal (8). Confluent stores, checks and serves what Wire read, so the
engine must too: otherwise a spec's schema (protoc: 8) and the version the
registry holds of it (Wire: 10) differ forever, and every plan registers it
again.
"""

from __future__ import annotations

import pytest

from reconciler.compatibility import parse


def proto(body: str) -> str:
    return f'syntax = "proto2";\npackage t;\nmessage M {{\n{body}}}\n'


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("  optional int32 a = 010;\n", "  optional int32 a = 10;\n"),
        ("  optional int32 a = 0010;\n", "  optional int32 a = 10;\n"),
        ("  optional int32 a = 09;\n", "  optional int32 a = 9;\n"),
        (
            "  optional int32 a = 1;\n  reserved 011 to 012, 020;\n",
            "  optional int32 a = 1;\n  reserved 11 to 12, 20;\n",
        ),
        (
            "  optional int32 a = 1;\n  extensions 0100 to 0200;\n",
            "  optional int32 a = 1;\n  extensions 100 to 200;\n",
        ),
        (
            "  optional int32 a = 1;\n  enum E { Z = 0; O = -07; }\n",
            "  optional int32 a = 1;\n  enum E { Z = 0; O = -7; }\n",
        ),
        (
            "  optional group G = 010 { optional int32 b = 1; }\n",
            "  optional group G = 10 { optional int32 b = 1; }\n",
        ),
    ],
)
def test_leading_zeros_are_decimal_as_wire_reads_them(written: str, read: str) -> None:
    ours, theirs = parse("PROTOBUF", proto(written)), parse("PROTOBUF", proto(read))
    assert ours.canonical == theirs.canonical
    assert ours.normalized == theirs.normalized
    assert ours.text == proto(written)  # the source itself is kept as written


@pytest.mark.parametrize(
    "body",
    [
        "  optional int32 a = 0x10;\n",  # hexadecimal: both read 16
        "  optional int32 a = 1 [default = 010];\n",  # an option value: kept as written
        '  optional string a = 1 [default = "010"];\n',
        "  // field 010 was removed\n  optional int32 a = 1;\n",
    ],
)
def test_other_leading_zeros_are_left_as_they_are(body: str) -> None:
    parsed = parse("PROTOBUF", proto(body))
    assert parsed.text == proto(body)
    assert "= 1" in parsed.canonical or "= 0x10" in parsed.canonical


def test_the_version_a_registry_holds_is_the_same_schema() -> None:
    """A registry holds Wire's reading (``= 10``): the spec's ``= 010`` is that schema,
    not protoc's field 8."""
    held = parse("PROTOBUF", proto("  optional int32 a = 10;\n"))
    spec = parse("PROTOBUF", proto("  optional int32 a = 010;\n"))
    eight = parse("PROTOBUF", proto("  optional int32 a = 8;\n"))
    assert spec.normalized == held.normalized != eight.normalized
    assert spec.fingerprint == held.fingerprint
