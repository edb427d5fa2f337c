"""The public API: levels, versions in messages, references, errors, forms."""

from __future__ import annotations

import json

import pytest

from reconciler.compatibility import (
    LEVELS,
    InvalidSchemaError,
    check,
    diff,
    parse,
)

RECORD_V1 = json.dumps({"type": "record", "name": "r", "fields": [{"name": "a", "type": "int"}]})
RECORD_V2 = json.dumps(
    {
        "type": "record",
        "name": "r",
        "fields": [{"name": "a", "type": "int"}, {"name": "b", "type": "string"}],
    }
)
RECORD_V3 = json.dumps(
    {
        "type": "record",
        "name": "r",
        "fields": [
            {"name": "a", "type": "int"},
            {"name": "b", "type": "string", "default": ""},
        ],
    }
)


def test_non_transitive_levels_only_look_at_the_latest_version() -> None:
    # v2 reads what v3 wrote (b is always there) but not what v1 wrote (no b, no default).
    assert check("AVRO", RECORD_V2, [RECORD_V1, RECORD_V3], "BACKWARD").compatible
    result = check("AVRO", RECORD_V2, [RECORD_V1, RECORD_V3], "BACKWARD_TRANSITIVE")
    assert not result.compatible
    assert {m.version for m in result.messages} == {1}
    assert result.messages[0].rule == "READER_FIELD_MISSING_DEFAULT_VALUE"


def test_forward_and_full_swap_reader_and_writer() -> None:
    old = '{"type": "object", "properties": {"a": {"type": "string"}}}'
    new = '{"type": "object", "properties": {"a": {"type": "string", "maxLength": 3}}}'
    assert not check("JSON", new, [old], "BACKWARD").compatible
    assert check("JSON", new, [old], "FORWARD").compatible
    full = check("JSON", new, [old], "FULL")
    assert [(m.rule, m.location, m.version) for m in full.messages] == [
        ("MAX_LENGTH_ADDED", "#/properties/a/maxLength", 1)
    ]
    assert check("JSON", new, [old], "NONE").compatible


@pytest.mark.parametrize("level", LEVELS)
def test_no_previous_version_is_always_compatible(level: str) -> None:
    assert check("PROTOBUF", 'syntax = "proto3"; message M {}', [], level).compatible


def test_unknown_level_and_type_are_refused() -> None:
    with pytest.raises(ValueError, match="level"):
        check("AVRO", RECORD_V1, [RECORD_V1], "SIDEWAYS")
    with pytest.raises(InvalidSchemaError, match="XML"):
        parse("XML", "<a/>")


@pytest.mark.parametrize(
    ("schema_type", "text", "reason"),
    [
        ("AVRO", '{"type": "record"}', "invalid Avro"),
        ("JSON", "{", "not valid JSON"),
        ("JSON", '{"type": 12}', "invalid JSON Schema"),
        ("JSON", '{"$ref": "#/definitions/missing"}', "unresolved"),
        ("PROTOBUF", "syntax = 'proto3'; message {", "<schema>:1"),
        ("PROTOBUF", 'syntax = "proto3"; import "nope.proto";', "nope.proto"),
    ],
)
def test_invalid_schemas_say_why(schema_type: str, text: str, reason: str) -> None:
    with pytest.raises(InvalidSchemaError, match=reason):
        parse(schema_type, text)


def test_json_schema_references_resolve_by_name() -> None:
    address = '{"type": "object", "properties": {"zip": {"type": "string"}}}'
    address2 = '{"type": "object", "properties": {"zip": {"type": "integer"}}}'
    order = '{"type": "object", "properties": {"ship_to": {"$ref": "address.json"}}}'
    old = parse("JSON", order, {"address.json": address})
    new = parse("JSON", order, {"address.json": address2})
    assert [str(d) for d in diff("JSON", old, new)] == [
        "TYPE_CHANGED #/properties/ship_to/properties/zip"
    ]


def test_recursive_json_schema_terminates() -> None:
    tree = {
        "$ref": "#/definitions/node",
        "definitions": {
            "node": {
                "type": "object",
                "properties": {
                    "children": {"type": "array", "items": {"$ref": "#/definitions/node"}}
                },
            }
        },
    }
    text = json.dumps(tree)
    assert check("JSON", text, [text], "FULL_TRANSITIVE").compatible


