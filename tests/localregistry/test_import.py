"""IMPORT mode: explicit IDs and versions, the empty-subject rule and force."""

from __future__ import annotations

import httpx

from .helpers import avro_record, error_code, register

V1 = avro_record("User", ("name", "string"))
V2 = avro_record("User", ("name", "string"), ("age", "int", 0))
INCOMPATIBLE = avro_record("User", ("name", "int"))


def test_import_keeps_ids_and_versions(sr: httpx.Client) -> None:
    assert sr.put("/mode", json={"mode": "IMPORT"}).json() == {"mode": "IMPORT"}
    assert register(sr, "users-value", V1, id=101, version=3) == {"id": 101}
    assert register(sr, "users-value", V2, id=117, version=7) == {"id": 117}
    assert sr.get("/subjects/users-value/versions").json() == [3, 7]
    body = sr.get("/subjects/users-value/versions/7").json()
    assert (body["id"], body["version"]) == (117, 7)
    assert sr.get("/schemas/ids/101").status_code == 200


def test_import_skips_compatibility_checks(sr: httpx.Client) -> None:
    sr.put("/mode", json={"mode": "IMPORT"})
    register(sr, "users-value", V1, id=1, version=1)
    register(sr, "users-value", INCOMPATIBLE, id=2, version=2)


def test_import_without_id_is_refused(sr: httpx.Client) -> None:
    sr.put("/mode", json={"mode": "IMPORT"})
    response = sr.post("/subjects/users-value/versions", json={"schema": V1})
    assert response.status_code == 422
    assert error_code(response) == 42205


def test_explicit_id_outside_import_mode_is_refused(sr: httpx.Client) -> None:
    response = sr.post("/subjects/users-value/versions", json={"schema": V1, "id": 5})
    assert response.status_code == 422
    assert error_code(response) == 42205


def test_id_taken_by_another_schema_is_refused(sr: httpx.Client) -> None:
    sr.put("/mode", json={"mode": "IMPORT"})
    register(sr, "a-value", V1, id=10, version=1)
    response = sr.post(
        "/subjects/b-value/versions",
        json={"schema": avro_record("Other", ("x", "int")), "id": 10, "version": 1},
    )
    assert response.status_code == 422
    assert error_code(response) == 42205


def test_same_schema_same_id_in_another_subject(sr: httpx.Client) -> None:
    sr.put("/mode", json={"mode": "IMPORT"})
    register(sr, "a-value", V1, id=10, version=1)
    assert register(sr, "b-value", V1, id=10, version=4) == {"id": 10}
    assert sr.get("/schemas/ids/10/versions").json() == [
        {"subject": "a-value", "version": 1},
        {"subject": "b-value", "version": 4},
    ]


def test_ids_continue_after_the_highest_imported_id(sr: httpx.Client) -> None:
    sr.put("/mode", json={"mode": "IMPORT"})
    register(sr, "a-value", V1, id=50, version=1)
    sr.put("/mode", json={"mode": "READWRITE"})
    assert register(sr, "b-value", avro_record("Other", ("x", "int"))) == {"id": 51}


def test_import_is_idempotent(sr: httpx.Client) -> None:
    sr.put("/mode", json={"mode": "IMPORT"})
    register(sr, "a-value", V1, id=7, version=1)
    assert register(sr, "a-value", V1, id=7) == {"id": 7}
    assert sr.get("/subjects/a-value/versions").json() == [1]


def test_global_import_refused_while_subjects_exist(sr: httpx.Client) -> None:
    register(sr, "a-value", V1)
    response = sr.put("/mode", json={"mode": "IMPORT"})
    assert response.status_code == 422
    assert error_code(response) == 42205
    assert sr.get("/mode").json() == {"mode": "READWRITE"}


def test_force_allows_import_on_a_non_empty_registry(sr: httpx.Client) -> None:
    register(sr, "a-value", V1)
    response = sr.put("/mode", params={"force": "true"}, json={"mode": "IMPORT"})
    assert response.json() == {"mode": "IMPORT"}
    assert sr.get("/subjects").json() == ["a-value"]


def test_subject_import_refused_when_that_subject_has_versions(sr: httpx.Client) -> None:
    register(sr, "a-value", V1)
    assert error_code(sr.put("/mode/a-value", json={"mode": "IMPORT"})) == 42205
    # another, empty subject can be switched while a-value exists
    assert sr.put("/mode/b-value", json={"mode": "IMPORT"}).json() == {"mode": "IMPORT"}
    assert register(sr, "b-value", V2, id=99, version=1) == {"id": 99}


def test_switching_to_import_purges_soft_deleted_versions(sr: httpx.Client) -> None:
    register(sr, "a-value", V1)
    sr.delete("/subjects/a-value")
    assert sr.put("/mode/a-value", json={"mode": "IMPORT"}).json() == {"mode": "IMPORT"}
    assert sr.get("/subjects", params={"deleted": "true"}).json() == []


def test_import_overwrites_an_existing_version(sr: httpx.Client) -> None:
    sr.put("/mode", json={"mode": "IMPORT"})
    register(sr, "a-value", V1, id=1, version=1)
    register(sr, "a-value", V2, id=2, version=1)
    assert sr.get("/subjects/a-value/versions/1").json()["id"] == 2


def test_an_overwritten_version_leaves_neither_its_schema_nor_its_references(
    sr: httpx.Client,
) -> None:
    """Only a version above every existing one skips the replacement's clean-up
    (``insert_version(new=True)``); an overwrite still does it."""
    sr.put("/mode", json={"mode": "IMPORT"})
    register(sr, "base-value", V1, id=1, version=1)
    holder = avro_record("Holder", ("user", "User"))
    refs = [{"name": "User", "subject": "base-value", "version": 1}]
    register(sr, "a-value", holder, id=2, version=1, references=refs)
    assert sr.get("/subjects/base-value/versions/1/referencedby").json() == [2]
    register(sr, "a-value", V2, id=3, version=1)
    assert sr.get("/subjects/base-value/versions/1/referencedby").json() == []
    assert sr.get("/schemas/ids/2").status_code == 404
