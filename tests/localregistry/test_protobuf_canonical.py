"""Protobuf text as Confluent stores and returns it (issue 12, items 1 and 5).

Confluent stores ``ProtobufSchemaUtils.toString`` of Wire's parse tree
(``canonicalString()``), and gives one ID to one such text. Every read path
returns it: ``/schemas/ids/N`` (and ``/schema``), subject versions (and
``/schema``), the lookup answer; ``normalize=true`` stores the normalized
printer's text. The expected texts of ``CONFLUENT`` are transcribed from
Confluent's ``ProtobufSchemaTest`` (``canonicalString()`` of the schema and of
``normalize()``); the cases protoc refuses are left out, or the statements
it refuses (an option statement with a list value).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from reconciler.localregistry import create_app
from reconciler.localregistry._schemas import identity
from reconciler.localregistry._store import _LAYOUT_VERSION as LAYOUT_VERSION

from .conftest import _CurrentApp
from .helpers import register

# name: (source, canonicalString(), normalize().canonicalString() or None)
CONFLUENT: dict[str, tuple[str, str, str | None]] = {
    # ProtobufSchemaTest.testRanges
    "testRanges": (
        (
            "\n"
            "message Money {\n"
            "  reserved 5000 to 6000;\n"
            "  reserved 10000 to 10001;\n"
            "  reserved 20000 to 20000;\n"
            "\n"
            "  optional int64 cents = 1;\n"
            "\n"
            "  extensions 100 to 200;\n"
            "  extensions 1000 to 1001;\n"
            "  extensions 2000 to 2000;\n"
            "\n"
            "  enum MoneyEnum {\n"
            "    reserved 100 to 200;\n"
            "    reserved 1000 to 1001;\n"
            "    reserved 2000 to 2000;\n"
            "    NONE = 0;\n"
            "    CENTS = 1;\n"
            "    DOLLARS = 2;\n"
            "  }\n"
            "}\n"
        ),
        (
            "\n"
            "message Money {\n"
            "  reserved 5000 to 6000;\n"
            "  reserved 10000 to 10001;\n"
            "  reserved 20000 to 20000;\n"
            "\n"
            "  optional int64 cents = 1;\n"
            "\n"
            "  extensions 100 to 200;\n"
            "  extensions 1000 to 1001;\n"
            "  extensions 2000 to 2000;\n"
            "\n"
            "  enum MoneyEnum {\n"
            "    reserved 100 to 200;\n"
            "    reserved 1000 to 1001;\n"
            "    reserved 2000 to 2000;\n"
            "    NONE = 0;\n"
            "    CENTS = 1;\n"
            "    DOLLARS = 2;\n"
            "  }\n"
            "}\n"
        ),
        (
            "\n"
            "message Money {\n"
            "  reserved 5000 to 6000;\n"
            "  reserved 10000 to 10001;\n"
            "  reserved 20000;\n"
            "\n"
            "  optional int64 cents = 1;\n"
            "\n"
            "  extensions 100 to 200;\n"
            "  extensions 1000 to 1001;\n"
            "  extensions 2000;\n"
            "\n"
            "  enum MoneyEnum {\n"
            "    reserved 100 to 200;\n"
            "    reserved 1000 to 1001;\n"
            "    reserved 2000;\n"
            "    NONE = 0;\n"
            "    CENTS = 1;\n"
            "    DOLLARS = 2;\n"
            "  }\n"
            "}\n"
        ),
    ),
    # ProtobufSchemaTest.testNormalizationWithPackagePrefix
    "testNormalizationWithPackagePrefix": (
        (
            'syntax = "proto3";\n'
            "package confluent.package;\n"
            "\n"
            'import "confluent/type/decimal.proto";\n'
            "\n"
            "message Nested {\n"
            "  type.Decimal test_cflt_decimal = 1;\n"
            "}\n"
        ),
        (
            'syntax = "proto3";\n'
            "package confluent.package;\n"
            "\n"
            'import "confluent/type/decimal.proto";\n'
            "\n"
            "message Nested {\n"
            "  type.Decimal test_cflt_decimal = 1;\n"
            "}\n"
        ),
        (
            'syntax = "proto3";\n'
            "package confluent.package;\n"
            "\n"
            'import "confluent/type/decimal.proto";\n'
            "\n"
            "message Nested {\n"
            "  .confluent.type.Decimal test_cflt_decimal = 1;\n"
            "}\n"
        ),
    ),
    # ProtobufSchemaTest.testComplexCustomOptions2
    "testComplexCustomOptions2": (
        (
            'syntax = "proto3";\n'
            "package com.example.mynamespace;\n"
            'import "confluent/meta.proto";\n'
            'import "confluent/type/decimal.proto";\n'
            'option java_package = "io.confluent.kafka.serializers.protobuf.test";\n'
            'option java_outer_classname = "ComplexProto";\n'
            "message SampleRecord {\n"
            "  int32 my_field1 = 1 [\n"
            '    (confluent.field_meta).tags = "foo"\n'
            "  ];\n"
            "  double my_field2 = 2 [(confluent.field_meta) = {\n"
            "    tags: [\n"
            '      "bar"\n'
            "    ]\n"
            "  }];\n"
            "  int32 my_field3 = 3 [\n"
            '    (confluent.field_meta).tags = "foo",\n'
            '    (confluent.field_meta).tags = "bar"\n'
            "  ];\n"
            "  double my_field4 = 4 [(confluent.field_meta) = {\n"
            "    tags: [\n"
            '      "foo",\n'
            '      "bar"\n'
            "    ]\n"
            "  }];\n"
            "  string my_field5 = 5 [\n"
            "    (confluent.field_meta) = {\n"
            '      tags: ["foo"]\n'
            "    },\n"
            '    (confluent.field_meta).tags = "bar"\n'
            "  ];\n"
            "}"
        ),
        (
            'syntax = "proto3";\n'
            "package com.example.mynamespace;\n"
            "\n"
            'import "confluent/meta.proto";\n'
            'import "confluent/type/decimal.proto";\n'
            "\n"
            'option java_package = "io.confluent.kafka.serializers.protobuf.test";\n'
            'option java_outer_classname = "ComplexProto";\n'
            "\n"
            "message SampleRecord {\n"
            '  int32 my_field1 = 1 [(confluent.field_meta).tags = "foo"];\n'
            "  double my_field2 = 2 [(confluent.field_meta) = {\n"
            "    tags: [\n"
            '      "bar"\n'
            "    ]\n"
            "  }];\n"
            "  int32 my_field3 = 3 [\n"
            '    (confluent.field_meta).tags = "foo",\n'
            '    (confluent.field_meta).tags = "bar"\n'
            "  ];\n"
            "  double my_field4 = 4 [(confluent.field_meta) = {\n"
            "    tags: [\n"
            '      "foo",\n'
            '      "bar"\n'
            "    ]\n"
            "  }];\n"
            "  string my_field5 = 5 [\n"
            "    (confluent.field_meta) = {\n"
            "      tags: [\n"
            '        "foo"\n'
            "      ]\n"
            "    },\n"
            '    (confluent.field_meta).tags = "bar"\n'
            "  ];\n"
            "}\n"
        ),
        None,
    ),
}

# The issue's example: tab-indented, a message-typed field (it came back as "; y = 2;").
ISSUE = (
    'syntax = "proto3";\npackage t;\nmessage X {\n\tint32 a = 1;\n\tY y = 2;\n}\n'
    "message Y {\n\tint32 b = 1;\n}\n"
)
ISSUE_CANONICAL = (
    'syntax = "proto3";\npackage t;\n\nmessage X {\n  int32 a = 1;\n  Y y = 2;\n}\n'
    "message Y {\n  int32 b = 1;\n}\n"
)
ISSUE_NORMALIZED = ISSUE_CANONICAL.replace("  Y y = 2;", "  .t.Y y = 2;")

# Every kind of declaration, with Confluent's printer's rules applied by hand: sections
# after blank lines, messages before enums, options as written in source order,
# default and json_name after the other options, an aggregate one field per line.
RICH = r"""
syntax = "proto2";
package x;
import "google/protobuf/descriptor.proto";
extend google.protobuf.FieldOptions { optional string tag = 50000; }
extend google.protobuf.MessageOptions { optional Rule rule = 50001; }
extend google.protobuf.OneofOptions { optional string otag = 50002; }
message Rule { optional string name = 1; repeated int32 n = 2; optional Rule inner = 3; }
message M {
  option (rule) = { name: "r" n: 1 n: 0x2 inner { name: 'i' } };
  optional string s = 1 [default = "a\"b", (tag) = "t", deprecated = true, json_name = "ess"];
  required int32 r = 2;
  optional bytes by = 12 [default = "\001\377"];
  optional double d = 13 [default = -inf];
  oneof o { option (otag) = "o"; int32 a = 3; }
  extensions 100 to 199, 300;
  optional group G = 4 { optional int32 g = 1; }
  map<string, .x.Rule> mm = 5;
  reserved 7, 9 to 11;
  reserved "old";
  enum Inner { Z = 0; }
  message Nested { }
}
extend M { optional int32 ext = 100; }
enum E { option allow_alias = true; A = 0; B = 0 [deprecated = true]; reserved 5 to 6; }
service S {
  rpc Call (M) returns (stream M) { option deprecated = true; }
  rpc Other (stream .x.M) returns (Rule);
}
"""
RICH_CANONICAL = """\
syntax = "proto2";
package x;

