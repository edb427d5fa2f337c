"""``reconcile registry serve`` as a service: probes, metrics per route, counts, JSON logs.

The command runs as a process on a free loopback port; its stderr is a file,
so it logs JSON lines.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from served_process import free_port

SECRET = "query-token-7Hc2"


@dataclass
class Served:
    url: str
    log: Path


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    log = tmp_path / "stderr.log"
    command = [sys.executable, "-m", "reconciler", "registry", "serve", "--port", str(port)]
    command += ["--data", str(tmp_path / "registry.db"), "--log-level", "info"]
    with log.open("w") as err:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
        yield Served(url, log)
    finally:
        process.terminate()
        process.wait(timeout=10)


def sample(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if match and match[1] == name:
            found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
            if all(found.get(k) == v for k, v in labels.items()):
                return float(match[3])
    return 0.0


def test_probes_answer(served: Served) -> None:
    assert httpx.get(served.url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(served.url + "/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}
    assert "registry.db" not in ready.text


def test_metrics_count_requests_per_route_and_the_store(served: Served) -> None:
    schema = json.dumps({"type": "record", "name": "U", "fields": []})
    with httpx.Client(base_url=served.url) as client:
        for subject in ("orders-value", "users-value"):
            posted = client.post(f"/subjects/{subject}/versions", json={"schema": schema})
            assert posted.status_code == 200
        client.get("/subjects/orders-value/versions/latest")
        client.get("/contexts/.billing/subjects")
        assert client.get("/no/such/route").status_code == 404
    text = httpx.get(served.url + "/metrics").text
    route = "POST /subjects/{subject}/versions"
    assert sample(text, "reconciler_http_requests_total", route=route, status="200") == 2
    latest = "GET /subjects/{subject}/versions/{version}"
    assert sample(text, "reconciler_http_request_duration_seconds_count", route=latest) == 1
    assert sample(text, "reconciler_http_requests_total", route="GET /subjects") == 1
    assert sample(text, "reconciler_http_requests_total", route="other", status="404") == 1
    assert "orders-value" not in text and ".billing" not in text  # routes, not subjects
    assert sample(text, "reconciler_localregistry_subjects") == 2
    assert sample(text, "reconciler_localregistry_versions") == 2
    assert sample(text, "reconciler_localregistry_schemas") == 1


def test_logs_are_json_lines_without_query_strings(served: Served) -> None:
    httpx.get(served.url + f"/subjects?access_token={SECRET}", headers={"X-Request-Id": "r-1"})
    time.sleep(0.1)  # the line is written as the response is sent
    text = served.log.read_text()
    assert SECRET not in text
    lines = [json.loads(line) for line in text.splitlines()]
    request = next(line for line in lines if line.get("request_id") == "r-1")
    assert request["route"] == "GET /subjects" and request["path"] == "/subjects"
    assert request["status"] == 200 and request["duration_ms"] >= 0
