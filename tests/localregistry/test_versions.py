"""Versions: registration, numbering, GET by version/latest, /schema and errors."""

from __future__ import annotations

import json

import httpx
import pytest

from .helpers import avro_record, error_code, register

V1 = avro_record("User", ("name", "string"))
V2 = avro_record("User", ("name", "string"), ("age", "int", 0))
V3 = avro_record("User", ("name", "string"), ("age", "int", 0), ("email", "string", ""))


def test_register_returns_only_the_id(sr: httpx.Client) -> None:
    assert register(sr, "users-value", V1) == {"id": 1}


def test_versions_are_numbered_from_one(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    register(sr, "users-value", V2)
    register(sr, "users-value", V3)
    assert sr.get("/subjects/users-value/versions").json() == [1, 2, 3]


def test_registering_the_same_schema_again_is_idempotent(sr: httpx.Client) -> None:
    first = register(sr, "users-value", V1)
    again = register(sr, "users-value", json.dumps(json.loads(V1), indent=2))
    assert again == first
    assert sr.get("/subjects/users-value/versions").json() == [1]


def test_get_version_returns_confluent_schema_entity(sr: httpx.Client) -> None:
    schema_id = register(sr, "users-value", V1)["id"]
    body = sr.get("/subjects/users-value/versions/1").json()
    assert body == {
        "subject": "users-value",
        "version": 1,
        "id": schema_id,
        "schema": body["schema"],
    }
    assert json.loads(body["schema"]) == json.loads(V1)


@pytest.mark.parametrize("latest", ["latest", "-1"])
def test_latest_is_the_highest_live_version(sr: httpx.Client, latest: str) -> None:
    register(sr, "users-value", V1)
    register(sr, "users-value", V2)
    assert sr.get(f"/subjects/users-value/versions/{latest}").json()["version"] == 2


def test_version_schema_returns_the_raw_schema_string(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    response = sr.get("/subjects/users-value/versions/1/schema")
    assert response.status_code == 200
    assert json.loads(response.text) == json.loads(V1)


def test_unknown_subject_is_40401(sr: httpx.Client) -> None:
    for path in ("/subjects/nope/versions", "/subjects/nope/versions/1"):
        response = sr.get(path)
        assert response.status_code == 404
        assert error_code(response) == 40401


def test_unknown_version_is_40402(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    response = sr.get("/subjects/users-value/versions/7")
    assert response.status_code == 404
    assert error_code(response) == 40402


@pytest.mark.parametrize("version", ["0", "-2", "abc", "2147483648", "1.5"])
def test_invalid_version_is_42202(sr: httpx.Client, version: str) -> None:
    register(sr, "users-value", V1)
    response = sr.get(f"/subjects/users-value/versions/{version}")
    assert response.status_code == 422
    assert error_code(response) == 42202


def test_invalid_schema_is_42201(sr: httpx.Client) -> None:
    for schema in ("{not json", '{"type": "record", "name": "X"}', '{"type": "nope"}'):
        response = sr.post("/subjects/bad-value/versions", json={"schema": schema})
        assert response.status_code == 422, schema
        assert error_code(response) == 42201


def test_unknown_schema_type_is_42201(sr: httpx.Client) -> None:
    response = sr.post("/subjects/bad-value/versions", json={"schema": V1, "schemaType": "XML"})
    assert response.status_code == 422
    assert error_code(response) == 42201


def test_empty_schema_without_previous_version_is_42201(sr: httpx.Client) -> None:
    response = sr.post("/subjects/bad-value/versions", json={"schema": ""})
    assert response.status_code == 422
    assert error_code(response) == 42201


def test_incompatible_schema_is_409(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    response = sr.post(
        "/subjects/users-value/versions",
        json={"schema": avro_record("User", ("name", "int"))},
    )
    assert response.status_code == 409
    assert error_code(response) == 40901  # Errors.incompatibleSchemaException
    assert "incompatible" in response.json()["message"]


def test_subject_names_may_contain_encoded_slashes(sr: httpx.Client) -> None:
    register(sr, "team%2Fusers", V1)
    assert sr.get("/subjects").json() == ["team/users"]
    assert sr.get("/subjects/team%2Fusers/versions").json() == [1]


def test_version_must_be_one_more_than_the_latest(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    response = sr.post("/subjects/users-value/versions", json={"schema": V2, "version": 5})
    assert response.status_code == 422
    assert error_code(response) == 42201
    register(sr, "users-value", V2, version=2)
    assert sr.get("/subjects/users-value/versions").json() == [1, 2]
