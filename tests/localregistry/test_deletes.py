"""Soft and permanent deletes of versions and subjects, and their error codes."""

from __future__ import annotations

import httpx

from .helpers import avro_record, error_code, register

V1 = avro_record("User", ("name", "string"))
V2 = avro_record("User", ("name", "string"), ("age", "int", 0))


def test_soft_delete_version_hides_it(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    register(sr, "users-value", V2)
    response = sr.delete("/subjects/users-value/versions/1")
    assert response.status_code == 200
    assert response.json() == 1
    assert sr.get("/subjects/users-value/versions").json() == [2]
    assert sr.get("/subjects/users-value/versions", params={"deleted": "true"}).json() == [1, 2]
    assert sr.get("/subjects/users-value/versions", params={"deletedOnly": "true"}).json() == [1]
    assert error_code(sr.get("/subjects/users-value/versions/1")) == 40402
    deleted = sr.get("/subjects/users-value/versions/1", params={"deleted": "true"})
    assert deleted.json()["version"] == 1


def test_deleting_latest_deletes_the_latest_live_version(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    register(sr, "users-value", V2)
    assert sr.delete("/subjects/users-value/versions/latest").json() == 2
    assert sr.get("/subjects/users-value/versions/latest").json()["version"] == 1


def test_soft_deleting_twice_is_40406(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    register(sr, "users-value", V2)
    sr.delete("/subjects/users-value/versions/1")
    response = sr.delete("/subjects/users-value/versions/1")
    assert response.status_code == 404
    assert error_code(response) == 40406


def test_permanent_delete_needs_a_soft_delete_first_40407(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    response = sr.delete("/subjects/users-value/versions/1", params={"permanent": "true"})
    assert response.status_code == 404
    assert error_code(response) == 40407


def test_permanent_delete_removes_the_version(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    register(sr, "users-value", V2)
    sr.delete("/subjects/users-value/versions/1")
    response = sr.delete("/subjects/users-value/versions/1", params={"permanent": "true"})
    assert response.json() == 1
    assert sr.get("/subjects/users-value/versions", params={"deleted": "true"}).json() == [2]
    # no version uses schema 1 any more: it is gone
    assert error_code(sr.get("/schemas/ids/1")) == 40403


def test_soft_deleted_versions_keep_their_schema_readable_by_id(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    sr.delete("/subjects/users-value")
    assert sr.get("/schemas/ids/1").status_code == 200


def test_delete_version_of_unknown_subject_or_version(sr: httpx.Client) -> None:
    assert error_code(sr.delete("/subjects/nope/versions/1")) == 40401
    register(sr, "users-value", V1)
    assert error_code(sr.delete("/subjects/users-value/versions/5")) == 40402
    assert error_code(sr.delete("/subjects/users-value/versions/x")) == 42202


def test_soft_delete_subject_returns_versions(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    register(sr, "users-value", V2)
    response = sr.delete("/subjects/users-value")
    assert response.status_code == 200
    assert response.json() == [1, 2]
    assert sr.get("/subjects").json() == []
    assert error_code(sr.get("/subjects/users-value/versions")) == 40401


def test_soft_deleting_a_deleted_subject_is_40404(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    sr.delete("/subjects/users-value")
    response = sr.delete("/subjects/users-value")
    assert response.status_code == 404
    assert error_code(response) == 40404


def test_permanent_subject_delete_needs_soft_delete_first_40405(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    response = sr.delete("/subjects/users-value", params={"permanent": "true"})
    assert response.status_code == 404
    assert error_code(response) == 40405


def test_permanent_subject_delete(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    register(sr, "users-value", V2)
    sr.delete("/subjects/users-value/versions/1")
    sr.delete("/subjects/users-value")
    response = sr.delete("/subjects/users-value", params={"permanent": "true"})
    assert response.json() == [1, 2]
    assert sr.get("/subjects", params={"deleted": "true"}).json() == []
    assert error_code(sr.delete("/subjects/users-value")) == 40401


def test_delete_unknown_subject_is_40401(sr: httpx.Client) -> None:
    for params in ({}, {"permanent": "true"}):
        response = sr.delete("/subjects/nope", params=params)
        assert response.status_code == 404
        assert error_code(response) == 40401


def test_soft_deleted_version_numbers_are_not_reused(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    register(sr, "users-value", V2)
    sr.delete("/subjects/users-value/versions/2")
    third = avro_record("User", ("name", "string"), ("email", "string", ""))
    register(sr, "users-value", third)
    assert sr.get("/subjects/users-value/versions").json() == [1, 3]


def test_reregistering_a_soft_deleted_schema_gets_a_new_version_same_id(sr: httpx.Client) -> None:
    first = register(sr, "users-value", V1)["id"]
    register(sr, "users-value", V2)
    sr.delete("/subjects/users-value/versions/1")
    again = register(sr, "users-value", V1)["id"]
    assert again == first
    assert sr.get("/subjects/users-value/versions").json() == [2, 3]
    # Confluent drops the older soft-deleted version carrying the same ID
    assert sr.get("/subjects/users-value/versions", params={"deleted": "true"}).json() == [2, 3]


def test_subject_registers_again_after_soft_delete(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    sr.delete("/subjects/users-value")
    register(sr, "users-value", V2)
    assert sr.get("/subjects/users-value/versions").json() == [2]


def test_ids_are_not_reused_after_a_permanent_delete(sr: httpx.Client) -> None:
    register(sr, "a-value", V1)
    sr.delete("/subjects/a-value")
    sr.delete("/subjects/a-value", params={"permanent": "true"})
    other = avro_record("Other", ("x", "int"))
    assert register(sr, "b-value", other)["id"] == 2


def test_reregistering_the_only_soft_deleted_version(sr: httpx.Client) -> None:
    schema_id = register(sr, "users-value", V1)["id"]
    sr.delete("/subjects/users-value")
    assert register(sr, "users-value", V1)["id"] == schema_id
    assert sr.get("/subjects/users-value/versions", params={"deleted": "true"}).json() == [2]
    assert sr.get(f"/schemas/ids/{schema_id}").status_code == 200
    assert [s["version"] for s in sr.get("/schemas").json()] == [2]
