"""Serving: the CLI command, serve_in_thread, ASGI in-process use, request log, restarts."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from reconciler.localregistry import create_app, serve_in_thread

from .helpers import avro_record, free_port, register

USER = avro_record("User", ("name", "string"))


def test_cli_serve_prints_ready_line_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    data = tmp_path / "sub" / "registry.db"
    log = tmp_path / "requests.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from reconciler.cli import main; main()",
            "registry",
            "serve",
            "--port",
            str(port),
            "--data",
            str(data),
            "--request-log",
            str(log),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line == f"local registry listening on http://127.0.0.1:{port} (data: {data})"
        url = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{url}/").json() == {}
        with httpx.Client(base_url=url) as client:
            register(client, "users-value", USER)
        assert data.exists()
        entries = [json.loads(x) for x in log.read_text().splitlines()]
        assert entries[0] == {"method": "GET", "path": "/", "query": "", "status": 200}
        proc.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught
        assert proc.wait(timeout=15) in (0, -signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_serve_in_thread_picks_a_free_port_and_stops(db_path: Path) -> None:
    with serve_in_thread(db_path) as url:
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{url}/").json() == {}
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/", timeout=2)


def test_data_survives_a_restart(db_path: Path) -> None:
    with serve_in_thread(db_path) as url, httpx.Client(base_url=url) as client:
        schema_id = register(client, "users-value", USER)["id"]
        client.put("/config/users-value", json={"compatibility": "FULL"})
    with serve_in_thread(db_path) as url, httpx.Client(base_url=url) as client:
        assert client.get("/subjects").json() == ["users-value"]
        assert client.get("/subjects/users-value/versions/1").json()["id"] == schema_id
        assert client.get("/config/users-value").json() == {"compatibilityLevel": "FULL"}


async def test_in_process_through_asgi_transport(tmp_path: Path) -> None:
    app = create_app(tmp_path / "new" / "dir" / "registry.db")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://local") as client:
        response = await client.post("/subjects/users-value/versions", json={"schema": USER})
        assert response.json() == {"id": 1}
        assert (await client.get("/subjects")).json() == ["users-value"]


async def test_two_apps_on_one_file_share_state(tmp_path: Path) -> None:
    db = tmp_path / "registry.db"
    first = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(db)), base_url="http://a"
    )
    second = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(db)), base_url="http://b"
    )
    async with first, second:
        await first.post("/subjects/a-value/versions", json={"schema": USER})
        other = avro_record("Other", ("x", "int"))
        response = await second.post("/subjects/b-value/versions", json={"schema": other})
        assert response.json() == {"id": 2}
        assert (await first.get("/subjects")).json() == ["a-value", "b-value"]


def test_request_log_has_no_bodies_or_credentials(sr: httpx.Client, request_log: Path) -> None:
    secret = "s3cr3t-token"
    sr.post(
        "/subjects/users-value/versions",
        json={"schema": USER},
        headers={"Authorization": f"Bearer {secret}"},
    )
    sr.get("/subjects", params={"deleted": "true"})
    sr.get("/subjects/nope/versions")
    text = request_log.read_text()
    assert secret not in text and "User" not in text
    entries = [json.loads(x) for x in text.splitlines()]
    assert entries == [
        {"method": "POST", "path": "/subjects/users-value/versions", "query": "", "status": 200},
        {"method": "GET", "path": "/subjects", "query": "deleted=true", "status": 200},
        {"method": "GET", "path": "/subjects/nope/versions", "query": "", "status": 404},
    ]


def test_default_bind_is_loopback() -> None:
    from reconciler.cli.registry_cmd import serve

    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"


def test_request_log_keeps_the_path_and_query_as_sent(sr: httpx.Client, request_log: Path) -> None:
    sr.get("/contexts/.staging/subjects", params={"deleted": "true"})
    entry = json.loads(request_log.read_text().splitlines()[-1])
    assert entry == {
        "method": "GET",
        "path": "/contexts/.staging/subjects",
        "query": "deleted=true",
        "status": 200,
    }


async def test_a_bug_is_a_json_500_even_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reconciler.localregistry._registry import Registry

    def broken(self: Registry) -> list[str]:
        raise RuntimeError("boom")

    monkeypatch.setattr(Registry, "contexts", broken)
    transport = httpx.ASGITransport(app=create_app(tmp_path / "registry.db"))
    async with httpx.AsyncClient(transport=transport, base_url="http://local") as client:
        response = await client.get("/contexts")
    assert response.status_code == 500
    assert response.json() == {"error_code": 500, "message": "Internal Server Error"}


def test_serve_in_thread_reports_a_port_in_use(db_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with (
            pytest.raises(RuntimeError, match="failed to start"),
            serve_in_thread(db_path, port=port),
        ):
            pass
