"""Avro reference chains: a referenced schema with references of its own.

Confluent resolves a schema's references transitively, each referenced
schema's own references before it (``AbstractSchemaProvider.resolveReferences``),
whatever the reference names. Here the names sort the wrong way round
(``A_Middle`` before ``Z_Bottom``), so parsing in name order would meet
``Middle`` before the ``Bottom`` it uses.
"""

from __future__ import annotations

import json

import httpx

from .helpers import register

BOTTOM = json.dumps(
    {
        "type": "record",
        "name": "Z_Bottom",
        "namespace": "com.acme",
        "fields": [{"name": "b", "type": "string"}],
    }
)
MIDDLE = json.dumps(
    {
        "type": "record",
        "name": "A_Middle",
        "namespace": "com.acme",
        "fields": [{"name": "bottom", "type": "com.acme.Z_Bottom"}],
    }
)
TOP_FIELDS = [{"name": "middle", "type": "com.acme.A_Middle"}]
TOP = json.dumps({"type": "record", "name": "Top", "namespace": "com.acme", "fields": TOP_FIELDS})
TOP_V2 = json.dumps(
    {
        "type": "record",
        "name": "Top",
        "namespace": "com.acme",
        "fields": [*TOP_FIELDS, {"name": "extra", "type": "int"}],
    }
)
BOTTOM_REF = {"name": "com.acme.Z_Bottom", "subject": "bottom", "version": 1}
MIDDLE_REF = {"name": "com.acme.A_Middle", "subject": "middle", "version": 1}


def _chain(sr: httpx.Client) -> int:
    register(sr, "bottom", BOTTOM)
    register(sr, "middle", MIDDLE, references=[BOTTOM_REF])
    return int(register(sr, "top", TOP, references=[MIDDLE_REF])["id"])


def test_a_chain_registers_and_reads_back(sr: httpx.Client) -> None:
    top_id = _chain(sr)
    body = sr.get("/subjects/top/versions/1").json()
    assert body["id"] == top_id and body["references"] == [MIDDLE_REF]
    # the referenced type by name, short in its own namespace (Java's printer)
    assert json.loads(body["schema"])["fields"] == [{"name": "middle", "type": "A_Middle"}]
    # a second version of the top parses its chain again for the compatibility check
    response = sr.post(
        "/subjects/top/versions", json={"schema": TOP_V2, "references": [MIDDLE_REF]}
    )
    assert response.status_code == 409, response.text  # a field without default: incompatible


def test_lookup_of_a_chain(sr: httpx.Client) -> None:
    top_id = _chain(sr)
    response = sr.post("/subjects/top", json={"schema": TOP, "references": [MIDDLE_REF]})
    assert response.status_code == 200, response.text
    assert response.json()["id"] == top_id


def test_compatibility_of_a_chain(sr: httpx.Client) -> None:
    _chain(sr)
    for path in (
        "/compatibility/subjects/top/versions/latest",
        "/compatibility/subjects/top/versions",
    ):
        response = sr.post(
            path, params={"verbose": "true"}, json={"schema": TOP_V2, "references": [MIDDLE_REF]}
        )
        assert response.status_code == 200, response.text
        assert response.json()["is_compatible"] is False
        assert response.json()["messages"]


def test_a_chain_of_three_with_a_shared_dependency(sr: httpx.Client) -> None:
    """A diamond: the top references both the middle and the bottom the middle uses."""
    register(sr, "bottom", BOTTOM)
    register(sr, "middle", MIDDLE, references=[BOTTOM_REF])
    top = json.dumps(
        {
            "type": "record",
            "name": "Top",
            "namespace": "com.acme",
            "fields": [*TOP_FIELDS, {"name": "direct", "type": "Z_Bottom"}],
        }
    )
    register(sr, "top", top, references=[MIDDLE_REF, BOTTOM_REF])
