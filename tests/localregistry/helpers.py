"""Helpers shared by the conformance modules."""

from __future__ import annotations

import json

import httpx


def avro_record(name: str, *fields: tuple[str, object]) -> str:
    """An Avro record schema text; each field is (name, type) or (name, type, default)."""
    out = []
    for field in fields:
        entry: dict[str, object] = {"name": field[0], "type": field[1]}
        if len(field) > 2:
            entry["default"] = field[2]
        out.append(entry)
    return json.dumps({"type": "record", "name": name, "fields": out})


def register(
    sr: httpx.Client, subject: str, schema: str, *, expect: int = 200, **body: object
) -> dict:
    response = sr.post(f"/subjects/{subject}/versions", json={"schema": schema, **body})
    assert response.status_code == expect, response.text
    return response.json()


def error_code(response: httpx.Response) -> int:
    body = response.json()
    assert set(body) == {"error_code", "message"}, body
    assert isinstance(body["message"], str) and body["message"]
    return int(body["error_code"])
