"""Each known difference from Confluent is pinned here (or by the test its row names).

docs/local-registry.md keeps the differences in one table whose last column
names the test pinning each row; the first test below holds the table to
that. A pinning test asserts what the local registry does, so that changing
it (towards Confluent or away) fails here and the table gets updated.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from .helpers import avro_record, error_code, register

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "local-registry.md"
V1 = avro_record("User", ("name", "string"))
V2 = avro_record("User", ("name", "int"))


def _table_rows() -> list[list[str]]:
    text = DOC.read_text()
    section = text.split("## Known differences from Confluent", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def test_every_difference_names_a_test_that_exists() -> None:
    rows = _table_rows()
    assert len(rows) >= 10, "the table of differences is missing"
    for row in rows:
        assert len(row) == 4 and row[2], f"row says not why it stays: {row[0]}"
        ids = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", row[-1])
        assert ids, f"row names no test: {row[0]}"
        for path, name in ids:
            source = ROOT / path
            assert source.is_file(), path
            assert re.search(rf"^def {name}\(", source.read_text(), re.M), f"{path}::{name}"


def test_schemas_are_listed_in_id_order(sr: httpx.Client) -> None:
    register(sr, "b-value", V1)
    register(sr, "a-value", avro_record("Order", ("id", "long")))
    listed = [(s["subject"], s["id"]) for s in sr.get("/schemas").json()]
    assert listed == [("b-value", 1), ("a-value", 2)]  # Confluent: a-value first


def test_the_forward_mode_is_not_implemented(sr: httpx.Client) -> None:
    refused = sr.put("/mode/:.__GLOBAL:", json={"mode": "FORWARD"})
    assert error_code(refused) == 42204
    # Confluent: "Invalid mode. Valid values are READWRITE, READONLY, IMPORT and FORWARD."
    assert refused.json()["message"] == (
        "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, and IMPORT."
    )


def test_not_implemented_endpoints_are_404(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    assert sr.get("/subjects/users-value/metadata").status_code == 404
    assert sr.delete("/contexts/.ctx").status_code == 404
    assert sr.get("/exporters").status_code == 404
    assert sr.get("/dek-registry/v1/keks").status_code == 404


def test_a_config_body_without_a_known_field_is_42203(sr: httpx.Client) -> None:
    assert error_code(sr.put("/config", json={"alias": "x"})) == 42203
    assert error_code(sr.put("/config", json={})) == 42203


def test_a_schema_with_inlined_references_is_not_found_by_lookup(sr: httpx.Client) -> None:
    inner = avro_record("Inner", ("x", "int"))
    register(sr, "inner-value", inner)
    outer = json.dumps(
        {"type": "record", "name": "Outer", "fields": [{"name": "i", "type": "Inner"}]}
    )
    references = [{"name": "Inner", "subject": "inner-value", "version": 1}]
    register(sr, "outer-value", outer, references=references)
    inlined = json.dumps(
        {"type": "record", "name": "Outer", "fields": [{"name": "i", "type": json.loads(inner)}]}
    )
    found = sr.post("/subjects/outer-value", json={"schema": inlined})
    assert error_code(found) == 40403  # Confluent finds version 1


def test_a_schema_registered_again_after_a_permanent_delete_gets_a_new_id(
    sr: httpx.Client,
) -> None:
    assert register(sr, "users-value", V1)["id"] == 1
    sr.delete("/subjects/users-value")
    sr.delete("/subjects/users-value", params={"permanent": "true"})
    assert register(sr, "users-value", V1)["id"] == 2  # Confluent may answer 1


def test_compatibility_messages_have_confluents_shape_in_our_words(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    answer = sr.post(
        "/compatibility/subjects/users-value/versions/latest",
        params={"verbose": "true"},
        json={"schema": V2},
    ).json()
    assert answer["messages"] == [
        "{errorType:'TYPE_MISMATCH', description:'the reader's type int cannot read the "
        "writer's type string', additionalInfo:'/fields/0/type'}",
        "{validateFields: 'false', compatibility: 'BACKWARD'}",
    ]


def test_an_invalid_schema_message_carries_our_reason(sr: httpx.Client) -> None:
    refused = sr.post("/subjects/bad/versions", json={"schema": '{"type":"record","name":"R"}'})
    assert error_code(refused) == 42201
    assert refused.json()["message"] == (
        'Invalid schema {"type":"record","name":"R"} with refs [] of type AVRO, details: '
        "invalid Avro schema: Record schema requires a non-empty fields property."
    )