def test_protobuf_confluent_and_google_imports_need_no_references() -> None:
    text = """
        syntax = "proto3";
        import "confluent/meta.proto";
        import "confluent/type/decimal.proto";
        import "google/protobuf/timestamp.proto";
        message Payment {
          confluent.type.Decimal amount = 1 [(confluent.field_meta).doc = "money"];
          google.protobuf.Timestamp at = 2;
        }
    """
    parsed = parse("PROTOBUF", text)
    assert ".confluent.type.Decimal amount = 1" in parsed.normalized


def test_protobuf_imports_are_references() -> None:
    common = 'syntax = "proto3"; package acme; message Money { int64 cents = 1; }'
    changed = 'syntax = "proto3"; package acme; message Money { string cents = 1; }'
    order = 'syntax = "proto3"; import "acme/money.proto"; message Order { acme.Money total = 1; }'
    old = parse("PROTOBUF", order, {"acme/money.proto": common})
    new = parse("PROTOBUF", order, {"acme/money.proto": changed})
    assert {str(d) for d in diff("PROTOBUF", old, new)} == {
        "FIELD_SCALAR_KIND_CHANGED #/Money/1",
        "FIELD_NAMED_TYPE_CHANGED #/Order/1",
    }


def test_forms_ignore_formatting_but_not_meaning() -> None:
    a = parse("JSON", '{"type": "string", "title": "t"}')
    b = parse("JSON", '{ "title":"t",\n  "type":"string" }')
    c = parse("JSON", '{"type": "string", "title": "u"}')
    assert a.canonical != b.canonical  # key order is kept, as the registry does
    assert a.normalized == b.normalized and a.fingerprint == b.fingerprint
    assert a.normalized != c.normalized

    p1 = parse("PROTOBUF", 'syntax = "proto3";\nmessage M { int32 a = 1; string b = 2; }')
    p2 = parse(
        "PROTOBUF", 'syntax="proto3"; // comment\nmessage M {\n string b = 2;\n int32 a = 1;\n}'
    )
    assert p1.canonical != p2.canonical and p1.normalized == p2.normalized

    x = parse("AVRO", RECORD_V3)
    y = parse("AVRO", RECORD_V3.replace('"default": ""', '"default": "x"'))
    assert x.normalized != y.normalized


def test_avro_diff_lists_reader_problems() -> None:
    assert diff("AVRO", RECORD_V1, RECORD_V3) == []
    (problem,) = diff("AVRO", RECORD_V1, RECORD_V2)
    assert (problem.rule, problem.compatible) == ("READER_FIELD_MISSING_DEFAULT_VALUE", False)


DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema"


def test_unevaluated_properties_close_the_content_model() -> None:
    def obj(*names: str, closed: bool = True) -> str:
        schema: dict[str, object] = {
            "$schema": DRAFT_2020,
            "type": "object",
            "properties": {n: {"type": "string"} for n in names},
        }
        if closed:
            schema["unevaluatedProperties"] = False
        return json.dumps(schema)

    assert check("JSON", obj("a", "b"), [obj("a")], "BACKWARD").compatible
    assert not check(
        "JSON", obj("a", "b", closed=False), [obj("a", closed=False)], "BACKWARD"
    ).compatible
    assert [str(d) for d in diff("JSON", obj("a", closed=False), obj("a"))] == [
        "UNEVALUATED_PROPERTIES_REMOVED #/unevaluatedProperties"
    ]


def test_prefix_items_are_the_tuple_of_2020_12() -> None:
    def arr(*types: str) -> str:
        return json.dumps(
            {
                "$schema": DRAFT_2020,
                "type": "array",
                "prefixItems": [{"type": t} for t in types],
                "items": False,
            }
        )

    assert [str(d) for d in diff("JSON", arr("string"), arr("string", "integer"))] == [
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/items/1"
    ]


def test_avro_messages_each_carry_their_own_rule_and_place() -> None:
    enum = {"type": "enum", "name": "E", "symbols": ["A", "B"]}
    writer = {
        "type": "record",
        "name": "r",
        "fields": [{"name": "a", "type": "int"}, {"name": "e", "type": enum}],
    }
    reader = {
        "type": "record",
        "name": "r",
        "fields": [
            {"name": "a", "type": "string"},
            {"name": "e", "type": {**enum, "symbols": ["A"]}},
            {"name": "n", "type": "int"},
        ],
    }
    result = check("AVRO", json.dumps(reader), [json.dumps(writer)], "BACKWARD")
    assert {(m.rule, m.location) for m in result.messages} == {
        ("TYPE_MISMATCH", "/fields/0/type"),
        ("MISSING_ENUM_SYMBOLS", "/fields/1/type/symbols"),
        ("READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/2"),
    }


