"""POST /compatibility/subjects/{s}/versions[/{v}] with verbose."""

from __future__ import annotations

import httpx

from .helpers import avro_record, error_code, register

V1 = avro_record("User", ("name", "string"))
V2_OK = avro_record("User", ("name", "string"), ("age", "int", 0))
V2_BAD = avro_record("User", ("name", "string"), ("age", "int"))


def test_compatible_against_latest(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    response = sr.post(
        "/compatibility/subjects/users-value/versions/latest", json={"schema": V2_OK}
    )
    assert response.status_code == 200
    assert response.json() == {"is_compatible": True}


def test_incompatible_against_a_version(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    response = sr.post("/compatibility/subjects/users-value/versions/1", json={"schema": V2_BAD})
    assert response.json() == {"is_compatible": False}


def test_verbose_lists_messages(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    response = sr.post(
        "/compatibility/subjects/users-value/versions/1",
        params={"verbose": "true"},
        json={"schema": V2_BAD},
    )
    body = response.json()
    assert body["is_compatible"] is False
    assert body["messages"] and all(isinstance(m, str) for m in body["messages"])
    ok = sr.post(
        "/compatibility/subjects/users-value/versions/1",
        params={"verbose": "true"},
        json={"schema": V2_OK},
    )
    assert ok.json() == {"is_compatible": True, "messages": []}


def test_against_all_versions_uses_the_level(sr: httpx.Client) -> None:
    sr.put("/config/users-value", json={"compatibility": "BACKWARD_TRANSITIVE"})
    register(sr, "users-value", avro_record("User", ("name", "string")))
    register(sr, "users-value", avro_record("User", ("name", "string"), ("age", "int", 0)))
    # drops the default of age: compatible with v1 (no age) only if age keeps a default
    candidate = avro_record("User", ("name", "string"), ("age", "int"))
    response = sr.post("/compatibility/subjects/users-value/versions", json={"schema": candidate})
    assert response.json() == {"is_compatible": False}


def test_missing_version_is_40402_even_without_the_subject(sr: httpx.Client) -> None:
    # Confluent's CompatibilityResource looks the version up directly, so an
    # unknown subject answers 40402 (its docs list 40401 too; the code never does).
    response = sr.post("/compatibility/subjects/nope/versions/1", json={"schema": V1})
    assert response.status_code == 404
    assert error_code(response) == 40402
    register(sr, "users-value", V1)
    response = sr.post("/compatibility/subjects/users-value/versions/9", json={"schema": V1})
    assert error_code(response) == 40402


def test_latest_of_a_missing_subject_is_compatible(sr: httpx.Client) -> None:
    for path in ("/versions/latest", "/versions"):
        response = sr.post(f"/compatibility/subjects/nope{path}", json={"schema": V1})
        assert response.json() == {"is_compatible": True}


def test_soft_deleted_versions_are_not_checked(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    register(sr, "users-value", V2_OK)
    sr.delete("/subjects/users-value/versions/1")
    response = sr.post("/compatibility/subjects/users-value/versions/1", json={"schema": V1})
    assert error_code(response) == 40402


def test_verbose_reports_an_invalid_schema_as_a_message(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    response = sr.post(
        "/compatibility/subjects/users-value/versions/latest",
        params={"verbose": "true"},
        json={"schema": "{oops"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["is_compatible"] is False
    assert len(body["messages"]) == 1


def test_invalid_version_and_schema(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    bad_version = sr.post("/compatibility/subjects/users-value/versions/zero", json={"schema": V1})
    assert error_code(bad_version) == 42202
    bad_schema = sr.post("/compatibility/subjects/users-value/versions/1", json={"schema": "{oops"})
    assert error_code(bad_schema) == 42201


def test_checking_writes_nothing(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    sr.post("/compatibility/subjects/users-value/versions/latest", json={"schema": V2_OK})
    assert sr.get("/subjects/users-value/versions").json() == [1]
