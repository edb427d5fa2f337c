"""Modes: READWRITE, READONLY, READONLY_OVERRIDE at global and subject level."""

from __future__ import annotations

import httpx
import pytest

from .helpers import avro_record, error_code, register

V1 = avro_record("User", ("name", "string"))
V2 = avro_record("User", ("name", "string"), ("age", "int", 0))


def test_global_default_is_readwrite(sr: httpx.Client) -> None:
    assert sr.get("/mode").json() == {"mode": "READWRITE"}


@pytest.mark.parametrize("mode", ["READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT"])
def test_put_global_mode_echoes(sr: httpx.Client, mode: str) -> None:
    response = sr.put("/mode", json={"mode": mode})
    assert response.status_code == 200, response.text
    assert response.json() == {"mode": mode}
    assert sr.get("/mode").json() == {"mode": mode}


@pytest.mark.parametrize("mode", ["WRITEONLY", "", None, 1])
def test_invalid_mode_is_42204(sr: httpx.Client, mode: object) -> None:
    response = sr.put("/mode", json={"mode": mode})
    assert response.status_code == 422
    assert error_code(response) == 42204


def test_subject_without_mode_is_40409(sr: httpx.Client) -> None:
    response = sr.get("/mode/users-value")
    assert response.status_code == 404
    assert error_code(response) == 40409


def test_subject_mode_default_to_global(sr: httpx.Client) -> None:
    response = sr.get("/mode/users-value", params={"defaultToGlobal": "true"})
    assert response.json() == {"mode": "READWRITE"}


def test_readonly_subject_refuses_writes_with_42205(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    assert sr.put("/mode/users-value", json={"mode": "READONLY"}).json() == {"mode": "READONLY"}
    assert sr.get("/mode/users-value").json() == {"mode": "READONLY"}
    response = sr.post("/subjects/users-value/versions", json={"schema": V2})
    assert response.status_code == 422
    assert error_code(response) == 42205
    for path in ("/subjects/users-value/versions/1", "/subjects/users-value"):
        deleted = sr.delete(path)
        assert deleted.status_code == 422
        assert error_code(deleted) == 42205
    # reads still work, and other subjects are writable
    assert sr.get("/subjects/users-value/versions/1").status_code == 200
    register(sr, "other-value", V1)


def test_readonly_still_answers_an_already_registered_schema(sr: httpx.Client) -> None:
    first = register(sr, "users-value", V1)
    sr.put("/mode/users-value", json={"mode": "READONLY"})
    assert register(sr, "users-value", V1) == first


def test_global_readonly_applies_to_every_subject(sr: httpx.Client) -> None:
    sr.put("/mode", json={"mode": "READONLY"})
    response = sr.post("/subjects/new-value/versions", json={"schema": V1})
    assert error_code(response) == 42205
    config = sr.put("/config/new-value", json={"compatibility": "NONE"})
    assert error_code(config) == 42205


def test_subject_mode_overrides_global_readonly(sr: httpx.Client) -> None:
    sr.put("/mode", json={"mode": "READONLY"})
    sr.put("/mode/users-value", json={"mode": "READWRITE"})
    register(sr, "users-value", V1)


def test_delete_subject_mode_returns_previous(sr: httpx.Client) -> None:
    sr.put("/mode/users-value", json={"mode": "READONLY"})
    assert sr.delete("/mode/users-value").json() == {"mode": "READONLY"}
    assert error_code(sr.get("/mode/users-value")) == 40409


def test_delete_mode_never_set_is_40401(sr: httpx.Client) -> None:
    response = sr.delete("/mode/users-value")
    assert response.status_code == 404
    assert error_code(response) == 40401


def test_mode_names_are_case_insensitive(sr: httpx.Client) -> None:
    assert sr.put("/mode/users-value", json={"mode": "readonly"}).status_code == 200
    assert sr.get("/mode/users-value").json() == {"mode": "READONLY"}


def test_delete_global_mode_recursive_removes_every_mode(sr: httpx.Client) -> None:
    # ModeResource.deleteGlobalMode -> KafkaSchemaRegistry.deleteSubjectMode(null, true):
    # the subject prefix of the default context is "", so every stored mode goes.
    sr.put("/mode", json={"mode": "READONLY"})
    for scope in ("users-value", ":.ctx:", ":.ctx:orders-value", ":.__GLOBAL:"):
        assert sr.put(f"/mode/{scope}", json={"mode": "READONLY"}).status_code == 200
    answer = sr.delete("/mode", params={"recursive": "true"})
    assert answer.status_code == 200
    assert answer.json() == {"mode": "READONLY"}
    assert sr.get("/mode").json() == {"mode": "READWRITE"}
    for scope in ("users-value", ":.ctx:", ":.ctx:orders-value"):
        assert error_code(sr.get(f"/mode/{scope}")) == 40409
    assert sr.get("/mode/:.__GLOBAL:").json() == {"mode": "READWRITE"}  # its default


def test_delete_context_mode_recursive_removes_its_subjects_modes(sr: httpx.Client) -> None:
    for scope in (":.ctx:a", ":.ctx:b", ":.other:a", "a"):
        sr.put(f"/mode/{scope}", json={"mode": "READONLY"})
    # The context has no mode of its own: recursive answers 200 with a null mode.
    answer = sr.delete("/mode/:.ctx:", params={"recursive": "true"})
    assert answer.status_code == 200
    assert answer.json() == {}
    for scope in (":.ctx:a", ":.ctx:b"):
        assert error_code(sr.get(f"/mode/{scope}")) == 40409
    for scope in (":.other:a", "a"):
        assert sr.get(f"/mode/{scope}").json() == {"mode": "READONLY"}


def test_delete_subject_mode_recursive_removes_that_subject_only(sr: httpx.Client) -> None:
    for scope in ("a", "ab"):
        sr.put(f"/mode/{scope}", json={"mode": "READONLY"})
    assert sr.delete("/mode/a", params={"recursive": "true"}).json() == {"mode": "READONLY"}
    assert sr.get("/mode/ab").json() == {"mode": "READONLY"}
    # With recursive, a level without a mode is not 40401 but 200 with a null mode.
    assert sr.delete("/mode/a", params={"recursive": "true"}).json() == {}
