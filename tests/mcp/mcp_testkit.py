"""Helpers shared by the MCP server tests (a module, not a package: a package named
``mcp`` under ``tests/`` would shadow the SDK)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import httpx2
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult
from served_process import free_port

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart"
SECRET = "sr-token-Zq8wL1xV9s"  # what no result, log or error may show

PROJECT_FILE = """\
version: 1
registries:
  dev:
    url: "local:.reconcile/registry.db"
    auth: {bearer: "${SR_TOKEN}"}
specs: [specs/*.yaml]
"""


@dataclass
class Project:
    root: Path
    env: dict[str, str]

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text()
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1))


def make_project(root: Path) -> Project:
    """A copy of the quickstart whose registry (embedded) is sent a secret token."""
    shutil.copytree(QUICKSTART, root, ignore=shutil.ignore_patterns(".reconcile"))
    (root / "reconcile.yaml").write_text(PROJECT_FILE)
    return Project(root, {"SR_TOKEN": SECRET, "PYTHONPATH": str(REPO)})


def server_command(project: Project, *options: str) -> list[str]:
    return [sys.executable, "-m", "reconciler", "mcp", str(project.root), *options]


def server_env(project: Project) -> dict[str, str]:
    return {**os.environ, **project.env}


def stdio_params(project: Project) -> StdioServerParameters:
    command, *args = server_command(project)
    return StdioServerParameters(
        command=command, args=args, env=server_env(project), cwd=str(project.root)
    )


def structured(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def text_of(result: CallToolResult) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def assert_no_secret(*results: object) -> None:
    for result in results:
        dumped = result.model_dump_json() if hasattr(result, "model_dump_json") else str(result)
        assert SECRET not in dumped


ISSUER = "https://issuer.test"
AUDIENCE = "reconciler-test"


@dataclass
class HttpServer:
    """``reconcile mcp --transport http`` trusting tokens signed with ``key``."""

    url: str
    key: rsa.RSAPrivateKey
    log: Path
    project: Project

    def token(
        self,
        scope: str,
        *,
        audience: str = AUDIENCE,
        subject: str = "user-1",
        expires_in: int = 300,
        key: rsa.RSAPrivateKey | None = None,
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": audience,
            "sub": subject,
            "client_id": "test-client",
            "scope": scope,
            "iat": now,
            "exp": now + expires_in,
        }
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": "test"})

    def client(self, token: str, **options: object) -> Client:
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
        return Client(streamable_http_client(self.url, http_client=http), **options)  # type: ignore[arg-type]


@contextmanager
def serve_http(tmp: Path) -> Iterator[HttpServer]:
    """The server on a free loopback port, with a JWKS file of a key made here."""
    project = make_project(tmp / "project")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks = tmp / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "test", "use": "sig", "alg": "RS256"}]}))
    options = ["--issuer", ISSUER, "--jwks", str(jwks), "--audience", AUDIENCE]
    with run_http(project, tmp / "server.log", *options) as base:
        yield HttpServer(base + "/mcp", key, tmp / "server.log", project)


@contextmanager
def run_http(project: Project, log: Path, *options: str) -> Iterator[str]:
    """``reconcile mcp --transport http`` on a free loopback port; yields its base URL once
    /healthz answers. Its stdout and stderr (JSON log lines) go to ``log``."""
    port = free_port()
    command = server_command(project, "--transport", "http", "--port", str(port), *options)
    with log.open("w") as out:
        process = subprocess.Popen(
            command, env=server_env(project), stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(base + "/healthz", timeout=1)
            break
        except httpx.HTTPError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait(timeout=10)
                raise RuntimeError(f"the MCP server did not start: {log.read_text()}") from None
            time.sleep(0.1)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert SECRET not in log.read_text()


def add_stage(project: Project, *, dev_readonly: bool = False) -> None:
    """A second embedded registry, ``stage``, that every spec targets beside ``dev``."""
    readonly = "    readonly: true\n" if dev_readonly else ""
    stage = "  stage:\n    url: local:.reconcile/stage.db\n"
    project.edit("reconcile.yaml", "specs:", f"{readonly}{stage}specs:")
    for spec in ("specs/orders.yaml", "specs/payments.yaml"):
        path = project.root / spec
        path.write_text("registries: [dev, stage]\n" + path.read_text())
