"""Content negotiation as Confluent's REST layer (Jersey) does it, and the 42206 message.

Every Confluent resource produces ``application/vnd.schemaregistry.v1+json``
(qs 1), ``application/vnd.schemaregistry+json`` (qs 0.9) and
``application/json`` (qs 0.5), and consumes those three plus
``application/octet-stream`` (what a body without a content type is taken as).
"""

from __future__ import annotations

import json

import httpx
import pytest

from .helpers import error_code, register

V1 = "application/vnd.schemaregistry.v1+json"
SCHEMA = json.dumps({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]})
BODY = json.dumps({"schema": SCHEMA}).encode()


@pytest.mark.parametrize(
    ("accept", "produced"),
    [
        (None, V1),
        ("*/*", V1),
        ("application/*", V1),
        (V1, V1),
        ("application/vnd.schemaregistry+json", "application/vnd.schemaregistry+json"),
        ("application/json", "application/json"),
        ("application/json; charset=utf-8", "application/json"),
        ("text/html, application/json;q=0.8", "application/json"),
        (
            "application/json, application/vnd.schemaregistry+json",
            "application/vnd.schemaregistry+json",
        ),
        ("application/json, */*;q=0.1", "application/json"),
        (f"{V1};q=0.2, application/json", "application/json"),
    ],
)
def test_accept_picks_the_produced_type(
    sr: httpx.Client, accept: str | None, produced: str
) -> None:
    # httpx sends */* unless told otherwise; an empty header is no preference
    headers = {"Accept": accept if accept is not None else ""}
    response = sr.get("/subjects", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == produced


@pytest.mark.parametrize(
    "accept", ["text/html", "application/xml", "text/*", "application/json;q=0"]
)
def test_an_accept_the_registry_cannot_produce_is_406(sr: httpx.Client, accept: str) -> None:
    response = sr.get("/subjects", headers={"Accept": accept})
    assert response.status_code == 406
    assert response.json() == {"error_code": 406, "message": "HTTP 406 Not Acceptable"}
    response = sr.post(
        "/subjects/s/versions", content=BODY, headers={"Accept": accept, "Content-Type": V1}
    )
    assert response.status_code == 406
    assert sr.get("/subjects").json() == []  # nothing was registered


@pytest.mark.parametrize(
    "content_type",
    [
        V1,
        "application/vnd.schemaregistry+json",
        "application/json",
        "application/json; charset=UTF-8",
        "application/octet-stream",
        None,
    ],
)
def test_a_readable_content_type_registers(sr: httpx.Client, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type is not None else {}
    response = sr.post("/subjects/s/versions", content=BODY, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"id": 1}


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded"]
)
def test_a_content_type_the_registry_cannot_read_is_415(
    sr: httpx.Client, content_type: str
) -> None:
    for method, path in (
        ("POST", "/subjects/s/versions"),
        ("POST", "/compatibility/subjects/s/versions/latest"),
        ("POST", "/subjects/s"),
        ("PUT", "/config"),
    ):
        response = sr.request(method, path, content=BODY, headers={"Content-Type": content_type})
        assert response.status_code == 415, (method, path, response.text)
        assert response.json() == {"error_code": 415, "message": "HTTP 415 Unsupported Media Type"}
    assert sr.get("/subjects").json() == []


def test_unknown_paths_and_methods_keep_their_answers_whatever_the_media_types(
    sr: httpx.Client,
) -> None:
    """Jersey matches the resource and method before it looks at media types."""
    headers = {"Accept": "text/html", "Content-Type": "text/plain"}
    assert sr.get("/nowhere", headers=headers).status_code == 404
    assert sr.request("PATCH", "/subjects", headers=headers).status_code == 405


def test_415_is_decided_before_406(sr: httpx.Client) -> None:
    response = sr.post(
        "/subjects/s/versions",
        content=BODY,
        headers={"Accept": "text/html", "Content-Type": "text/plain"},
    )
    assert response.status_code == 415


def test_deleting_a_referenced_version_gives_confluents_message(sr: httpx.Client) -> None:
    register(sr, "address-value", json.dumps({"type": "fixed", "name": "A", "size": 2}))
    register(
        sr,
        "orders-value",
        json.dumps({"type": "record", "name": "O", "fields": [{"name": "a", "type": "A"}]}),
        references=[{"name": "A", "subject": "address-value", "version": 1}],
    )
    for path in ("/subjects/address-value/versions/1", "/subjects/address-value"):
        response = sr.delete(path)
        assert response.status_code == 422
        assert error_code(response) == 42206
        assert response.json()["message"] == (
            "One or more references exist to the schema "
            "{magic=1,keytype=SCHEMA,subject=address-value,version=1}."
        )
