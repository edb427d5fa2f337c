"""Malformed requests get Confluent's 4xx bodies, never a 500."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from reconciler.localregistry import create_app

from .helpers import avro_record, error_code, register

USER = avro_record("User", ("name", "string"))


def test_malformed_json_body_is_400(sr: httpx.Client) -> None:
    response = sr.post(
        "/subjects/a/versions",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert error_code(response) == 400


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        "text",
        {"schema": USER, "references": "nope"},
        {"schema": USER, "references": [7]},
        {"schema": USER, "version": "two"},
        {"schema": USER, "id": 1.5},
        {"schema": {"type": "string"}},
    ],
)
def test_wrongly_shaped_body_is_400(sr: httpx.Client, body: object) -> None:
    response = sr.post("/subjects/a/versions", json=body)
    assert response.status_code == 400
    assert error_code(response) == 400


@pytest.mark.parametrize("content", [b"", b"null"])
def test_missing_body_is_422(sr: httpx.Client, content: bytes) -> None:
    response = sr.post(
        "/subjects/a/versions", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert error_code(response) == 422


def test_reference_without_version_is_42201(sr: httpx.Client) -> None:
    response = sr.post(
        "/subjects/a/versions",
        json={"schema": USER, "references": [{"name": "x", "subject": "y"}]},
    )
    assert error_code(response) == 42201


def test_unknown_path_is_404(sr: httpx.Client) -> None:
    response = sr.get("/nowhere")
    assert response.status_code == 404
    assert response.json() == {"error_code": 404, "message": "HTTP 404 Not Found"}


def test_wrong_method_is_405(sr: httpx.Client) -> None:
    response = sr.put("/subjects/a/versions", json={})
    assert response.status_code == 405
    assert response.json() == {"error_code": 405, "message": "HTTP 405 Method Not Allowed"}
    assert response.headers["allow"] == "GET, HEAD, POST"


@pytest.mark.parametrize(
    "path",
    ["/schemas/ids/abc", "/schemas/ids/1.5/schema", "/subjects?offset=x", "/schemas?limit=y"],
)
def test_unconvertible_path_or_query_parameter_is_404(sr: httpx.Client, path: str) -> None:
    response = sr.get(path)
    assert response.status_code == 404
    assert error_code(response) == 404


def test_control_characters_in_subject_are_42208(sr: httpx.Client) -> None:
    for method, path, body in [
        ("POST", "/subjects/a%07b/versions", {"schema": USER}),
        ("PUT", "/config/a%07b", {"compatibility": "NONE"}),
        ("PUT", "/mode/a%07b", {"mode": "READONLY"}),
    ]:
        response = sr.request(method, path, json=body)
        assert response.status_code == 422, path
        assert error_code(response) == 42208
        # RestInvalidSubjectException's text, its "a valid." included
        assert response.json()["message"] == "The specified subject 'a\ab' is not a valid."


def test_root_and_metadata(sr: httpx.Client) -> None:
    assert sr.get("/").json() == {}
    body = sr.get("/v1/metadata/id").json()
    assert body["scope"]["path"] == []
    assert set(body["scope"]["clusters"]) == {"kafka-cluster", "schema-registry-cluster"}


def test_trailing_slash_is_accepted(sr: httpx.Client) -> None:
    register(sr, "a", USER)
    assert sr.get("/subjects/").json() == ["a"]


def test_huge_and_odd_values_do_not_crash(sr: httpx.Client) -> None:
    for path in (
        "/schemas/ids/99999999999999999999",
        "/subjects/a/versions/99999999999999999999",
        "/subjects?offset=-5&limit=-1",
        "/schemas?offset=99999999&limit=0",
    ):
        assert sr.get(path).status_code < 500, path


def test_lone_surrogates_in_json_are_400(sr: httpx.Client) -> None:
    for path, body in [
        ("/subjects/a/versions", b'{"schema": "\\udb18x"}'),
        (
            "/subjects/a/versions",
            b'{"schema": "\\"string\\"", "references": '
            b'[{"name": "n", "subject": "\\udb18", "version": 1}]}',
        ),
    ]:
        response = sr.post(path, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert error_code(response) == 400


def test_absurdly_nested_json_is_400(sr: httpx.Client) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    response = sr.post("/subjects/a/versions", content=body)
    assert response.status_code == 400
    assert error_code(response) == 400


def test_absurdly_nested_schema_is_42201(sr: httpx.Client) -> None:
    schema = '{"type": "array", "items": ' * 5000 + '"int"' + "}" * 5000
    response = sr.post("/subjects/a/versions", json={"schema": schema})
    assert response.status_code == 422
    assert error_code(response) == 42201


async def test_a_store_failure_is_50001(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.localregistry import _store

    app = create_app(tmp_path / "registry.db")

    def failing(*args: object, **kwargs: object) -> list[object]:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(_store, "subjects", failing)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://local") as client:
        response = await client.get("/subjects")
    assert response.status_code == 500
    assert error_code(response) == 50001


def test_an_invalid_avro_default_is_refused_on_registration_only(sr: httpx.Client) -> None:
    """Confluent validates defaults (Java's rule) for a schema it adds, not for one it holds."""
    bad = avro_record("Order", ("count", "int", "many"))
    response = sr.post("/subjects/orders-value/versions", json={"schema": bad})
    assert response.status_code == 422
    assert error_code(response) == 42201
    assert (
        'details: Invalid default for field count: "many" not a "int"' in response.json()["message"]
    )
    # History brought over in IMPORT mode is kept as it was written, and then
    # registering the same schema again answers its id.
    sr.put("/mode", json={"mode": "IMPORT"})
    assert register(sr, "orders-value", bad, id=40, version=1) == {"id": 40}
    sr.put("/mode", json={"mode": "READWRITE"})
    assert register(sr, "orders-value", bad) == {"id": 40}
