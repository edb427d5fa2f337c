"""Compatibility messages read as sentences, name their rule, point at one place, say the fix."""

from __future__ import annotations

import json

from reconciler.compatibility import check, parse, rule

MONEY_V1 = {
    "type": "record",
    "name": "Money",
    "namespace": "com.acme",
    "fields": [{"name": "amount", "type": "long"}],
}
MONEY_V2 = {**MONEY_V1, "fields": [{"name": "amount", "type": "string"}]}
ORDER = {
    "type": "record",
    "name": "Order",
    "namespace": "com.acme",
    "fields": [{"name": "total", "type": "com.acme.Money"}, {"name": "id", "type": "string"}],
}


def test_an_avro_location_through_a_reference_is_one_path() -> None:
    """The checker's root quirk (``/`` merged in) used to give ``/,/fields/0/type...``."""
    old = parse("AVRO", json.dumps(ORDER), {"com.acme.Money": json.dumps(MONEY_V1)})
    new = parse("AVRO", json.dumps(ORDER), {"com.acme.Money": json.dumps(MONEY_V2)})
    [message] = check("AVRO", new, [old], "BACKWARD").messages
    assert message.rule == "TYPE_MISMATCH"
    assert message.location == "/fields/0/type/fields/0/type"


def test_avro_locations_of_two_findings_are_each_their_own() -> None:
    writer = {"type": "record", "name": "O", "fields": [{"name": "a", "type": "long"}]}
    reader = {
        "type": "record",
        "name": "O",
        "fields": [{"name": "a", "type": "string"}, {"name": "c", "type": "int"}],
    }
    result = check("AVRO", json.dumps(reader), [json.dumps(writer)], "BACKWARD")
    assert {(m.rule, m.location) for m in result.messages} == {
        ("TYPE_MISMATCH", "/fields/0/type"),
        ("READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/1"),
    }


def test_a_message_is_a_sentence_with_its_rule_place_version_and_fix() -> None:
    writer = {"type": "record", "name": "O", "fields": []}
    reader = {"type": "record", "name": "O", "fields": [{"name": "n", "type": "int"}]}
    [message] = check("AVRO", json.dumps(reader), [json.dumps(writer)], "BACKWARD").messages
    fix = rule("READER_FIELD_MISSING_DEFAULT_VALUE").fix
    assert message.fix == fix
    assert str(message) == (
        "READER_FIELD_MISSING_DEFAULT_VALUE at /fields/0 (against version 1): the reader's "
        "field 'n' has no default, so data written without it cannot be read. "
        f"Fix: {fix}."
    )


def test_every_format_says_the_fix_of_its_rule() -> None:
    cases = [
        (
            "JSON",
            '{"type": "object", "properties": {"a": {"type": "string"}}}',
            '{"type": "object", "properties": {"a": {"type": "number"}}}',
        ),
        (
            "PROTOBUF",
            'syntax = "proto3"; message M { int32 a = 1; }',
            'syntax = "proto3"; message M { string a = 1; }',
        ),
        (
            "AVRO",
            '{"type": "enum", "name": "E", "symbols": ["A", "B"]}',
            '{"type": "enum", "name": "E", "symbols": ["A"]}',
        ),
    ]
    for schema_type, old, new in cases:
        [message] = check(schema_type, new, [old], "BACKWARD").messages
        assert message.fix and message.fix == rule(message.rule).fix
        text = str(message)
        assert text.startswith(f"{message.rule} at {message.location} (against version 1): ")
        assert text.endswith(f"Fix: {message.fix}.")
        assert message.location not in message.message  # said once, in its place


def test_avro_type_mismatch_reads_as_a_sentence() -> None:
    writer = {"type": "record", "name": "O", "fields": [{"name": "a", "type": "long"}]}
    reader = {"type": "record", "name": "O", "fields": [{"name": "a", "type": "string"}]}
    [message] = check("AVRO", json.dumps(reader), [json.dumps(writer)], "BACKWARD").messages
    assert message.message == "the reader's type string cannot read the writer's type long"
