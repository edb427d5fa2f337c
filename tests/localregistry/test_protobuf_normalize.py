"""``normalize=true`` Protobuf text in Confluent's order (issue 12, item 5).

The schema and its expected normalized text are those of Confluent's
``ProtobufSchemaTest.testNormalization`` (confluentinc/schema-registry,
protobuf-provider): options sorted by name, fields by number, oneofs by their
first number, reserved one per statement, imports sorted, types qualified.
Where Wire accepts what protoc refuses, the schema is made valid and the
expected text follows: reserved numbers moved off the fields' numbers, enums
starting at zero, ``jstype`` on an int64 field, and meta.proto imported for
``confluent.field_meta``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from reconciler.compatibility import parse
from reconciler.localregistry import create_app
from reconciler.localregistry._schemas import identity

from .conftest import _CurrentApp

SCHEMA = (
    'syntax = "proto3";\n'
    "package my.package;\n"
    "\n"
    'import "google/protobuf/timestamp.proto";\n'
    'import "confluent/type/decimal.proto";\n'
    'import "confluent/meta.proto";\n'
    "\n"
    'option java_package = "my.package";\n'
    'option java_outer_classname = "Outer";\n'
    "option java_multiple_files = true;\n"
    "option java_string_check_utf8 = true;\n"
    "option optimize_for = CODE_SIZE;\n"
    'option go_package = "go.package";\n'
    "option cc_generic_services = false;\n"
    "option java_generic_services = true;\n"
    "option py_generic_services = false;\n"
    "option cc_enable_arenas = true;\n"
    'option objc_class_prefix = "objc";\n'
    'option csharp_namespace = "csharp";\n'
    'option swift_prefix = "swift";\n'
    'option php_class_prefix = "php";\n'
    'option php_namespace = "php_ns";\n'
    'option php_metadata_namespace = "php_md_ns";\n'
    'option ruby_package = "ruby";\n'
    "\n"
    "message Nested {\n"
    "  confluent.type.Decimal test_cflt_decimal = 1 [(confluent.field_meta) = {\n"
    "    params: [\n"
    "      {\n"
    '        value: "8",\n'
    '        key: "precision"\n'
    "      },\n"
    "      {\n"
    '        value: "3",\n'
    '        key: "scale"\n'
    "      }\n"
    "    ],\n"
    '    doc: "test decimal"\n'
    "  }];\n"
    "  google.protobuf.Timestamp test_timestamp = 2;\n"
    "  map<string, InnerMessage> test_map = 3;\n"
    "\n"
    "  message InnerMessage {\n"
    '    reserved "foo", "bar";\n'
    "    reserved 14, 15, 19 to 21;\n"
    "    reserved 30, 40, 49 to 51;\n"
    "  \n"
    "    option no_standard_descriptor_accessor = true;\n"
    "    option deprecated = true;\n"
    "  \n"
    "    InnerMessage.DeepMessage deep2 = 4;\n"
    "    Nested.InnerMessage.DeepMessage deep3 = 5;\n"
    "    my.package.Nested.InnerMessage.DeepMessage deep4 = 6;\n"
    "    .my.package.Nested.InnerMessage.DeepMessage deep5 = 7;\n"
    '    string id = 1 [json_name = "id"];\n'
    "    repeated int32 ids = 2 [packed = true];\n"
    "    DeepMessage deep1 = 3;\n"
    "  \n"
    "    oneof some_val {\n"
    "      string one_id = 12;\n"
    "      int32 other_id = 11;\n"
    "    }\n"
    "    oneof some_val2 {\n"
    "      string one_id2 = 13;\n"
    "      int64 other_id2 = 10 [\n"
    "        deprecated = true,\n"
    "        ctype = CORD,\n"
    "        jstype = JS_STRING,\n"
    '        json_name = "otherId2"\n'
    "      ];\n"
    "    }\n"
    "  \n"
    "    message DeepMessage {\n"
    "      string id = 1;\n"
    "    }\n"
    "    enum InnerEnum {\n"
    "      reserved 100 to 110;\n"
    "      option allow_alias = true;\n"
    "      ZERO = 0 [deprecated = true];\n"
    "      TWO = 2;\n"
    "      ONE = 1;\n"
    "      ALSO_ZERO = 0;\n"
    "    }\n"
    "  }\n"
    "}\n"
    "enum Status {\n"
    "  ACTIVE = 0;\n"
    "  INACTIVE = 1;\n"
    "}\n"
    "\n"
    "service MyService {\n"
    "  option deprecated = true;\n"
    "\n"
    "  rpc MyMethod2 (stream Nested) returns (Nested.InnerMessage);\n"
    "  rpc MyMethod1 (Nested.InnerMessage) returns (stream Nested) {\n"
    "    option idempotency_level = NO_SIDE_EFFECTS;\n"
    "    option deprecated = true;\n"
    "  };\n"
    "}\n"
)

NORMALIZED = (
    'syntax = "proto3";\n'
    "package my.package;\n"
    "\n"
    'import "confluent/meta.proto";\n'
    'import "confluent/type/decimal.proto";\n'
    'import "google/protobuf/timestamp.proto";\n'
    "\n"
    "option cc_enable_arenas = true;\n"
    "option cc_generic_services = false;\n"
    'option csharp_namespace = "csharp";\n'
    'option go_package = "go.package";\n'
    "option java_generic_services = true;\n"
    "option java_multiple_files = true;\n"
    'option java_outer_classname = "Outer";\n'
    'option java_package = "my.package";\n'
    "option java_string_check_utf8 = true;\n"
    'option objc_class_prefix = "objc";\n'
    "option optimize_for = CODE_SIZE;\n"
    'option php_class_prefix = "php";\n'
    'option php_metadata_namespace = "php_md_ns";\n'
    'option php_namespace = "php_ns";\n'
    "option py_generic_services = false;\n"
    'option ruby_package = "ruby";\n'
    'option swift_prefix = "swift";\n'
    "\n"
    "message Nested {\n"
    "  .confluent.type.Decimal test_cflt_decimal = 1 [(confluent.field_meta) = {\n"
    '    doc: "test decimal",\n'
    "    params: [\n"
    "      {\n"
    '        key: "precision",\n'
    '        value: "8"\n'
    "      },\n"
    "      {\n"
    '        key: "scale",\n'
    '        value: "3"\n'
    "      }\n"
    "    ]\n"
    "  }];\n"
    "  .google.protobuf.Timestamp test_timestamp = 2;\n"
    "  map<string, .my.package.Nested.InnerMessage> test_map = 3;\n"
    "\n"
    "  message InnerMessage {\n"
    "    reserved 14;\n"
    "    reserved 15;\n"
    "    reserved 19 to 21;\n"
    "    reserved 30;\n"
    "    reserved 40;\n"
    "    reserved 49 to 51;\n"
    '    reserved "bar";\n'
    '    reserved "foo";\n'
    "  \n"
    "    option deprecated = true;\n"
    "    option no_standard_descriptor_accessor = true;\n"
    "  \n"
    '    string id = 1 [json_name = "id"];\n'
    "    repeated int32 ids = 2 [packed = true];\n"
    "    .my.package.Nested.InnerMessage.DeepMessage deep1 = 3;\n"
    "    .my.package.Nested.InnerMessage.DeepMessage deep2 = 4;\n"
    "    .my.package.Nested.InnerMessage.DeepMessage deep3 = 5;\n"
    "    .my.package.Nested.InnerMessage.DeepMessage deep4 = 6;\n"
    "    .my.package.Nested.InnerMessage.DeepMessage deep5 = 7;\n"
    "  \n"
    "    oneof some_val2 {\n"
    "      int64 other_id2 = 10 [\n"
    "        ctype = CORD,\n"
    "        deprecated = true,\n"
    '        json_name = "otherId2",\n'
    "        jstype = JS_STRING\n"
    "      ];\n"
    "      string one_id2 = 13;\n"
    "    }\n"
    "    oneof some_val {\n"
    "      int32 other_id = 11;\n"
    "      string one_id = 12;\n"
    "    }\n"
    "  \n"
    "    message DeepMessage {\n"
    "      string id = 1;\n"
    "    }\n"
    "    enum InnerEnum {\n"
    "      reserved 100 to 110;\n"
    "      option allow_alias = true;\n"
    "      ALSO_ZERO = 0;\n"
    "      ZERO = 0 [deprecated = true];\n"
    "      ONE = 1;\n"
    "      TWO = 2;\n"
    "    }\n"
    "  }\n"
    "}\n"
    "enum Status {\n"
    "  ACTIVE = 0;\n"
    "  INACTIVE = 1;\n"
    "}\n"
    "\n"
    "service MyService {\n"
    "  option deprecated = true;\n"
    "\n"
    "  rpc MyMethod2 (stream .my.package.Nested) returns (.my.package.Nested.InnerMessage);\n"
    "  rpc MyMethod1 (.my.package.Nested.InnerMessage) returns (stream .my.package.Nested) {\n"
    "    option deprecated = true;\n"
    "    option idempotency_level = NO_SIDE_EFFECTS;\n"
    "  };\n"
    "}\n"
)


def _register_normalized(sr: httpx.Client, subject: str, schema: str) -> int:
    body = {"schema": schema, "schemaType": "PROTOBUF"}
    response = sr.post(f"/subjects/{subject}/versions?normalize=true", json=body)
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


def test_normalized_text_is_confluents(sr: httpx.Client) -> None:
    schema_id = _register_normalized(sr, "s", SCHEMA)
    assert sr.get(f"/schemas/ids/{schema_id}/schema").text == NORMALIZED
    # the normalized text is a fixed point, and the layout of the source does not matter
    assert _register_normalized(sr, "s2", NORMALIZED) == schema_id
    assert _register_normalized(sr, "s3", SCHEMA.replace("  ", "\t")) == schema_id
    assert parse("PROTOBUF", NORMALIZED).normalized == NORMALIZED


def test_normalize_on_lookup_finds_the_normalized_version(sr: httpx.Client) -> None:
    schema_id = _register_normalized(sr, "s", SCHEMA)
    response = sr.post(
        "/subjects/s?normalize=true", json={"schema": SCHEMA, "schemaType": "PROTOBUF"}
    )
    assert response.status_code == 200 and response.json()["id"] == schema_id, response.text


def test_rows_normalized_before_keep_their_text_and_id(
    _shared_server: tuple[str, _CurrentApp], _client: httpx.Client, tmp_path: Path
) -> None:
    """A version stored with ``normalize=true`` before the normalized text took Confluent's
    order keeps its text and ID (nothing rewrites it on open); the same schema registered
    again with ``normalize=true`` has today's text, so it is a new schema and version, as
    on a Confluent registry whose normalization changed with an upgrade (its lookup hash
    is the MD5 of the stored text)."""
    _url, current = _shared_server
    path = tmp_path / "old.db"
    current.app = create_app(path)
    try:
        old_id = _register_normalized(_client, "s", SCHEMA)
        old_text = parse("PROTOBUF", SCHEMA).canonical  # stands for the old normalized order
        with sqlite3.connect(path) as conn:
            conn.execute(
                "UPDATE schemas SET schema=?, identity=? WHERE id=?",
                (old_text, identity("PROTOBUF", old_text, []), old_id),
            )
        current.app = create_app(path)
        assert _client.get(f"/schemas/ids/{old_id}/schema").text == old_text
        new_id = _register_normalized(_client, "s", SCHEMA)
        assert new_id != old_id
        assert _client.get(f"/schemas/ids/{new_id}/schema").text == NORMALIZED
        assert _client.get("/subjects/s/versions").json() == [1, 2]
    finally:
        current.app = None
