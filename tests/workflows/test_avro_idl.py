"""Avro IDL rendering: the examples' schemas, and each construct of the language."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.workflows.avro_idl import render_idl

from .conftest import EXAMPLES, Registries, cli, output, with_registry

AVRO_FILES = sorted(p for e in EXAMPLES for p in (e / "schemas").glob("*.avsc"))


def _field_names(schema: object) -> set[str]:
    names: set[str] = set()
    if isinstance(schema, dict):
        names |= {f["name"] for f in schema.get("fields", [])}
        for value in schema.values():
            names |= _field_names(value)
    elif isinstance(schema, list):
        for item in schema:
            names |= _field_names(item)
    return names


@pytest.mark.parametrize("path", AVRO_FILES, ids=[p.name for p in AVRO_FILES])
def test_every_example_schema_renders(path: Path) -> None:
    schema = json.loads(path.read_text())
    idl = render_idl(path.read_text())
    assert idl.count("{") == idl.count("}")
    if isinstance(schema, dict) and schema.get("type") == "record":
        assert f"protocol {schema['name']} {{" in idl
        assert f"record {schema['name']} {{" in idl
    for name in _field_names(schema):
        assert re.search(rf"\s`?{name}`?( = .*)?;", idl), (name, idl)


def test_order_uses_idl_keywords_defaults_and_enums() -> None:
    idl = render_idl((EXAMPLES[0] / "schemas" / "order.v3.avsc").read_text())
    assert idl == (
        '@namespace("com.acme.orders")\n'
        "protocol Order {\n"
        "  enum OrderStatus { PLACED, PAID, SHIPPED, UNKNOWN } = UNKNOWN;\n"
        "  record Order {\n"
        "    string order_id;\n"
        "    string customer_id;\n"
        "    long total_cents;\n"
        '    string currency = "EUR";\n'
        "    union { null, timestamp_ms } placed_at = null;\n"
        '    OrderStatus status = "PLACED";\n'
        "  }\n"
        "}\n"
    )


def test_constructs() -> None:
    schema = {
        "type": "record",
        "name": "Event",
        "namespace": "a.b",
        "doc": "An event.",
        "aliases": ["Old"],
        "fields": [
            {"name": "record", "type": "string", "doc": "reserved word"},
            {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []},
            {"name": "counts", "type": {"type": "map", "values": "long"}},
            {"name": "hash", "type": {"type": "fixed", "name": "MD5", "size": 16}},
            {"name": "price", "type": {"type": "bytes", "logicalType": "decimal",
                                       "precision": 9, "scale": 2}},
            {"name": "at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
            {"name": "other", "type": {"type": "record", "name": "Other", "namespace": "c",
                                       "fields": [{"name": "x", "type": "int"}]}},
            {"name": "again", "type": "c.Other", "order": "descending", "aliases": ["o"]},
            {"name": "next", "type": ["null", "Event"], "default": None},
        ],
    }  # fmt: skip
    idl = render_idl(json.dumps(schema))
    assert idl.startswith('@namespace("a.b")\nprotocol Event {\n')
    assert "  fixed MD5(16);" in idl
    assert '  @namespace("c") record Other {\n    int x;\n  }' in idl
    assert '  /** An event. */\n  @aliases(["Old"]) record Event {' in idl
    assert "    /** reserved word */\n    string `record`;" in idl
    assert "    array<string> tags = [];" in idl
    assert "    map<long> counts;" in idl
    assert "    decimal(9,2) price;" in idl
    assert '    @logicalType("timestamp-micros") long at;' in idl
    assert '    c.Other @order("descending") @aliases(["o"]) again;' in idl
    assert "    union { null, Event } next = null;" in idl
    # Named types come before the record that uses them.
    assert idl.index("fixed MD5") < idl.index("record Event")


def test_export_avro_idl_imports_referenced_types(
    registries: Registries, copy_example: Callable[[Path], Path], tmp_path: Path
) -> None:
    env = {"SR_URL": registries.start("source")}
    root = copy_example(EXAMPLES[0])
    with_registry(root, "test", "SR_URL")
    assert cli("apply", root, "--auto-approve", env=env).exit_code == 0
    out = tmp_path / "idl"
    result = cli("export", root, "--format", "avro-idl", "--history", "--out", out, env=env)
    assert result.exit_code == 0, output(result)
    payment = (out / "default" / "payments-value.v2.avdl").read_text()
    assert 'import idl "money-value.v1.avdl";' in payment
    assert "    Money amount;" in payment
    assert (out / "default" / "money-value.v1.avdl").is_file()