import "google/protobuf/descriptor.proto";

message Rule {
  optional string name = 1;
  repeated int32 n = 2;
  optional Rule inner = 3;
}
message M {
  reserved 7, 9 to 11;
  reserved "old";

  option (rule) = {
    name: "r",
    n: [
      1,
      0x2
    ],
    inner: {
      name: "i"
    }
  };

  optional string s = 1 [
    (tag) = "t",
    deprecated = true,
    default = "a\\"b",
    json_name = "ess"
  ];
  required int32 r = 2;
  optional bytes by = 12 [default = "\\001\\377"];
  optional double d = 13 [default = -inf];
  map<string, .x.Rule> mm = 5;

  oneof o {
    option (otag) = "o";
  \n    int32 a = 3;
  }

  optional group G = 4 {
    optional int32 g = 1;
  }

  extensions 100 to 199, 300;

  message Nested {}
  enum Inner {
    Z = 0;
  }
}
enum E {
  reserved 5 to 6;
  option allow_alias = true;
  A = 0;
  B = 0 [deprecated = true];
}

extend google.protobuf.FieldOptions {
  optional string tag = 50000;
}
extend google.protobuf.MessageOptions {
  optional Rule rule = 50001;
}
extend google.protobuf.OneofOptions {
  optional string otag = 50002;
}
extend M {
  optional int32 ext = 100;
}

