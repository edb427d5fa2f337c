"""Helpers shared by the conformance modules."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from served_process import free_port


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


@contextmanager
def other_process(db: Path) -> Iterator[str]:
    """The base URL of the registry served on ``db`` by another process (stopped on exit)."""
    port = free_port()
    code = (
        "import sys; from reconciler.localregistry import serve; "
        "serve(sys.argv[1], port=int(sys.argv[2]))"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(db), str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "subprocess registry did not start"
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)
