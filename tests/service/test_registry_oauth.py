"""OAuth 2.0 client credentials to registries, against a token endpoint on 127.0.0.1.

The registry (the local one, served over HTTP) accepts only the tokens the
endpoint issued and not revoked: the client fetches one, keeps it, fetches a
new one before it expires, and once when the registry answers 401.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from registry.forward_proxy import ForwardProxy  # tests/ is on sys.path
from starlette.types import ASGIApp, Receive, Scope, Send

from reconciler.localregistry import serve_in_thread
from reconciler.registry import RegistryClient
from reconciler.spec.model import OAuthClientCredentials, RegistryConfig

REPO = Path(__file__).resolve().parents[2]
CLIENT_ID, SECRET = "reconciler", "cc-secret-Vb7Qm2Kd"


@dataclass
class Issuer:
    url: str = ""
    expires_in: int = 3600
    issued: list[str] = field(default_factory=list)
    valid: set[str] = field(default_factory=set)
    requests: list[dict[str, list[str]]] = field(default_factory=list)


@contextmanager
def token_endpoint(issuer: Issuer) -> Iterator[Issuer]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
            issuer.requests.append(form)
            basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
            if self.headers.get("Authorization") != basic:
                self._answer(401, {"error": "invalid_client"})
                return
            token = f"tok-{len(issuer.issued) + 1}"
            issuer.issued.append(token)
            issuer.valid.add(token)
            answer = {"access_token": token, "token_type": "Bearer"}
            self._answer(200, {**answer, "expires_in": issuer.expires_in})

        def _answer(self, status: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    issuer.url = f"http://127.0.0.1:{server.server_port}/token"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def bearer_gate(issuer: Issuer):
    def wrap(app: ASGIApp) -> ASGIApp:
        async def gated(scope: Scope, receive: Receive, send: Send) -> None:
            headers = dict(scope.get("headers", ()))
            token = headers.get(b"authorization", b"").decode().removeprefix("Bearer ")
            if scope["type"] == "http" and token not in issuer.valid:
                await send({"type": "http.response.start", "status": 401, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
            await app(scope, receive, send)

        return gated

    return wrap


@contextmanager
def served(tmp: Path, issuer: Issuer) -> Iterator[tuple[Issuer, str]]:
    with (
        token_endpoint(issuer),
        serve_in_thread(tmp / "registry.db", wrap=bearer_gate(issuer)) as url,
    ):
        yield issuer, url


def config(url: str, issuer: Issuer) -> RegistryConfig:
    oauth = OAuthClientCredentials(issuer.url, CLIENT_ID, SECRET, "schema:write", "sr-cluster")
    return RegistryConfig("cc", url, auth=oauth)


async def test_the_token_is_cached_and_fetched_again_once_on_401(tmp_path: Path) -> None:
    with served(tmp_path, Issuer()) as (issuer, url):
        async with RegistryClient.from_config(config(url, issuer), tmp_path) as client:
            for _ in range(3):
                assert await client.get_subjects() == []
            assert issuer.issued == ["tok-1"]  # one token for every request
            form = issuer.requests[0]
            assert form["grant_type"] == ["client_credentials"]
            assert form["scope"] == ["schema:write"] and form["audience"] == ["sr-cluster"]
            issuer.valid.clear()  # revoked: the registry answers 401
            assert await client.get_subjects() == []
            assert issuer.issued == ["tok-1", "tok-2"]


async def test_a_token_is_fetched_again_before_it_expires(tmp_path: Path) -> None:
    with served(tmp_path, Issuer(expires_in=10)) as (issuer, url):  # within the margin
        async with RegistryClient.from_config(config(url, issuer), tmp_path) as client:
            await client.get_subjects()
            await client.get_subjects()
        assert issuer.issued == ["tok-1", "tok-2"]


async def test_the_token_url_is_reached_through_the_registrys_proxy(tmp_path: Path) -> None:
    """Behind a corporate proxy the token endpoint is no nearer than the registry."""
    with served(tmp_path, Issuer()) as (issuer, url), ForwardProxy() as proxy:
        with_proxy = replace(config(url, issuer), proxy=proxy.url)
        async with RegistryClient.from_config(with_proxy, tmp_path) as client:
            assert await client.get_subjects() == []
        assert issuer.issued == ["tok-1"]
        assert [s.line for s in proxy.seen] == [
            f"POST {issuer.url} HTTP/1.1",
            f"GET {url}/subjects HTTP/1.1",
        ]


def test_the_cli_applies_with_a_secret_from_the_environment(tmp_path: Path) -> None:
    with served(tmp_path, Issuer()) as (issuer, url):
        root = tmp_path / "project"
        shutil.copytree(REPO / "examples" / "quickstart", root)
        (root / "reconcile.yaml").write_text(
            "version: 1\nregistries:\n  cc:\n"
            f'    url: "{url}"\n'
            f'    auth:\n      oauth: {{token_url: "{issuer.url}", client_id: {CLIENT_ID},'
            ' client_secret: "${SR_CLIENT_SECRET}"}\n'
            "specs: [specs/*.yaml]\n"
        )

        def apply(secret: str) -> subprocess.CompletedProcess[str]:
            env = {**os.environ, "SR_CLIENT_SECRET": secret, "PYTHONPATH": str(REPO)}
            return subprocess.run(
                [sys.executable, "-m", "reconciler", "apply", "--auto-approve"],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )

        wrong = apply("not-the-secret-Xy")
        assert wrong.returncode == 1 and "no access token" in wrong.stderr
        assert "not-the-secret-Xy" not in wrong.stdout + wrong.stderr
        applied = apply(SECRET)
        assert applied.returncode == 0, applied.stderr
        assert SECRET not in applied.stdout + applied.stderr
        assert len(issuer.issued) == 1  # one token for the whole apply
