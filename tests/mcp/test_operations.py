"""Operating the HTTP server: probes, metrics and JSON logs, over real HTTP (docs/operations.md).

Each server is ``reconcile mcp --transport http`` as a process; its stderr is
not a TTY, so it logs JSON lines, which the tests read back.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp_testkit import (
    ISSUER,
    SECRET,
    HttpServer,
    free_port,
    make_project,
    run_http,
    serve_http,
    structured,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    with serve_http(tmp_path_factory.mktemp("ops")) as served:
        yield served


def base(server: HttpServer) -> str:
    return server.url.removesuffix("/mcp")


def log_lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text ``text`` (0 when absent)."""
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match[3])
    return 0.0


def test_probes_need_no_token_and_reveal_no_configuration(server: HttpServer) -> None:
    health = httpx.get(base(server) + "/healthz")
    ready = httpx.get(base(server) + "/readyz")
    metrics = httpx.get(base(server) + "/metrics")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}
    assert metrics.status_code == 200 and "reconciler_mcp_tool_calls" in metrics.text
    for answer in (health, ready, metrics):
        for private in (ISSUER, str(server.project.root), "registry.db", SECRET):
            assert private not in answer.text


async def test_tool_calls_applies_and_registry_requests_are_measured_and_logged(
    server: HttpServer,
) -> None:
    token = server.token("read write", subject="alice")
    async with server.client(token) as client:
        plan = structured(await client.call_tool("plan", {}))
        applied = structured(
            await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
        )
        failed = await client.call_tool("list_subjects", {"registry": "nope"})
    assert applied["status"] == "applied" and failed.is_error
    text = httpx.get(base(server) + "/metrics").text
    assert metric(text, "reconciler_mcp_tool_calls_total", tool="plan", outcome="ok") >= 1
    assert metric(text, "reconciler_mcp_tool_errors_total", tool="list_subjects", registry="nope")
    assert metric(text, "reconciler_mcp_tool_duration_seconds_count", tool="apply") >= 1
    assert metric(text, "reconciler_applies_total", outcome="applied") == 1
    steps = metric(text, "reconciler_apply_steps_total", outcome="ok")
    assert steps == plan["actions"] > 0
    assert metric(text, "reconciler_registry_requests_total", registry="dev", status="200") > 0
    assert metric(text, "reconciler_http_requests_total", route="/mcp", status="200") > 0
    assert metric(text, "reconciler_http_requests_total", route="/readyz") == 0  # probes apart

    lines = log_lines(server.log)
    apply_line = next(line for line in lines if line.get("tool") == "apply")
    assert apply_line["principal"] == "alice" and apply_line["outcome"] == "ok"
    assert apply_line["request_id"] and apply_line["duration_ms"] >= 0
    requests = [line for line in lines if line.get("route") == "/mcp"]
    assert apply_line["request_id"] in {line["request_id"] for line in requests}
    error_line = next(line for line in lines if line.get("tool") == "list_subjects")
    assert error_line["registry"] == "nope" and error_line["outcome"] == "error"


def test_a_request_id_from_the_proxy_is_kept(server: HttpServer) -> None:
    answer = httpx.post(server.url, json={}, headers={"X-Request-Id": "proxy-42"})
    assert answer.headers["x-request-id"] == "proxy-42"
    # The access line is written once the response has gone (service/http.py), so the
    # client may read the log first: wait for it, bounded against a hang (not a timing).
    deadline = time.monotonic() + 30
    while not any(line.get("request_id") == "proxy-42" for line in log_lines(server.log)):
        assert time.monotonic() < deadline, "no access log line with the proxy's request id"
        time.sleep(0.05)


def test_a_token_in_the_query_string_is_refused_and_never_logged(server: HttpServer) -> None:
    token = server.token("read")
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream"}
    answer = httpx.post(f"{server.url}?access_token={token}", json=body, headers=headers)
    assert answer.status_code == 401  # RFC 6750's query form is not accepted
    log = server.log.read_text()
    assert token not in log and token.split(".")[2] not in log
    assert any(line.get("status") == 401 for line in log_lines(server.log))


def _write_project(root: Path, url: str) -> None:
    (root / "reconcile.yaml").write_text(
        f'version: 1\nregistries:\n  dev:\n    url: "{url}"\n'
        '    auth: {bearer: "${SR_TOKEN}"}\nspecs: [specs/*.yaml]\n'
    )


def test_not_ready_while_a_registry_does_not_answer(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    _write_project(project.root, url)
    log = tmp_path / "server.log"
    with run_http(project, log, "--no-auth") as served:
        assert httpx.get(served + "/healthz").status_code == 200
        ready = httpx.get(served + "/readyz", timeout=30)
        assert ready.status_code == 503
        assert ready.json() == {"status": "not ready", "failing": ["registries"]}
        assert url.split("//")[1] not in ready.text
    assert any(line.get("outcome") == "not_ready" for line in log_lines(log))


def test_not_ready_until_the_issuer_keys_load(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    jwks = f"http://127.0.0.1:{free_port()}/jwks.json"  # nothing listens there
    options = ["--issuer", "http://127.0.0.1/issuer", "--jwks", jwks, "--audience", "a"]
    with run_http(project, tmp_path / "server.log", *options) as served:
        ready = httpx.get(served + "/readyz", timeout=30)
        assert ready.status_code == 503
        assert ready.json() == {"status": "not ready", "failing": ["issuer-keys"]}


async def test_a_registry_over_http_is_reached_from_the_server(tmp_path: Path) -> None:
    """uvicorn runs the server on uvloop, whose transports are not asyncio.Transport
    subclasses: the registry client's connections must still work there."""
    from reconciler.localregistry import serve_in_thread

    project = make_project(tmp_path / "project")
    with serve_in_thread(tmp_path / "registry.db") as registry_url:
        _write_project(project.root, registry_url)
        with run_http(project, tmp_path / "server.log", "--no-auth") as served:
            assert httpx.get(served + "/readyz", timeout=30).status_code == 200
            client = HttpServer(served + "/mcp", None, tmp_path / "server.log", project)  # type: ignore[arg-type]
            async with client.client("unused") as session:
                listed = structured(await session.call_tool("list_subjects", {"registry": "dev"}))
    assert listed["subjects"] == []


async def test_metric_labels_are_not_whatever_a_caller_sends(server: HttpServer) -> None:
    async with server.client(server.token("read")) as client:
        unknown = await client.call_tool("made-up-tool-7", {})
    assert unknown.is_error
    text = httpx.get(base(server) + "/metrics").text
    assert "made-up-tool-7" not in text
    assert metric(text, "reconciler_mcp_tool_errors_total", tool="unknown") >= 1
