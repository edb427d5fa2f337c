"""Subjects: listing, lookup (POST /subjects/{s}), prefixes and deleted filters."""

from __future__ import annotations

import httpx

from .helpers import avro_record, error_code, register

USER = avro_record("User", ("name", "string"))


def test_empty_registry_lists_no_subjects(sr: httpx.Client) -> None:
    response = sr.get("/subjects")
    assert response.status_code == 200
    assert response.json() == []
    assert response.headers["content-type"].startswith("application/vnd.schemaregistry.v1+json")


def test_subjects_are_listed_sorted(sr: httpx.Client) -> None:
    for name in ("b-value", "a-value", "c-key"):
        register(sr, name, USER)
    assert sr.get("/subjects").json() == ["a-value", "b-value", "c-key"]


def test_subject_prefix_filters(sr: httpx.Client) -> None:
    for name in ("orders-value", "orders-key", "payments-value"):
        register(sr, name, USER)
    assert sr.get("/subjects", params={"subjectPrefix": "orders"}).json() == [
        "orders-key",
        "orders-value",
    ]


def test_offset_and_limit_page_subjects(sr: httpx.Client) -> None:
    for name in ("a", "b", "c", "d"):
        register(sr, name, USER)
    assert sr.get("/subjects", params={"offset": 1, "limit": 2}).json() == ["b", "c"]


def test_soft_deleted_subjects_only_with_deleted(sr: httpx.Client) -> None:
    register(sr, "kept", USER)
    register(sr, "gone", USER)
    assert sr.delete("/subjects/gone").json() == [1]
    assert sr.get("/subjects").json() == ["kept"]
    assert sr.get("/subjects", params={"deleted": "true"}).json() == ["gone", "kept"]
    assert sr.get("/subjects", params={"deletedOnly": "true"}).json() == ["gone"]


def test_lookup_returns_the_registered_version(sr: httpx.Client) -> None:
    schema_id = register(sr, "users-value", USER)["id"]
    spaced = USER.replace(",", ", ")
    response = sr.post("/subjects/users-value", json={"schema": spaced})
    assert response.status_code == 200
    body = response.json()
    assert body["subject"] == "users-value"
    assert body["version"] == 1
    assert body["id"] == schema_id
    assert "schemaType" not in body  # AVRO is left out, as Confluent does


def test_lookup_of_unknown_subject_is_40401(sr: httpx.Client) -> None:
    response = sr.post("/subjects/nope", json={"schema": USER})
    assert response.status_code == 404
    assert error_code(response) == 40401


def test_lookup_of_unregistered_schema_is_40403(sr: httpx.Client) -> None:
    register(sr, "users-value", USER)
    other = avro_record("Other", ("x", "int"))
    response = sr.post("/subjects/users-value", json={"schema": other})
    assert response.status_code == 404
    assert error_code(response) == 40403


def test_lookup_of_invalid_schema_is_42201(sr: httpx.Client) -> None:
    register(sr, "users-value", USER)
    response = sr.post("/subjects/users-value", json={"schema": "{not json"})
    assert response.status_code == 422
    assert error_code(response) == 42201


def test_lookup_finds_soft_deleted_only_with_deleted(sr: httpx.Client) -> None:
    register(sr, "users-value", USER)
    register(sr, "users-value", avro_record("User", ("name", "string"), ("age", "int", 0)))
    sr.delete("/subjects/users-value/versions/1")
    assert error_code(sr.post("/subjects/users-value", json={"schema": USER})) == 40403
    response = sr.post("/subjects/users-value", params={"deleted": "true"}, json={"schema": USER})
    assert response.status_code == 200
    assert response.json()["version"] == 1


def test_lookup_with_normalize_matches_a_reordered_schema(sr: httpx.Client) -> None:
    response = sr.post(
        "/subjects/users-value/versions", params={"normalize": "true"}, json={"schema": USER}
    )
    assert response.status_code == 200
    reordered = '{"fields": [{"type": "string", "name": "name"}], "name": "User", "type": "record"}'
    found = sr.post(
        "/subjects/users-value", params={"normalize": "true"}, json={"schema": reordered}
    )
    assert found.status_code == 200, found.text
    assert found.json()["id"] == response.json()["id"]
