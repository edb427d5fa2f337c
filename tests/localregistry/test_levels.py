"""Where config and mode are looked up, kept and removed, as Confluent does.

Each test names the Confluent source it follows (confluentinc/schema-registry,
``core/src/main/java/io/confluent/kafka/schemaregistry/``).
"""

from __future__ import annotations

import httpx

from .helpers import avro_record, error_code, register

V1 = avro_record("User", ("name", "string"))
V2 = avro_record("User", ("name", "string"), ("age", "int", 0))


# -- a. the most specific level wins, READONLY_OVERRIDE included ---------------


def test_subject_mode_wins_over_a_global_readonly_override(sr: httpx.Client) -> None:
    """storage/AbstractSchemaRegistry.java getModeInScope/getMode (since d611ff6a09e,
    in 8.0.4, 8.1.2 and 8.2): ``lookupCache.mode(subject, ...)`` alone; the global
    READONLY_OVERRIDE is no longer consulted first."""
    sr.put("/mode/users-value", json={"mode": "READWRITE"})
    sr.put("/mode", json={"mode": "READONLY_OVERRIDE"})
    assert sr.get("/mode/users-value").json() == {"mode": "READWRITE"}
    register(sr, "users-value", V1)
    assert error_code(sr.post("/subjects/other-value/versions", json={"schema": V1})) == 42205


def test_get_subject_mode_does_not_answer_the_global_override(sr: httpx.Client) -> None:
    """rest/resources/ModeResource.java getMode: without defaultToGlobal, the subject's
    own mode (``schemaRegistry.getMode(subject)``), else 40409."""
    sr.put("/mode", json={"mode": "READONLY_OVERRIDE"})
    assert error_code(sr.get("/mode/users-value")) == 40409
    in_scope = sr.get("/mode/users-value", params={"defaultToGlobal": "true"})
    assert in_scope.json() == {"mode": "READONLY_OVERRIDE"}


def test_global_readonly_override_does_not_reach_a_named_context(sr: httpx.Client) -> None:
    """storage/InMemoryCache.java mode(): a subject of a named context falls back to its
    context's mode, then to ``:.__GLOBAL:``, never to the default context's (global) one."""
    sr.put("/mode", json={"mode": "READONLY_OVERRIDE"})
    register(sr, ":.ctx:users-value", V1)
    sr.put("/mode/:.ctx:", json={"mode": "READONLY"})
    assert error_code(sr.post("/subjects/:.ctx:users-value/versions", json={"schema": V2})) == 42205


# -- b. config and mode go with a permanent delete that leaves no version ------


def _configure(sr: httpx.Client, subject: str) -> None:
    assert sr.put(f"/config/{subject}", json={"compatibility": "FULL"}).status_code == 200
    assert sr.put(f"/mode/{subject}", json={"mode": "READWRITE"}).status_code == 200


def _configured(sr: httpx.Client, subject: str) -> bool:
    config, mode = sr.get(f"/config/{subject}"), sr.get(f"/mode/{subject}")
    assert config.status_code == mode.status_code, (config.text, mode.text)
    return config.status_code == 200


def test_soft_delete_of_a_subject_keeps_its_config_and_mode(sr: httpx.Client) -> None:
    """storage/KafkaSchemaRegistry.java deleteSubject: a soft delete writes a
    DeleteSubjectKey only; deleteMode/deleteConfig run on the permanent branch."""
    register(sr, "users-value", V1)
    _configure(sr, "users-value")
    assert sr.delete("/subjects/users-value").status_code == 200
    assert _configured(sr, "users-value")
    assert sr.get("/config/users-value").json()["compatibilityLevel"] == "FULL"
    assert sr.delete("/subjects/users-value", params={"permanent": "true"}).status_code == 200
    assert not _configured(sr, "users-value")


def test_soft_delete_of_the_last_version_keeps_config_and_mode(sr: httpx.Client) -> None:
    """storage/KafkaSchemaRegistry.java deleteSchemaVersion: only a permanent delete
    after which ``getAllVersions(subject, INCLUDE_DELETED)`` is empty drops them."""
    register(sr, "users-value", V1)
    register(sr, "users-value", V2)
    _configure(sr, "users-value")
    for version in (1, 2):
        assert sr.delete(f"/subjects/users-value/versions/{version}").status_code == 200
    assert _configured(sr, "users-value")
    permanent = {"permanent": "true"}
    assert sr.delete("/subjects/users-value/versions/1", params=permanent).status_code == 200
    assert _configured(sr, "users-value"), "version 2 is still there, soft-deleted"
    assert sr.delete("/subjects/users-value/versions/2", params=permanent).status_code == 200
    assert not _configured(sr, "users-value")


# -- c. DELETE /mode -----------------------------------------------------------


def test_delete_global_mode_answers_the_old_mode(sr: httpx.Client) -> None:
    """rest/resources/ModeResource.java deleteGlobalMode -> deleteSubjectMode(null):
    200 with the old mode; ``getMode(null)`` is READWRITE when none is set."""
    assert sr.delete("/mode").json() == {"mode": "READWRITE"}
    sr.put("/mode", json={"mode": "READONLY"})
    sr.put("/mode/users-value", json={"mode": "IMPORT"})
    response = sr.delete("/mode")
    assert response.status_code == 200
    assert response.json() == {"mode": "READONLY"}
    assert sr.get("/mode").json() == {"mode": "READWRITE"}
    assert sr.get("/mode/users-value").json() == {"mode": "IMPORT"}


# -- d. the :.__GLOBAL: context ------------------------------------------------


def test_global_context_is_the_last_fallback_of_every_context(sr: httpx.Client) -> None:
    """storage/InMemoryCache.java config()/mode(): subject, then its context (the
    global key for the default context), then ``:.__GLOBAL:``, then the default."""
    assert sr.put("/config/:.__GLOBAL:", json={"compatibility": "NONE"}).status_code == 200
    assert sr.put("/mode/:.__GLOBAL:", json={"mode": "READONLY"}).status_code == 200
    for subject in ("users-value", ":.ctx:users-value"):
        level = sr.get(f"/config/{subject}", params={"defaultToGlobal": "true"}).json()
        assert level["compatibilityLevel"] == "NONE", subject
        mode = sr.get(f"/mode/{subject}", params={"defaultToGlobal": "true"}).json()
        assert mode == {"mode": "READONLY"}, subject
        assert error_code(sr.post(f"/subjects/{subject}/versions", json={"schema": V1})) == 42205
    sr.put("/mode/:.ctx:", json={"mode": "READWRITE"})
    register(sr, ":.ctx:users-value", V1)
    # /config and /mode themselves answer their own (unset: default) value.
    assert sr.get("/config").json()["compatibilityLevel"] == "BACKWARD"
    assert sr.get("/mode").json() == {"mode": "READWRITE"}


def test_global_context_answers_the_default_when_unset(sr: httpx.Client) -> None:
    """storage/InMemoryCache.java config()/mode() with returnTopLevelIfNotFound=false:
    the ``.__GLOBAL`` context answers ``defaultForTopLevel``, not 40408/40409."""
    assert sr.get("/config/:.__GLOBAL:").json()["compatibilityLevel"] == "BACKWARD"
    assert sr.get("/mode/:.__GLOBAL:").json() == {"mode": "READWRITE"}


def test_global_context_holds_no_subjects(sr: httpx.Client) -> None:
    """utils/QualifiedSubject.java isValidSubject: the ``.__GLOBAL`` context is only
    valid for config or mode (42208 otherwise)."""
    response = sr.post("/subjects/:.__GLOBAL:users-value/versions", json={"schema": V1})
    assert error_code(response) == 42208
