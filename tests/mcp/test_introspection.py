"""Opaque access tokens through RFC 7662 introspection, against an endpoint on 127.0.0.1.

The endpoint (a small HTTP server here) knows a few tokens, as an authorization
server that does not issue JWTs would (GitHub's OAuth apps); their scopes are
mapped to the server's by --map-scope.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import httpx
from mcp_testkit import HttpServer, make_project, run_http, structured

CLIENT = ("reconciler-rs", "rs-secret-Hq2Zt8")
ISSUER = "http://127.0.0.1/issuer"  # the server listens on loopback: http is allowed
TOKENS = {
    "gho_repo": {"active": True, "scope": "repo", "sub": "octocat", "client_id": "gh-app"},
    "gho_user": {"active": True, "scope": "read:user", "sub": "octocat"},
    "gho_other_issuer": {"active": True, "scope": "repo", "iss": "https://elsewhere.test"},
    "gho_expired": {"active": True, "scope": "repo", "exp": 1},
    "gho_revoked": {"active": False},
}


@contextmanager
def introspection_endpoint() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            expected = "Basic " + base64.b64encode(":".join(CLIENT).encode()).decode()
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.end_headers()
                return
            token = parse_qs(body)["token"][0]
            seen.append(token)
            answer = json.dumps(TOKENS.get(token, {"active": False})).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/introspect", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def post(url: str, token: str) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "plan"}}
    headers = {"Accept": "application/json, text/event-stream", "Authorization": f"Bearer {token}"}
    return httpx.post(url, json=body, headers=headers)


async def test_opaque_tokens_are_introspected_and_their_scopes_mapped(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    project.env["RECONCILE_CLIENT_SECRET"] = CLIENT[1]
    log = tmp_path / "server.log"
    with introspection_endpoint() as (endpoint, seen):
        options = ["--issuer", ISSUER, "--introspection-url", endpoint]
        options += ["--client-id", CLIENT[0], "--map-scope", "repo=read,write"]
        with run_http(project, log, *options) as base:
            url = base + "/mcp"
            assert httpx.get(base + "/readyz").status_code == 200
            for token in ("gho_revoked", "gho_other_issuer", "gho_expired", "unknown"):
                answer = post(url, token)
                assert answer.status_code == 401, token
            assert post(url, "gho_user").status_code == 403  # read:user maps to nothing
            server = HttpServer(url, None, log, project)  # type: ignore[arg-type]
            async with server.client("gho_repo") as client:
                plan = structured(await client.call_tool("plan", {}))
                applied = structured(
                    await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
                )
            assert applied["status"] == "applied"
        assert "gho_repo" in seen and "gho_revoked" in seen
    text = log.read_text()
    assert CLIENT[1] not in text and "gho_repo" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert any(line.get("principal") == "octocat" for line in lines)