service S {
  rpc Call (M) returns (stream M) {
    option deprecated = true;
  };
  rpc Other (stream .x.M) returns (Rule);
}
"""


def _read_paths(sr: httpx.Client, subject: str, schema_id: int) -> list[str]:
    """The schema text from every read path that returns it."""
    return [
        sr.get(f"/schemas/ids/{schema_id}").json()["schema"],
        sr.get(f"/schemas/ids/{schema_id}/schema").text,
        sr.get(f"/subjects/{subject}/versions/latest").json()["schema"],
        sr.get(f"/subjects/{subject}/versions/latest/schema").text,
        *(s["schema"] for s in sr.get("/schemas").json() if s["id"] == schema_id),
    ]


def _check(sr: httpx.Client, source: str, canonical: str, normalized: str | None) -> None:
    schema_id = register(sr, "s", source, schemaType="PROTOBUF")["id"]
    assert _read_paths(sr, "s", schema_id) == [canonical] * 5
    found = sr.post("/subjects/s", json={"schema": source, "schemaType": "PROTOBUF"}).json()
    assert (found["id"], found["schema"]) == (schema_id, canonical)
    # Confluent's text is a schema too, of the same ID
    assert register(sr, "again", canonical, schemaType="PROTOBUF")["id"] == schema_id
    if normalized is not None:
        body = {"schema": source, "schemaType": "PROTOBUF"}
        answer = sr.post("/subjects/n/versions?normalize=true", json=body).json()
        assert _read_paths(sr, "n", answer["id"])[:4] == [normalized] * 4
        found = sr.post("/subjects/n?normalize=true", json=body).json()
        assert (found["id"], found["schema"]) == (answer["id"], normalized)


@pytest.mark.parametrize("name", sorted(CONFLUENT))
def test_confluents_cases_read_back_as_confluent_prints_them(sr: httpx.Client, name: str) -> None:
    _check(sr, *CONFLUENT[name])


def test_the_issue_example_reads_back_as_confluent_prints_it(sr: httpx.Client) -> None:
    _check(sr, ISSUE, ISSUE_CANONICAL, ISSUE_NORMALIZED)
    spaced = ISSUE.replace("\t", "    ").replace("\n", "\r\n")
    assert register(sr, "spaced", spaced, schemaType="PROTOBUF")["id"] == 1


def test_every_declaration_reads_back_as_confluent_prints_it(sr: httpx.Client) -> None:
    _check(sr, RICH, RICH_CANONICAL, None)


def test_format_ignore_extensions_is_the_same_layout_without_extensions(sr: httpx.Client) -> None:
    schema_id = register(sr, "s", RICH, schemaType="PROTOBUF")["id"]
    text = sr.get(f"/schemas/ids/{schema_id}/schema?format=ignore_extensions").text
    assert "extend" not in text and "extensions" not in text and "(tag)" not in text
    assert text.startswith(
        'syntax = "proto2";\npackage x;\n\nimport "google/protobuf/descriptor.proto";\n'
    )
    assert "  optional string s = 1 [\n    deprecated = true,\n" in text


# What this registry stored before it printed as Confluent does (layout 4): the
# descriptors printed back, no blank lines, options by field number and fully named.
OLD_LAYOUT = {
    "issue": (
        'syntax = "proto3";\npackage t;\nmessage X {\n  int32 a = 1;\n  Y y = 2;\n}\n'
        "message Y {\n  int32 b = 1;\n}\n",
        ISSUE_CANONICAL,
    ),
    "options": (
        'syntax = "proto3";\npackage o;\nimport "google/protobuf/descriptor.proto";\n'
        "message M {\n  option deprecated = true;\n  int32 a = 1 [deprecated = true];\n"
        "  oneof c {\n    string b = 2;\n  }\n  reserved 5;\n  reserved 7 to 9;\n}\n",
        'syntax = "proto3";\npackage o;\n\nimport "google/protobuf/descriptor.proto";\n\n'
        "message M {\n  reserved 5;\n  reserved 7 to 9;\n\n  option deprecated = true;\n\n"
        "  int32 a = 1 [deprecated = true];\n\n  oneof c {\n    string b = 2;\n  }\n}\n",
    ),
}


def test_a_file_of_the_old_layout_keeps_its_ids_with_confluents_text(
    _shared_server: tuple[str, _CurrentApp], _client: httpx.Client, tmp_path: Path
) -> None:
    """Opening a file written before (layout 4) rewrites its Protobuf rows: same IDs and
    versions, Confluent's text, and the old text or the source registered again finds
    them. Two rows that now print the same keep both IDs; the text answers the lower."""
    current = _shared_server[1]
    path = tmp_path / "old.db"
    current.app = create_app(path)
    try:
        register(_client, "avro", '"string"')
        ids = {}
        for name, (old, _) in OLD_LAYOUT.items():
            ids[name] = register(_client, name, old, schemaType="PROTOBUF")["id"]
        twin = register(
            _client, "twin", OLD_LAYOUT["issue"][0] + "// twin\n", schemaType="PROTOBUF"
        )
        with sqlite3.connect(path) as conn:
            for name, (old, _) in OLD_LAYOUT.items():
                conn.execute(
                    "UPDATE schemas SET schema=?, identity=? WHERE id=?",
                    (old, identity("PROTOBUF", old, []), ids[name]),
                )
            # an older row of the same schema, stored with other spacing
            spaced = OLD_LAYOUT["issue"][0].replace("  ", "    ")
            twin_id = int(twin["id"])
            conn.execute(
                "UPDATE schemas SET schema=?, identity=? WHERE id=?",
                (spaced, identity("PROTOBUF", spaced, []), twin_id),
            )
            conn.execute("PRAGMA user_version=4")
        current.app = create_app(path)
        for name, (old, new) in OLD_LAYOUT.items():
            assert _client.get(f"/schemas/ids/{ids[name]}/schema").text == new, name
            assert _client.get(f"/subjects/{name}/versions/1").json()["id"] == ids[name]
            assert register(_client, name, old, schemaType="PROTOBUF")["id"] == ids[name]
            assert register(_client, f"o-{name}", new, schemaType="PROTOBUF")["id"] == ids[name]
            assert _client.get(f"/subjects/{name}/versions").json() == [1]
        assert register(_client, "src", ISSUE, schemaType="PROTOBUF")["id"] == ids["issue"]
        assert _client.get(f"/schemas/ids/{twin_id}/schema").text == ISSUE_CANONICAL
        assert _client.get("/subjects/twin/versions/1").json()["id"] == twin_id
        assert min(ids["issue"], twin_id) == ids["issue"]
        assert _client.get("/subjects/avro/versions/1/schema").text == '"string"'
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == LAYOUT_VERSION
    finally:
        current.app = None


def test_a_weak_import_is_kept_so_the_text_compiles_again(sr: httpx.Client) -> None:
    """Confluent's printer leaves ``import weak`` out; here it follows the other imports."""
    source = (
        'syntax = "proto3";\nimport weak "google/protobuf/timestamp.proto";\n'
        'import "google/protobuf/duration.proto";\n'
        "message M { google.protobuf.Timestamp t = 1; google.protobuf.Duration d = 2; }\n"
    )
    schema_id = register(sr, "s", source, schemaType="PROTOBUF")["id"]
    text = sr.get(f"/schemas/ids/{schema_id}/schema").text
    assert text == (
        'syntax = "proto3";\n\nimport "google/protobuf/duration.proto";\n'
        'import weak "google/protobuf/timestamp.proto";\n\n'
        "message M {\n  google.protobuf.Timestamp t = 1;\n  google.protobuf.Duration d = 2;\n}\n"
    )
    assert register(sr, "again", text, schemaType="PROTOBUF")["id"] == schema_id


def test_an_edition_file_which_wire_does_not_read_is_printed_from_descriptors(
    sr: httpx.Client,
) -> None:
    """Confluent refuses ``edition`` (Wire: "edition is not currently supported"); protoc
    reads it, and its text is printed from the descriptors, type names as written."""
    source = (
        'edition = "2023";\npackage e;\nmessage M {\n\tint32 a = 1;\n'
        "  M m = 2 [features.field_presence = EXPLICIT];\n}\n"
    )
    schema_id = register(sr, "s", source, schemaType="PROTOBUF")["id"]
    text = sr.get(f"/schemas/ids/{schema_id}/schema").text
    assert text == (
        'edition = "2023";\npackage e;\nmessage M {\n  int32 a = 1;\n'
        "  M m = 2 [features = { field_presence: EXPLICIT }];\n}\n"
    )
    assert register(sr, "again", text, schemaType="PROTOBUF")["id"] == schema_id
