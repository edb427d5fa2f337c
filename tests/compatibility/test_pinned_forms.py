"""Canonical and normalized forms are pinned byte for byte.

The local registry derives schema ids from these forms and the planner decides
equality with them, so a change in any of them (an optimisation of the parsers
or printers, a library upgrade) would silently assign new ids or report false
diffs. ``pinned_forms.json`` holds the sha256 of both forms of every schema in
Confluent's conformance data and of the schemas below, as the engine printed
them before the forms became lazily computed. Regenerate it only for an
intended change of form: ``.venv/bin/python -m tests.compatibility.test_pinned_forms``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.compatibility import parse

from .conftest import CONFLUENT

PINNED = Path(__file__).with_name("pinned_forms.json")

_ADDRESS = {
    "type": "record",
    "name": "Address",
    "namespace": "acme.common",
    "fields": [{"name": "street", "type": "string"}, {"name": "zip", "type": "string"}],
}
_FIXED = {"type": "fixed", "name": "H", "size": 4}
_COMMON_PROTO = 'syntax = "proto3";\npackage common;\nmessage Address { string s = 1; }\n'
# Schemas beyond Confluent's examples: references, logical types, aliases, custom
# properties, namespaces inherited and overridden, and for Protobuf type names
# spelled several ways, imports, options, oneofs, maps and fields out of order.
LOCAL: dict[str, tuple[str, str, dict[str, str]]] = {
    "avro-order": (
        "AVRO",
        json.dumps(
            {
                "type": "record",
                "name": "Order",
                "namespace": "acme",
                "doc": "An order",
                "aliases": ["Purchase"],
                "x-owner": "team-a",
                "fields": [
                    {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
                    {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
                    {
                        "name": "amount",
                        "type": {
                            "type": "bytes",
                            "logicalType": "decimal",
                            "precision": 9,
                            "scale": 2,
                        },
                    },
                    {"name": "ship_to", "type": "acme.common.Address"},
                    {"name": "bill_to", "type": ["null", "acme.common.Address"], "default": None},
                    {
                        "name": "status",
                        "type": {"type": "enum", "name": "Status", "symbols": ["A", "B"]},
                        "aliases": ["state"],
                        "order": "descending",
                    },
                    {"name": "tags", "type": {"type": "map", "values": "Status"}},
                    {
                        "name": "lines",
                        "type": {
                            "type": "array",
                            "items": {
                                "type": "record",
                                "name": "Line",
                                "namespace": "acme.lines",
                                "fields": [
                                    {"name": "sku", "type": "string", "default": "x"},
                                    {
                                        "name": "hash",
                                        "type": {"type": "fixed", "name": "H", "size": 4},
                                    },
                                ],
                            },
                        },
                    },
                    {"name": "again", "type": "acme.lines.H"},
                ],
            },
            indent=1,
        ),
        {"acme.common.Address": json.dumps(_ADDRESS)},
    ),
    "avro-primitive": ("AVRO", '"string"', {}),
    "json-order": (
        "JSON",
        json.dumps(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": "https://acme.example/order.json",
                "type": "object",
                "properties": {
                    "zeta": {"type": "string", "maxLength": 3, "title": "Zé"},
                    "alpha": {"$ref": "address.json"},
                    "lines": {"type": "array", "prefixItems": [{"type": "integer"}]},
                },
                "required": ["zeta"],
                "additionalProperties": False,
            },
            indent=2,
        ),
        {"address.json": json.dumps({"type": "object", "properties": {"s": {"type": "string"}}})},
    ),
    "protobuf-order": (
        "PROTOBUF",
        """// comment
syntax = "proto3";
package acme.orders;

import "google/protobuf/timestamp.proto";
import "confluent/meta.proto";
import "common.proto";

option java_package = "com.acme";

message Order {
  option (confluent.message_meta).doc = "An order";
  string id = 2 [json_name = "ident"];
  int64 first = 1;
  google.protobuf.Timestamp at = 3;
  .google.protobuf.Timestamp at2 = 4;
  Order.Line line = 5;
  acme.orders.Order.Line line2 = 6;
  map<string,  Status> by_key = 7;
  common.Address ship_to = 8;
  oneof choice {
    string a = 10;
    Status b = 9;
  }
  optional bool flag = 11;
  repeated Line lines = 12;
  reserved 20 to 25;
  reserved "old";
  message Line { string sku = 1; int32 qty = 2 [deprecated = true]; }
}
enum Status { option allow_alias = true; NEW = 0; OLD = 0; PAID = 2; SHIPPED = 1; }
service Orders { rpc Get (Order) returns (stream .acme.orders.Order.Line); }
""",
        {"common.proto": _COMMON_PROTO},
    ),
    "protobuf-proto2": (
        "PROTOBUF",
        """syntax = "proto2";
message Outer {
  required int32 a = 1 [default = 7];
  optional string b = 2 [default = "x\\"y"];
  optional bytes c = 3 [default = "\\001z"];
  repeated group Item = 4 { optional int32 v = 1; }
  extensions 100 to 199;
}
extend Outer { optional int32 more = 100; }
""",
        {},
    ),
}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _confluent_schemas() -> dict[str, tuple[str, str, dict[str, str]]]:
    """Every schema of Confluent's examples, by a stable name."""
    if CONFLUENT is None:
        return {}
    out: dict[str, tuple[str, str, dict[str, str]]] = {}
    avro = json.loads((CONFLUENT / "avro" / "avro-compat-cases.json").read_text())
    for name, schema in avro["schemas"].items():
        out[f"avro/{name}"] = ("AVRO", json.dumps(schema), {})
    for file in ("diff-schema-examples.json", "diff-combined-schema-examples.json"):
        for index, case in enumerate(json.loads((CONFLUENT / "json-schema" / file).read_text())):
            for side in ("original", "update"):
                text = json.dumps(case[f"{side}_schema"])
                out[f"json-schema/{file}[{index}].{side}"] = ("JSON", text, {})
    for file in ("diff-schema-examples.json", "diff-schema-examples-with-meta.json"):
        for index, case in enumerate(json.loads((CONFLUENT / "protobuf" / file).read_text())):
            for side in ("original", "update"):
                text = case[f"{side}_schema"]
                if text.endswith(".proto") and "\n" not in text:
                    text = (CONFLUENT / "protobuf" / "proto" / text).read_text()
                refs = {
                    d["name"]: d["dependency"]
                    for d in case.get(f"{side}_dependencies", ())
                    if "dependency" in d
                }
                out[f"protobuf/{file}[{index}].{side}"] = ("PROTOBUF", text, refs)
    return out


def _forms(schema_type: str, text: str, references: dict[str, str]) -> dict[str, str]:
    parsed = parse(schema_type, text, references)
    return {"canonical": _digest(parsed.canonical), "normalized": _digest(parsed.normalized)}


def _pinned() -> dict[str, Any]:
    return json.loads(PINNED.read_text())


@pytest.mark.parametrize("name", sorted(LOCAL))
def test_local_schema_forms_are_pinned(name: str) -> None:
    assert _forms(*LOCAL[name]) == _pinned()[name]


def test_confluent_schema_forms_are_pinned(confluent: Path) -> None:
    pinned = _pinned()
    schemas = _confluent_schemas()
    assert schemas.keys() <= pinned.keys()
    changed = [name for name, s in schemas.items() if _forms(*s) != pinned[name]]
    assert changed == []


def _regenerate() -> None:
    forms = {name: _forms(*s) for name, s in {**LOCAL, **_confluent_schemas()}.items()}
    PINNED.write_text(json.dumps(forms, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    _regenerate()
