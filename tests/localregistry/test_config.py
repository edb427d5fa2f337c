"""Compatibility config: global, subject, inheritance, defaultToGlobal, DELETE."""

from __future__ import annotations

import httpx
import pytest

from .helpers import avro_record, error_code, register

V1 = avro_record("User", ("name", "string"))
V2_NO_DEFAULT = avro_record("User", ("name", "string"), ("age", "int"))


def test_global_default_is_backward(sr: httpx.Client) -> None:
    assert sr.get("/config").json() == {"compatibilityLevel": "BACKWARD"}


@pytest.mark.parametrize(
    "level",
    [
        "NONE",
        "BACKWARD",
        "BACKWARD_TRANSITIVE",
        "FORWARD",
        "FORWARD_TRANSITIVE",
        "FULL",
        "FULL_TRANSITIVE",
    ],
)
def test_put_global_config_echoes_the_request(sr: httpx.Client, level: str) -> None:
    response = sr.put("/config", json={"compatibility": level})
    assert response.status_code == 200
    assert response.json() == {"compatibility": level}
    assert sr.get("/config").json() == {"compatibilityLevel": level}


def test_level_names_are_case_insensitive(sr: httpx.Client) -> None:
    # the answer is the request itself, as Confluent's ConfigResource returns it
    assert sr.put("/config", json={"compatibility": "full"}).json() == {"compatibility": "full"}
    assert sr.get("/config").json() == {"compatibilityLevel": "FULL"}


@pytest.mark.parametrize("level", ["SIDEWAYS", "", 3])
def test_invalid_level_is_42203(sr: httpx.Client, level: object) -> None:
    response = sr.put("/config", json={"compatibility": level})
    assert response.status_code == 422
    assert error_code(response) == 42203


def test_subject_without_config_is_40408(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    response = sr.get("/config/users-value")
    assert response.status_code == 404
    assert error_code(response) == 40408


def test_default_to_global_falls_back(sr: httpx.Client) -> None:
    sr.put("/config", json={"compatibility": "FORWARD"})
    response = sr.get("/config/users-value", params={"defaultToGlobal": "true"})
    assert response.json() == {"compatibilityLevel": "FORWARD"}


def test_subject_config_overrides_global(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    # BACKWARD (global default) refuses a new field without default
    refused = sr.post("/subjects/users-value/versions", json={"schema": V2_NO_DEFAULT})
    assert refused.status_code == 409
    assert sr.put("/config/users-value", json={"compatibility": "NONE"}).json() == {
        "compatibility": "NONE"
    }
    assert sr.get("/config/users-value").json() == {"compatibilityLevel": "NONE"}
    register(sr, "users-value", V2_NO_DEFAULT)


def test_config_can_be_set_before_the_subject_exists(sr: httpx.Client) -> None:
    sr.put("/config/future-value", json={"compatibility": "FULL"})
    assert sr.get("/config/future-value").json() == {"compatibilityLevel": "FULL"}


def test_delete_config_never_set_is_40401(sr: httpx.Client) -> None:
    # Confluent answers "subject not found" when the subject has no own config
    register(sr, "users-value", V1)
    assert error_code(sr.delete("/config/users-value")) == 40401


def test_delete_subject_config_returns_previous_and_reverts(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    sr.put("/config/users-value", json={"compatibility": "FULL"})
    response = sr.delete("/config/users-value")
    assert response.status_code == 200
    assert response.json() == {"compatibilityLevel": "FULL"}
    assert error_code(sr.get("/config/users-value")) == 40408


def test_delete_config_of_unknown_subject_is_40401(sr: httpx.Client) -> None:
    response = sr.delete("/config/nope")
    assert response.status_code == 404
    assert error_code(response) == 40401


def test_delete_global_config_reverts_to_backward(sr: httpx.Client) -> None:
    sr.put("/config", json={"compatibility": "FULL"})
    assert sr.delete("/config").json() == {"compatibilityLevel": "FULL"}
    assert sr.get("/config").json() == {"compatibilityLevel": "BACKWARD"}


def test_transitive_level_checks_every_version(sr: httpx.Client) -> None:
    sr.put("/config/t-value", json={"compatibility": "BACKWARD_TRANSITIVE"})
    register(sr, "t-value", avro_record("R", ("a", "string")))
    register(sr, "t-value", avro_record("R", ("a", "string"), ("b", "int", 0)))
    # compatible with v2 (reads b with its default) but not v1? v3 drops a: fine for BACKWARD.
    # v3 adds c without default: incompatible with both.
    v3 = avro_record("R", ("a", "string"), ("b", "int", 0), ("c", "int"))
    assert sr.post("/subjects/t-value/versions", json={"schema": v3}).status_code == 409


def test_normalize_config_applies_to_registration(sr: httpx.Client) -> None:
    sr.put("/config/n-value", json={"compatibility": "NONE", "normalize": True})
    first = register(
        sr, "n-value", '{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}'
    )
    again = register(
        sr, "n-value", '{"fields":[{"type":"int","name":"a"}],"name":"R","type":"record"}'
    )
    assert again == first