def test_json_schema_refs_by_id_and_anchor() -> None:
    address = {
        "$id": "https://acme.example/schemas/address.json",
        "type": "object",
        "properties": {"zip": {"$ref": "#zip"}},
        "$defs": {"zip": {"$anchor": "zip", "type": "string"}},
    }
    order = {
        "$schema": DRAFT_2020,
        "$id": "https://acme.example/schemas/order.json",
        "type": "object",
        "properties": {"ship_to": {"$ref": "address.json"}},
    }
    refs = {"acme-address": json.dumps(address)}
    changed = {**address, "$defs": {"zip": {"$anchor": "zip", "type": "integer"}}}
    old = parse("JSON", json.dumps(order), refs)
    new = parse("JSON", json.dumps(order), {"acme-address": json.dumps(changed)})
    assert [str(d) for d in diff("JSON", old, new)] == [
        "TYPE_CHANGED #/properties/ship_to/properties/zip"
    ]
    with pytest.raises(InvalidSchemaError, match="no such anchor"):
        parse("JSON", '{"$ref": "#nowhere"}')


RICH_PROTO = r"""
syntax = "proto2";
package x;
import "google/protobuf/descriptor.proto";
extend google.protobuf.FieldOptions { optional string tag = 50000; }
message M {
  optional string s = 1 [default = "a\"b", (tag) = "t", deprecated = true, json_name = "ess"];
  required int32 r = 2;
  optional bytes by = 12 [default = "\001\377"];
  optional double d = 13 [default = inf];
  oneof o { int32 a = 3; }
  extensions 100 to 199;
  optional group G = 4 { optional int32 g = 1; }
  map<string, int32> mm = 5;
  reserved 7, 9 to 11;
  reserved "old";
}
extend M { optional int32 ext = 100; }
enum E { option allow_alias = true; A = 0; B = 0; reserved 5 to 6; }
service S { rpc Call (M) returns (stream M) { option deprecated = true; } }
"""


@pytest.mark.parametrize("form", ["canonical", "normalized"])
def test_protobuf_forms_are_valid_proto_files(form: str) -> None:
    """The local registry stores and serves these forms: they must compile again."""
    parsed = parse("PROTOBUF", RICH_PROTO)
    text = getattr(parsed, form)
    again = parse("PROTOBUF", text)
    assert getattr(again, form) == text
    assert diff("PROTOBUF", parsed, again) == []
    # the canonical form keeps the option's name as written (Confluent prints Wire's parse)
    assert ('(x.tag) = "t"' if form == "normalized" else '(tag) = "t"') in text
    assert "optional group G = 4 {" in text


def test_json_and_avro_forms_parse_again() -> None:
    for schema_type, text in (("AVRO", RECORD_V3), ("JSON", '{"type": "string", "title": "t"}')):
        parsed = parse(schema_type, text)
        for form in (parsed.canonical, parsed.normalized):
            assert parse(schema_type, form).normalized == parsed.normalized


def test_protobuf_imports_found_however_they_are_written() -> None:
    # A comment inside the statement hides it from the quick import scan; protoc still finds it.
    text = 'syntax = "proto3"; import /* wkt */ "google/protobuf/timestamp.proto";\n'
    text += "message M { google.protobuf.Timestamp at = 1; }"
    assert ".google.protobuf.Timestamp at = 1;" in parse("PROTOBUF", text).normalized


def test_protobuf_references_override_shipped_files() -> None:
    own_meta = 'syntax = "proto3"; package confluent; message Tag { string name = 1; }'
    text = 'syntax = "proto3"; import "confluent/meta.proto"; message M { confluent.Tag t = 1; }'
    parsed = parse("PROTOBUF", text, {"confluent/meta.proto": own_meta})
    assert ".confluent.Tag t = 1;" in parsed.normalized
    with pytest.raises(InvalidSchemaError, match="Tag"):
        parse("PROTOBUF", text)  # the shipped meta.proto has no Tag


@pytest.mark.parametrize("schema_type", ["JSON", "AVRO"])
def test_absurdly_deep_schemas_are_refused_not_crashed_on(schema_type: str) -> None:
    if schema_type == "JSON":
        text = '{"type": "array", "items": ' * 900 + '{"type": "string"}' + "}" * 900
    else:
        text = '{"type": "array", "items": ' * 900 + '"int"' + "}" * 900
    with pytest.raises(InvalidSchemaError, match="nested too deeply"):
        check(schema_type, text, [text], "FULL")


