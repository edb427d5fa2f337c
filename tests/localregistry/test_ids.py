"""Schema IDs: global within a context, reused for identical schemas, /schemas/ids/*."""

from __future__ import annotations

import json

import httpx

from .helpers import avro_record, error_code, register

USER = avro_record("User", ("name", "string"))
ORDER = avro_record("Order", ("id", "long"))


def test_same_schema_in_two_subjects_gets_the_same_id(sr: httpx.Client) -> None:
    first = register(sr, "a-value", USER)["id"]
    second = register(sr, "b-value", USER)["id"]
    assert first == second
    assert sr.get("/subjects/b-value/versions/1").json()["id"] == first


def test_different_schemas_get_increasing_ids(sr: httpx.Client) -> None:
    first = register(sr, "a-value", USER)["id"]
    second = register(sr, "b-value", ORDER)["id"]
    assert second > first


def test_whitespace_does_not_change_the_id(sr: httpx.Client) -> None:
    first = register(sr, "a-value", USER)["id"]
    second = register(sr, "b-value", json.dumps(json.loads(USER), indent=4))["id"]
    assert first == second


def test_doc_change_gets_a_new_id(sr: httpx.Client) -> None:
    documented = json.loads(USER)
    documented["doc"] = "a user"
    first = register(sr, "a-value", USER)["id"]
    second = register(sr, "b-value", json.dumps(documented))["id"]
    assert first != second


def test_schema_by_id(sr: httpx.Client) -> None:
    schema_id = register(sr, "a-value", USER)["id"]
    body = sr.get(f"/schemas/ids/{schema_id}").json()
    assert set(body) == {"schema"}
    assert json.loads(body["schema"]) == json.loads(USER)
    raw = sr.get(f"/schemas/ids/{schema_id}/schema")
    assert json.loads(raw.text) == json.loads(USER)


def test_fetch_max_id(sr: httpx.Client) -> None:
    register(sr, "a-value", USER)
    register(sr, "b-value", ORDER)
    body = sr.get("/schemas/ids/1", params={"fetchMaxId": "true"}).json()
    assert body["maxId"] == 2


def test_unknown_id_is_40403(sr: httpx.Client) -> None:
    for path in ("/schemas/ids/99", "/schemas/ids/99/schema", "/schemas/ids/99/subjects"):
        response = sr.get(path)
        assert response.status_code == 404
        assert error_code(response) == 40403


def test_subjects_and_versions_of_an_id(sr: httpx.Client) -> None:
    register(sr, "b-value", USER)
    register(sr, "a-value", ORDER)
    register(sr, "c-value", USER)
    assert sr.get("/schemas/ids/1/subjects").json() == ["b-value", "c-value"]
    assert sr.get("/schemas/ids/1/versions").json() == [
        {"subject": "b-value", "version": 1},
        {"subject": "c-value", "version": 1},
    ]


def test_soft_deleted_versions_hidden_from_id_listings_unless_deleted(sr: httpx.Client) -> None:
    register(sr, "a-value", USER)
    register(sr, "b-value", USER)
    sr.delete("/subjects/a-value")
    assert sr.get("/schemas/ids/1/subjects").json() == ["b-value"]
    assert sr.get("/schemas/ids/1/subjects", params={"deleted": "true"}).json() == [
        "a-value",
        "b-value",
    ]
    # the schema itself stays readable by id
    assert sr.get("/schemas/ids/1").status_code == 200


def test_schema_types(sr: httpx.Client) -> None:
    assert sorted(sr.get("/schemas/types").json()) == ["AVRO", "JSON", "PROTOBUF"]


def test_list_schemas_with_filters(sr: httpx.Client) -> None:
    register(sr, "a-value", USER)
    register(sr, "a-value", avro_record("User", ("name", "string"), ("age", "int", 0)))
    register(sr, "b-value", ORDER)
    every = sr.get("/schemas").json()
    assert [(s["subject"], s["version"], s["id"]) for s in every] == [
        ("a-value", 1, 1),
        ("a-value", 2, 2),
        ("b-value", 1, 3),
    ]
    latest = sr.get("/schemas", params={"latestOnly": "true"}).json()
    assert [(s["subject"], s["version"]) for s in latest] == [("a-value", 2), ("b-value", 1)]
    prefixed = sr.get("/schemas", params={"subjectPrefix": "b"}).json()
    assert [s["subject"] for s in prefixed] == ["b-value"]
    page = sr.get("/schemas", params={"offset": 1, "limit": 1}).json()
    assert [(s["subject"], s["version"]) for s in page] == [("a-value", 2)]


def test_list_schemas_deleted(sr: httpx.Client) -> None:
    register(sr, "a-value", USER)
    register(sr, "b-value", ORDER)
    sr.delete("/subjects/a-value")
    assert [s["subject"] for s in sr.get("/schemas").json()] == ["b-value"]
    with_deleted = sr.get("/schemas", params={"deleted": "true"}).json()
    assert [s["subject"] for s in with_deleted] == ["a-value", "b-value"]


def test_fetch_max_id_counts_ids_that_were_deleted(sr: httpx.Client) -> None:
    register(sr, "a-value", USER)
    register(sr, "b-value", ORDER)
    sr.delete("/subjects/b-value")
    sr.delete("/subjects/b-value", params={"permanent": "true"})
    assert sr.get("/schemas/ids/1", params={"fetchMaxId": "true"}).json()["maxId"] == 2
