"""References: registration with references, /referencedby, refusal to delete referenced."""

from __future__ import annotations

import json

import httpx

from .helpers import error_code, register

ADDRESS = json.dumps(
    {
        "type": "record",
        "name": "Address",
        "namespace": "com.acme",
        "fields": [{"name": "street", "type": "string"}],
    }
)
ORDER = json.dumps(
    {
        "type": "record",
        "name": "Order",
        "namespace": "com.acme",
        "fields": [{"name": "ship_to", "type": "com.acme.Address"}],
    }
)
ADDRESS_REF = {"name": "com.acme.Address", "subject": "address-value", "version": 1}


def _with_address(sr: httpx.Client) -> int:
    """Register Address, then Order referencing it; the ID of Order."""
    register(sr, "address-value", ADDRESS)
    return int(register(sr, "orders-value", ORDER, references=[ADDRESS_REF])["id"])


def test_register_with_a_reference(sr: httpx.Client) -> None:
    order_id = _with_address(sr)
    body = sr.get("/subjects/orders-value/versions/1").json()
    assert body["id"] == order_id
    assert body["references"] == [ADDRESS_REF]
    # written by name (short in its namespace, as Java's printer does), not inlined
    assert json.loads(body["schema"])["fields"] == [{"name": "ship_to", "type": "Address"}]
    by_id = sr.get(f"/schemas/ids/{order_id}").json()
    assert by_id["references"] == [ADDRESS_REF]


def test_unresolvable_reference_is_42201(sr: httpx.Client) -> None:
    response = sr.post(
        "/subjects/orders-value/versions",
        json={"schema": ORDER, "references": [ADDRESS_REF]},
    )
    assert response.status_code == 422
    assert error_code(response) == 42201


def test_missing_reference_makes_the_schema_invalid(sr: httpx.Client) -> None:
    register(sr, "address-value", ADDRESS)
    response = sr.post("/subjects/orders-value/versions", json={"schema": ORDER})
    assert error_code(response) == 42201


def test_referenced_by_lists_referrer_ids(sr: httpx.Client) -> None:
    order_id = _with_address(sr)
    assert sr.get("/subjects/address-value/versions/1/referencedby").json() == [order_id]
    assert sr.get("/subjects/address-value/versions/latest/referencedby").json() == [order_id]
    assert sr.get("/subjects/orders-value/versions/1/referencedby").json() == []


def test_referenced_version_cannot_be_deleted_42206(sr: httpx.Client) -> None:
    _with_address(sr)
    for path in ("/subjects/address-value/versions/1", "/subjects/address-value"):
        response = sr.delete(path)
        assert response.status_code == 422
        assert error_code(response) == 42206


def test_soft_deleted_referrer_releases_the_reference(sr: httpx.Client) -> None:
    _with_address(sr)
    sr.delete("/subjects/orders-value")
    assert sr.get("/subjects/address-value/versions/1/referencedby").json() == []
    assert sr.delete("/subjects/address-value").json() == [1]


def test_same_text_with_other_references_is_another_schema(sr: httpx.Client) -> None:
    first = _with_address(sr)
    v2 = json.dumps(
        {
            "type": "record",
            "name": "Address",
            "namespace": "com.acme",
            "fields": [
                {"name": "street", "type": "string"},
                {"name": "city", "type": "string", "default": ""},
            ],
        }
    )
    register(sr, "address-value", v2)
    second = register(sr, "orders2-value", ORDER, references=[{**ADDRESS_REF, "version": 2}])["id"]
    assert second != first
    again = register(sr, "orders3-value", ORDER, references=[ADDRESS_REF])["id"]
    assert again == first


def test_lookup_with_references(sr: httpx.Client) -> None:
    order_id = _with_address(sr)
    found = sr.post("/subjects/orders-value", json={"schema": ORDER, "references": [ADDRESS_REF]})
    assert found.status_code == 200
    assert found.json()["id"] == order_id


def test_json_schema_reference(sr: httpx.Client) -> None:
    address = json.dumps({"type": "object", "properties": {"street": {"type": "string"}}})
    order = json.dumps({"type": "object", "properties": {"ship_to": {"$ref": "address.json"}}})
    register(sr, "address-json", address, schemaType="JSON")
    ref = {"name": "address.json", "subject": "address-json", "version": 1}
    order_id = register(sr, "order-json", order, schemaType="JSON", references=[ref])["id"]
    body = sr.get("/subjects/order-json/versions/1").json()
    assert body["schemaType"] == "JSON"
    assert body["references"] == [ref]
    assert sr.get("/subjects/address-json/versions/1/referencedby").json() == [order_id]


def test_protobuf_import_reference(sr: httpx.Client) -> None:
    address = 'syntax = "proto3";\npackage acme;\nmessage Address { string street = 1; }\n'
    order = (
        'syntax = "proto3";\npackage acme;\nimport "acme/address.proto";\n'
        "message Order { acme.Address ship_to = 1; }\n"
    )
    register(sr, "address-proto", address, schemaType="PROTOBUF")
    ref = {"name": "acme/address.proto", "subject": "address-proto", "version": 1}
    order_id = register(sr, "order-proto", order, schemaType="PROTOBUF", references=[ref])["id"]
    body = sr.get(f"/schemas/ids/{order_id}").json()
    assert body["schemaType"] == "PROTOBUF"
    assert body["references"] == [ref]
    assert error_code(sr.delete("/subjects/address-proto")) == 42206
