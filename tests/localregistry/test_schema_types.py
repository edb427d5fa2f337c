"""JSON Schema and Protobuf subjects: validation, identity and compatibility."""

from __future__ import annotations

import json

import httpx

from .helpers import error_code, register

JSON_V1 = json.dumps(
    {"type": "object", "properties": {"name": {"type": "string"}}, "additionalProperties": False}
)
PROTO_V1 = 'syntax = "proto3";\npackage acme;\nmessage User { string name = 1; }\n'


def test_json_schema_registration(sr: httpx.Client) -> None:
    schema_id = register(sr, "users-json", JSON_V1, schemaType="JSON")["id"]
    body = sr.get("/subjects/users-json/versions/1").json()
    assert body["schemaType"] == "JSON"
    assert json.loads(body["schema"]) == json.loads(JSON_V1)
    spaced = json.dumps(json.loads(JSON_V1), indent=2)
    assert register(sr, "other-json", spaced, schemaType="JSON")["id"] == schema_id


def test_invalid_json_schema_is_42201(sr: httpx.Client) -> None:
    for text in ("{not json", json.dumps({"type": 12})):
        response = sr.post(
            "/subjects/bad-json/versions", json={"schema": text, "schemaType": "JSON"}
        )
        assert response.status_code == 422, text
        assert error_code(response) == 42201


def test_json_schema_incompatible_change_is_409(sr: httpx.Client) -> None:
    register(sr, "users-json", JSON_V1, schemaType="JSON")
    changed = json.dumps(
        {
            "type": "object",
            "properties": {"name": {"type": "integer"}},
            "additionalProperties": False,
        }
    )
    response = sr.post(
        "/subjects/users-json/versions", json={"schema": changed, "schemaType": "JSON"}
    )
    assert response.status_code == 409


def test_protobuf_registration(sr: httpx.Client) -> None:
    schema_id = register(sr, "users-proto", PROTO_V1, schemaType="PROTOBUF")["id"]
    body = sr.get(f"/schemas/ids/{schema_id}").json()
    assert body["schemaType"] == "PROTOBUF"
    assert "message User" in body["schema"]
    respaced = PROTO_V1.replace("{ string", "{\n  string")
    assert register(sr, "other-proto", respaced, schemaType="PROTOBUF")["id"] == schema_id


def test_invalid_protobuf_is_42201(sr: httpx.Client) -> None:
    response = sr.post(
        "/subjects/bad-proto/versions",
        json={"schema": "message {", "schemaType": "PROTOBUF"},
    )
    assert response.status_code == 422
    assert error_code(response) == 42201


def test_protobuf_incompatible_change_is_409(sr: httpx.Client) -> None:
    register(sr, "users-proto", PROTO_V1, schemaType="PROTOBUF")
    changed = 'syntax = "proto3";\npackage acme;\nmessage User { repeated int64 name = 1; }\n'
    response = sr.post(
        "/subjects/users-proto/versions", json={"schema": changed, "schemaType": "PROTOBUF"}
    )
    assert response.status_code == 409


def test_a_new_schema_type_in_a_subject_is_incompatible(sr: httpx.Client) -> None:
    register(sr, "mixed", PROTO_V1, schemaType="PROTOBUF")
    response = sr.post("/subjects/mixed/versions", json={"schema": '"string"'})
    assert response.status_code == 409
    assert "different schema type" in response.json()["message"]
