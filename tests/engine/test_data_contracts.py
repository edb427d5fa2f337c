"""Data contracts: part of a version's identity, compared as the registry stores them."""

from __future__ import annotations

from .conftest import Workspace, avro_record, steps

V1 = avro_record("Order", '{"name": "id", "type": "string"}')
V2 = avro_record(
    "Order",
    '{"name": "id", "type": "string"}',
    '{"name": "note", "type": ["null", "string"], "default": null}',
)
CONTRACT = """\
    metadata:
      tags: {}
      properties: {owner: team-a}
      sensitive: [ssn, ssn]
    rule_set:
      domainRules:
        - {name: checkId, type: CEL, expr: "message.id != ''"}
"""


def _spec(ws: Workspace, schema: str, contract: str = "") -> None:
    ws.write("schemas/order.avsc", schema)
    ws.write(
        "specs/main.yaml",
        "subjects:\n  orders-value:\n    schema: ../schemas/order.avsc\n" + contract,
    )


def test_a_contract_written_loosely_converges(ws: Workspace) -> None:
    _spec(ws, V1, CONTRACT)
    first, results, after = ws.apply()
    assert steps(first) == [("register", "orders-value", "1")]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors, after.to_json()
    live = ws.registry.get("/subjects/orders-value/versions/1").json()
    assert live["metadata"]["properties"]["owner"] == "team-a"
    assert live["ruleSet"]["domainRules"][0]["mode"] == "WRITEREAD"


def test_a_version_without_a_contract_inherits_it(ws: Workspace) -> None:
    _spec(ws, V1, CONTRACT)
    ws.apply()
    _spec(ws, V2)
    first, results, after = ws.apply()
    assert steps(first) == [("register", "orders-value", "2")]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors, after.to_json()
    live = ws.registry.get("/subjects/orders-value/versions/2").json()
    assert live["metadata"]["properties"]["owner"] == "team-a"


def test_a_contract_change_is_a_registration(ws: Workspace) -> None:
    _spec(ws, V1, CONTRACT)
    ws.apply()
    _spec(ws, V1, CONTRACT.replace("team-a", "team-b"))
    first, results, after = ws.apply()
    assert steps(first) == [("register", "orders-value", "2")]
    assert first.actions[0].reason == "references, metadata or rules change"
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors, after.to_json()


def test_an_empty_contract_drops_an_inherited_one(ws: Workspace) -> None:
    _spec(ws, V1, CONTRACT)
    ws.apply()
    _spec(ws, V1, "    metadata: {}\n")
    first, results, after = ws.apply()
    assert steps(first) == [("register", "orders-value", "2")]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors, after.to_json()
