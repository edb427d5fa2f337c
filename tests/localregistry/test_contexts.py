"""Contexts: qualified subjects, one ID space each, /contexts and the prefix forms."""

from __future__ import annotations

import httpx

from .helpers import avro_record, error_code, register

USER = avro_record("User", ("name", "string"))
ORDER = avro_record("Order", ("id", "long"))


def test_default_context_is_always_listed(sr: httpx.Client) -> None:
    assert sr.get("/contexts").json() == ["."]


def test_qualified_subjects_create_contexts(sr: httpx.Client) -> None:
    register(sr, ":.staging:users-value", USER)
    register(sr, ":.prod:users-value", USER)
    assert sr.get("/contexts").json() == [".", ".prod", ".staging"]
    assert sr.get("/subjects").json() == [":.prod:users-value", ":.staging:users-value"]


def test_each_context_has_its_own_id_space(sr: httpx.Client) -> None:
    assert register(sr, "orders-value", ORDER) == {"id": 1}
    assert register(sr, ":.staging:users-value", USER) == {"id": 1}
    assert register(sr, "users-value", USER) == {"id": 2}
    assert (
        sr.get("/schemas/ids/1").json()["schema"]
        == sr.get("/subjects/orders-value/versions/1").json()["schema"]
    )
    staged = sr.get("/schemas/ids/1", params={"subject": ":.staging:users-value"}).json()
    assert "User" in staged["schema"]


def test_default_context_spelled_out(sr: httpx.Client) -> None:
    register(sr, ":.:users-value", USER)
    assert sr.get("/subjects").json() == ["users-value"]


def test_context_prefix_forms(sr: httpx.Client) -> None:
    register(sr, ":.staging:users-value", USER)
    assert sr.get("/contexts/.staging/subjects").json() == [":.staging:users-value"]
    version = sr.get("/contexts/.staging/subjects/users-value/versions/1").json()
    assert version["subject"] == ":.staging:users-value"
    assert version["id"] == 1
    # registering through the prefix form lands in the same context
    response = sr.post("/contexts/.staging/subjects/orders-value/versions", json={"schema": ORDER})
    assert response.json() == {"id": 2}
    assert sr.get("/contexts/.staging/schemas/ids/2").status_code == 200
    assert error_code(sr.get("/schemas/ids/2")) == 40403
    listed = sr.get("/contexts/.staging/schemas").json()
    assert [s["subject"] for s in listed] == [":.staging:users-value", ":.staging:orders-value"]


def test_context_name_without_leading_dot(sr: httpx.Client) -> None:
    register(sr, ":.staging:users-value", USER)
    assert sr.get("/contexts/staging/subjects").json() == [":.staging:users-value"]


def test_subject_prefix_selects_a_context(sr: httpx.Client) -> None:
    register(sr, "users-value", USER)
    register(sr, ":.staging:users-value", USER)
    assert sr.get("/subjects", params={"subjectPrefix": ":.staging:"}).json() == [
        ":.staging:users-value"
    ]
    assert sr.get("/subjects", params={"subjectPrefix": "users"}).json() == ["users-value"]
    assert sr.get("/subjects", params={"subjectPrefix": ":*:users"}).json() == [
        ":.staging:users-value",
        "users-value",
    ]
    schemas = sr.get("/schemas", params={"subjectPrefix": ":.staging:"}).json()
    assert [s["subject"] for s in schemas] == [":.staging:users-value"]


def test_context_level_config_applies_to_its_subjects(sr: httpx.Client) -> None:
    response = sr.put("/contexts/.staging/config", json={"compatibility": "NONE"})
    assert response.json() == {"compatibility": "NONE"}
    assert sr.get("/config/:.staging:").json() == {"compatibilityLevel": "NONE"}
    register(sr, ":.staging:users-value", USER)
    register(sr, ":.staging:users-value", avro_record("User", ("name", "int")))
    # the default context keeps BACKWARD
    register(sr, "users-value", USER)
    refused = sr.post(
        "/subjects/users-value/versions", json={"schema": avro_record("User", ("name", "int"))}
    )
    assert refused.status_code == 409


def test_global_config_does_not_reach_other_contexts(sr: httpx.Client) -> None:
    # Confluent: "There is no global compatibility across all contexts, only per context."
    sr.put("/config", json={"compatibility": "NONE"})
    register(sr, ":.staging:users-value", USER)
    refused = sr.post(
        "/subjects/:.staging:users-value/versions",
        json={"schema": avro_record("User", ("name", "int"))},
    )
    assert refused.status_code == 409
    scoped = sr.get("/config/:.staging:users-value", params={"defaultToGlobal": "true"})
    assert scoped.json() == {"compatibilityLevel": "BACKWARD"}


def test_context_level_mode(sr: httpx.Client) -> None:
    assert sr.put("/contexts/.staging/mode", json={"mode": "READONLY"}).json() == {
        "mode": "READONLY"
    }
    assert sr.get("/mode/:.staging:").json() == {"mode": "READONLY"}
    refused = sr.post("/subjects/:.staging:users-value/versions", json={"schema": USER})
    assert error_code(refused) == 42205
    register(sr, "users-value", USER)


def test_unqualified_read_falls_back_to_other_contexts(sr: httpx.Client) -> None:
    # Confluent's getUsingContexts: an unqualified subject that is not in the
    # default context is looked up in the other contexts.
    register(sr, ":.staging:only-there", USER)
    body = sr.get("/subjects/only-there/versions/1").json()
    assert body["subject"] == ":.staging:only-there"
    found = sr.post("/subjects/only-there", json={"schema": USER})
    assert found.json()["subject"] == ":.staging:only-there"
    assert error_code(sr.get("/subjects/only-there/versions")) == 40401


def test_ids_of_a_context_listing(sr: httpx.Client) -> None:
    register(sr, ":.staging:a-value", USER)
    register(sr, ":.staging:b-value", USER)
    assert sr.get("/contexts/.staging/schemas/ids/1/subjects").json() == [
        ":.staging:a-value",
        ":.staging:b-value",
    ]


def test_id_lookup_with_an_unqualified_subject_searches_contexts(sr: httpx.Client) -> None:
    register(sr, ":.staging:users-value", USER)
    assert error_code(sr.get("/schemas/ids/1")) == 40403
    found = sr.get("/schemas/ids/1", params={"subject": "users-value"})
    assert found.status_code == 200


def test_subject_prefix_is_a_prefix_of_qualified_names(sr: httpx.Client) -> None:
    register(sr, "users-value", USER)
    register(sr, ":.staging:users-value", USER)
    register(sr, ":.stage2:users-value", USER)
    everything = [":.stage2:users-value", ":.staging:users-value", "users-value"]
    assert sr.get("/subjects", params={"subjectPrefix": ""}).json() == everything
    assert sr.get("/subjects", params={"subjectPrefix": ":.stag"}).json() == everything[:2]
    listed = sr.get("/schemas", params={"subjectPrefix": ""}).json()
    assert sorted(s["subject"] for s in listed) == everything


def test_contexts_stay_listed_after_their_subjects_are_gone(sr: httpx.Client) -> None:
    register(sr, ":.staging:users-value", USER)
    sr.delete("/subjects/:.staging:users-value")
    sr.delete("/subjects/:.staging:users-value", params={"permanent": "true"})
    assert sr.get("/contexts").json() == [".", ".staging"]
