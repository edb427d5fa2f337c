"""``?format=`` on schema reads, as Confluent's ``ParsedSchema.formattedString`` answers.

AVRO ``resolved`` writes the referenced types out (``Schema.toString()``);
PROTOBUF ``serialized`` is the base64 of the file's ``FileDescriptorProto``
(``toDynamicSchema``, file ``default``) and ``ignore_extensions`` the text
without extensions and custom options other than ``confluent.*``; format
names are read in any case, and any other format (every one for JSON) is the
canonical text, never an error.
"""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from google.protobuf import descriptor_pb2

from .helpers import register

ADDRESS = json.dumps(
    {
        "type": "record",
        "name": "Address",
        "namespace": "n",
        "fields": [{"name": "z", "type": "string"}],
    }
)
CUSTOMER = json.dumps(
    {
        "type": "record",
        "name": "Customer",
        "namespace": "n",
        "fields": [{"name": "a", "type": "Address"}],
    }
)
PROTO = (
    'syntax = "proto3";\npackage t;\n\nmessage X {\n  int32 a = 1;\n'
    '  string b = 2 [json_name = "bee"];\n  Y y = 3;\n}\nmessage Y {\n  int32 c = 1;\n}\n'
)
EXTENDED = (
    'syntax = "proto2";\npackage t;\n\nimport "google/protobuf/descriptor.proto";\n\n'
    "extend google.protobuf.FieldOptions {\n  optional string tag = 50000;\n}\n"
    'message M {\n  optional int32 a = 1 [deprecated = true, (tag) = "x"];\n'
    "  extensions 100 to 200;\n}\n"
)


def _reads(sr: httpx.Client, path: str, schema_format: str) -> list[str]:
    """The schema text of each read that takes ``format``, for the version at ``path``."""
    params = {"format": schema_format}
    subject_version = sr.get(path).json()
    schema_id = subject_version["id"]
    return [
        sr.get(f"/schemas/ids/{schema_id}", params=params).json()["schema"],
        sr.get(f"/schemas/ids/{schema_id}/schema", params=params).text,
        sr.get(path, params=params).json()["schema"],
        sr.get(f"{path}/schema", params=params).text,
    ]


@pytest.mark.parametrize("schema_format", ["serialized", "SERIALIZED"])
def test_protobuf_serialized_is_the_base64_file_descriptor(
    sr: httpx.Client, schema_format: str
) -> None:
    register(sr, "x-value", PROTO, schemaType="PROTOBUF")
    for text in _reads(sr, "/subjects/x-value/versions/1", schema_format):
        file = descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(text))
        assert (file.name, file.package, file.syntax) == ("default", "t", "proto3")
        x, y = file.message_type
        assert [(f.name, f.number, f.type_name) for f in x.field] == [
            ("a", 1, ""),
            ("b", 2, ""),
            ("y", 3, ".t.Y"),
        ]
        # a json_name only where the source writes one, as Confluent's DynamicSchema
        assert [f.HasField("json_name") for f in x.field] == [False, True, False]
        assert x.field[1].json_name == "bee"
        assert [f.name for f in y.field] == ["c"]
        assert not file.HasField("source_code_info")


def test_protobuf_ignore_extensions_drops_extensions_and_custom_options(
    sr: httpx.Client,
) -> None:
    register(sr, "m-value", EXTENDED, schemaType="PROTOBUF")
    stored = sr.get("/subjects/m-value/versions/1").json()["schema"]
    assert "extend" in stored and "(tag)" in stored and "extensions 100" in stored
    for text in _reads(sr, "/subjects/m-value/versions/1", "ignore_extensions"):
        assert text == (
            'syntax = "proto2";\npackage t;\n\nimport "google/protobuf/descriptor.proto";\n\n'
            "message M {\n  optional int32 a = 1 [deprecated = true];\n}\n"
        )


def test_avro_resolved_writes_the_referenced_types_out(sr: httpx.Client) -> None:
    register(sr, "address", ADDRESS)
    references = [{"name": "n.Address", "subject": "address", "version": 1}]
    register(sr, "customer", CUSTOMER, references=references)
    path = "/subjects/customer/versions/1"
    assert '"type":"Address"' in sr.get(path).json()["schema"]
    expected = (
        '{"type":"record","name":"Customer","namespace":"n","fields":[{"name":"a","type":'
        '{"type":"record","name":"Address","fields":[{"name":"z","type":"string"}]}}]}'
    )
    assert _reads(sr, path, "Resolved") == [expected] * 4
    found = sr.post("/subjects/customer", params={"format": "resolved"}, json={
        "schema": CUSTOMER, "references": references,
    })  # fmt: skip
    assert found.json()["schema"] == expected
    assert found.json()["references"] == references


@pytest.mark.parametrize(
    ("subject", "schema", "schema_type", "schema_format"),
    [
        ("a", ADDRESS, "AVRO", "serialized"),
        ("a", ADDRESS, "AVRO", "no-such-format"),
        ("j", '{"type":"object"}', "JSON", "resolved"),
        ("p", PROTO, "PROTOBUF", "resolved"),
        ("p", PROTO, "PROTOBUF", " "),
    ],
)
def test_any_other_format_is_the_canonical_text(
    sr: httpx.Client, subject: str, schema: str, schema_type: str, schema_format: str
) -> None:
    register(sr, subject, schema, schemaType=schema_type)
    stored = sr.get(f"/subjects/{subject}/versions/1").json()["schema"]
    assert _reads(sr, f"/subjects/{subject}/versions/1", schema_format) == [stored] * 4


def test_a_registration_answering_its_schema_formats_it(sr: httpx.Client) -> None:
    # With metadata Confluent answers the registered schema, formatted as asked.
    answer = sr.post(
        "/subjects/x-value/versions",
        params={"format": "serialized"},
        json={"schema": PROTO, "schemaType": "PROTOBUF", "metadata": {"properties": {"o": "t"}}},
    ).json()
    file = descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(answer["schema"]))
    assert [m.name for m in file.message_type] == ["X", "Y"]
    # Without one it answers the ID alone, whatever the format.
    plain = sr.post(
        "/subjects/a-value/versions", params={"format": "resolved"}, json={"schema": ADDRESS}
    )
    assert plain.json() == {"id": 2}