def test_protobuf_normalized_form_ignores_declaration_order() -> None:
    ordered = parse("PROTOBUF", 'syntax = "proto3"; message M { int32 a = 1; int32 b = 2; }')
    shuffled = parse("PROTOBUF", 'syntax = "proto3"; message M { int32 b = 2; int32 a = 1; }')
    assert shuffled.normalized == ordered.normalized
    assert shuffled.canonical != ordered.canonical


def test_decimal_multiple_of() -> None:
    def num(step: float) -> str:
        return json.dumps({"type": "number", "multipleOf": step})

    assert check("JSON", num(0.1), [num(0.3)], "BACKWARD").compatible  # 0.1 divides 0.3
    assert not check("JSON", num(0.3), [num(0.1)], "BACKWARD").compatible


def test_draft_4_exclusive_bounds_qualify_the_limit() -> None:
    def d4(maximum: int) -> str:
        return json.dumps(
            {
                "$schema": "http://json-schema.org/draft-04/schema#",
                "type": "number",
                "maximum": maximum,
                "exclusiveMaximum": True,
            }
        )

    assert [str(d) for d in diff("JSON", d4(10), d4(5))] == ["MAXIMUM_DECREASED #/maximum"]


def test_protobuf_canonical_keeps_type_names_as_written() -> None:
    """Confluent gives ``Status`` and ``.foo.M.Status`` two ids; normalize=true one."""
    body = "message M {{ {} status = 1; map<string, {}> by_key = 2; message Status {{}} }}"
    short = parse("PROTOBUF", 'syntax = "proto3"; package foo; ' + body.format("Status", "Status"))
    full = ".foo.M.Status"
    long = parse("PROTOBUF", 'syntax = "proto3"; package foo; ' + body.format(full, full))
    assert "  Status status = 1;" in short.canonical
    assert "map<string, Status> by_key = 2;" in short.canonical
    assert short.canonical != long.canonical
    assert short.normalized == long.normalized
    assert diff("PROTOBUF", short, long) == []


def test_protobuf_references_do_not_outlive_their_compilation() -> None:
    """protoc's scratch directory is reused: an import must not find an earlier run's reference."""
    dependency = 'syntax = "proto3"; package dep; message D { string s = 1; }'
    text = 'syntax = "proto3"; import "deps/d.proto"; message M { dep.D d = 1; }'
    assert parse("PROTOBUF", text, {"deps/d.proto": dependency}).normalized
    with pytest.raises(InvalidSchemaError, match=r"deps/d\.proto"):
        parse("PROTOBUF", text + " ")


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "record", "name": "bad-name", "fields": []},
        {"type": "record", "name": "R", "namespace": "a..b", "fields": []},
        {"type": "record", "name": "R", "fields": [{"name": "f", "type": "no-such-type"}]},
        {"type": "record", "name": "R", "fields": [{"name": "f", "type": ["null", "1x"]}]},
        {"type": "enum", "name": "E", "namespace": "x y", "symbols": ["A"]},
        {"type": "array", "items": {"type": "fixed", "name": "9lives", "size": 1}},
        {"type": "map", "values": "a.-b"},
    ],
)
def test_avro_invalid_names_are_refused_with_the_parsers_own_message(
    schema: dict[str, object],
) -> None:
    """Names are checked by the avro parser itself unless all are plain identifiers."""
    import avro.errors
    import avro.schema

    with pytest.raises(avro.errors.AvroException) as expected:
        avro.schema.parse(json.dumps(schema))
    with pytest.raises(InvalidSchemaError) as got:
        parse("AVRO", json.dumps(schema))
    assert str(got.value) == f"invalid Avro schema: {expected.value}"


def test_avro_names_valid_for_the_parser_but_not_plain_are_accepted() -> None:
    """A trailing newline passes the parser's name pattern: the slow path keeps that."""
    text = json.dumps({"type": "record", "name": "R\n", "fields": [{"name": "a", "type": "int"}]})
    assert check("AVRO", text, [text], "FULL").compatible


def test_avro_messages_are_sentences_not_the_checkers_bare_words() -> None:
    writer = {
        "type": "record",
        "name": "r",
        "fields": [{"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"]}}],
    }
    reader = {
        "type": "record",
        "name": "r",
        "fields": [
            {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A"]}},
            {"name": "n", "type": "int"},
        ],
    }
    result = check("AVRO", json.dumps(reader), [json.dumps(writer)], "BACKWARD")
    assert {m.rule: m.message for m in result.messages} == {
        "READER_FIELD_MISSING_DEFAULT_VALUE": "the reader's field 'n' has no default, so data "
        "written without it cannot be read",
        "MISSING_ENUM_SYMBOLS": "the writer's symbols {'B'} are not in the reader's enum, "
        "which has no default",
    }
