"""Protobuf input Confluent accepts (issue 12, item 5).

- A base64-encoded serialized ``FileDescriptorProto`` as the schema: Confluent's
  ``ProtobufSchema`` parses the text as .proto first, then as that, and stores
  the file printed back as .proto (type names fully qualified, as the
  descriptor holds them).
- Custom options no import defines (for example inside a ``oneof``): Wire's
  parser keeps them as written and Confluent's printer writes them back.
"""

from __future__ import annotations

import base64

import httpx
import pytest

from reconciler.compatibility import parse, protobuf_file

from .helpers import error_code, register

SCHEMA = (
    'syntax = "proto3";\npackage t;\nimport "google/protobuf/timestamp.proto";\n'
    "message X {\n  int32 a = 1;\n  Y y = 2;\n  google.protobuf.Timestamp at = 3;\n"
    "  map<string, Y> m = 4;\n}\nmessage Y {\n  int32 b = 1;\n}\n"
)


def _serialized(text: str) -> str:
    file = protobuf_file(parse("PROTOBUF", text))
    copy = type(file)()
    copy.CopyFrom(file)
    copy.name = "x.proto"
    return base64.b64encode(copy.SerializeToString()).decode()


def test_a_serialized_file_descriptor_is_stored_as_proto_text(sr: httpx.Client) -> None:
    schema_id = register(sr, "s", _serialized(SCHEMA), schemaType="PROTOBUF")["id"]
    text = sr.get(f"/schemas/ids/{schema_id}/schema").text
    assert text == (
        'syntax = "proto3";\npackage t;\n\nimport "google/protobuf/timestamp.proto";\n\n'
        "message X {\n  int32 a = 1;\n  .t.Y y = 2;\n  .google.protobuf.Timestamp at = 3;\n"
        "  map<string, .t.Y> m = 4;\n}\nmessage Y {\n  int32 b = 1;\n}\n"
    )
    # the same descriptor again, or its text, is the same schema
    assert register(sr, "s2", _serialized(SCHEMA), schemaType="PROTOBUF")["id"] == schema_id
    assert register(sr, "s3", text, schemaType="PROTOBUF")["id"] == schema_id
    # and it is checked for compatibility like any other version
    changed = SCHEMA.replace("int32 a = 1;", "string a = 1;")
    response = sr.post(
        "/subjects/s/versions", json={"schema": _serialized(changed), "schemaType": "PROTOBUF"}
    )
    assert response.status_code == 409, response.text


def test_a_serialized_descriptor_with_a_reference(sr: httpx.Client) -> None:
    dep = 'syntax = "proto3";\npackage d;\nmessage D { string s = 1; }\n'
    register(sr, "dep", dep, schemaType="PROTOBUF")
    main = 'syntax = "proto3";\nimport "d.proto";\nmessage M { d.D d = 1; }\n'
    refs = [{"name": "d.proto", "subject": "dep", "version": 1}]
    file = protobuf_file(parse("PROTOBUF", main, {"d.proto": dep}))
    serialized = base64.b64encode(file.SerializeToString()).decode()
    schema_id = register(sr, "m", serialized, schemaType="PROTOBUF", references=refs)["id"]
    assert "  .d.D d = 1;\n" in sr.get(f"/schemas/ids/{schema_id}/schema").text


@pytest.mark.parametrize("schema", ["bWVzc2FnZQ==", "message {"])  # base64 of "message"
def test_text_that_is_neither_is_still_refused(sr: httpx.Client, schema: str) -> None:
    response = sr.post("/subjects/s/versions", json={"schema": schema, "schemaType": "PROTOBUF"})
    assert response.status_code == 422 and error_code(response) == 42201, response.text
    assert "invalid Protobuf schema" in response.json()["message"]


# From Confluent's ProtobufSchemaTest (testOptionalOneOfFieldName's schema, cut down).
UNDEFINED_OPTIONS = (
    'syntax = "proto3";\npackage t;\n'
    'option (file_opt) = "x";\n'
    "message SampleRecord {\n"
    "  option (msg_opt).a = { b: 1 };\n"
    "  int32 my_field1 = 1 [(f_opt) = true, deprecated = true];\n"
    "  oneof qux {\n"
    "    option (my_oneof_option) = 7;\n"
    "    string quux = 8;\n"
    "  }\n"
    "}\n"
    "enum E {\n  option (e) = 1;\n  A = 0 [(v) = 2];\n}\n"
    "service S {\n  option (s) = true;\n  rpc Get (SampleRecord) returns (SampleRecord) {\n"
    '    option (m) = "m";\n  }\n}\n'
)


def test_undefined_custom_options_are_kept_where_they_were(sr: httpx.Client) -> None:
    schema_id = register(sr, "s", UNDEFINED_OPTIONS, schemaType="PROTOBUF")["id"]
    text = sr.get(f"/schemas/ids/{schema_id}/schema").text
    assert text == (  # Confluent's printer: options as written, in source order
        'syntax = "proto3";\npackage t;\n\n'
        'option (file_opt) = "x";\n\n'
        "message SampleRecord {\n"
        "  option (msg_opt).a = {\n    b: 1\n  };\n\n"
        "  int32 my_field1 = 1 [\n    (f_opt) = true,\n    deprecated = true\n  ];\n\n"
        "  oneof qux {\n"
        "    option (my_oneof_option) = 7;\n"
        "  \n"
        "    string quux = 8;\n"
        "  }\n"
        "}\n"
        "enum E {\n  option (e) = 1;\n  A = 0 [(v) = 2];\n}\n\n"
        "service S {\n  option (s) = true;\n\n  rpc Get (SampleRecord) returns (SampleRecord) {\n"
        '    option (m) = "m";\n  };\n}\n'
    )
    # the stored text is a schema too, and layout does not make another one
    assert register(sr, "s2", text, schemaType="PROTOBUF")["id"] == schema_id
    spread = UNDEFINED_OPTIONS.replace("(my_oneof_option) = 7", "(my_oneof_option)\n\t=\t7")
    assert register(sr, "s3", spread, schemaType="PROTOBUF")["id"] == schema_id
    # Confluent's canonical form holds the option, so another value is another schema
    other = UNDEFINED_OPTIONS.replace("(my_oneof_option) = 7", "(my_oneof_option) = 8")
    assert register(sr, "s4", other, schemaType="PROTOBUF")["id"] != schema_id


def test_a_defined_option_is_still_checked(sr: httpx.Client) -> None:
    """Only unknown custom options are kept as text: a wrong built-in one is refused."""
    schema = 'syntax = "proto3";\nmessage M {\n  int32 a = 1 [deprecated = 3];\n}\n'
    response = sr.post("/subjects/s/versions", json={"schema": schema, "schemaType": "PROTOBUF"})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    "body",
    [
        "  reserved 1;\n  int32 a = 1;\n",  # a field on a reserved number
        "  int32 a = 1 [jstype = JS_STRING];\n",  # jstype on a 32-bit field
    ],
)
def test_what_protoc_refuses_is_refused_though_wire_accepts_it(sr: httpx.Client, body: str) -> None:
    """A known difference (docs/local-registry.md): Confluent parses with Wire, which
    does not check these rules; protoc, the parser here, does."""
    schema = f'syntax = "proto3";\nmessage M {{\n{body}}}\n'
    response = sr.post("/subjects/s/versions", json={"schema": schema, "schemaType": "PROTOBUF"})
    assert response.status_code == 422 and error_code(response) == 42201, response.text
