"""The OAuth resource server, claim by claim, over real HTTP (docs/mcp.md, RFC 6750/9728).

Every check the verifier makes has a token here that only that check rejects:
removing it (the issuer, the audience, a required claim, the algorithm list,
the key id match) makes one of these tests fail.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from mcp_testkit import (
    AUDIENCE,
    ISSUER,
    HttpServer,
    make_project,
    serve_http,
    structured,
    text_of,
)

from reconciler.cli import main

CALL_PLAN = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "plan"}}
CALL_APPLY = {
    "jsonrpc": "2.0",
    "id": 2,
    "method": "tools/call",
    "params": {"name": "apply", "arguments": {"plan_id": "x", "confirm": True}},
}
HEADERS = {"Accept": "application/json, text/event-stream"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    with serve_http(tmp_path_factory.mktemp("auth")) as served:
        yield served


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-1", "scope": "read", "exp": now + 300}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_with_public_key(server: HttpServer) -> str:
    """The classic key confusion: HMAC keyed with the RSA public key's PEM."""
    pem = server.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "test"}).encode())
    payload = _b64(json.dumps(claims()).encode())
    signature = hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def post(server: HttpServer, body: dict[str, Any], token: str | None) -> httpx.Response:
    headers = dict(HEADERS)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(server.url, json=body, headers=headers)


def test_every_claim_is_checked(server: HttpServer) -> None:
    sign = lambda payload, **kw: jwt.encode(  # noqa: E731
        payload, server.key, algorithm="RS256", headers={"kid": kw.get("kid", "test")}
    )
    assert post(server, CALL_PLAN, sign(claims())).status_code != 401  # the baseline is valid
    rejected = {
        "wrong issuer": sign(claims(iss="https://evil.test")),
        "wrong audience": sign(claims(aud="someone-else")),
        "missing exp": sign(claims(exp=None)),
        "missing iss": sign(claims(iss=None)),
        "missing aud": sign(claims(aud=None)),
        "expired": sign(claims(exp=int(time.time()) - 60)),
        "unknown kid": sign(claims(), kid="another-key"),
        "alg none": jwt.encode(claims(), None, algorithm="none"),
        "HS256 keyed with the public key": hs256_with_public_key(server),
    }
    for why, token in rejected.items():
        answer = post(server, CALL_PLAN, token)
        assert answer.status_code == 401, why
        assert answer.headers["www-authenticate"].startswith('Bearer error="invalid_token"'), why


def test_no_token_gets_a_challenge_without_an_error(server: HttpServer) -> None:
    answer = post(server, CALL_PLAN, None)
    assert answer.status_code == 401
    challenge = answer.headers["www-authenticate"]
    assert challenge.startswith("Bearer resource_metadata=") and "error=" not in challenge


def test_a_missing_scope_is_403_insufficient_scope(server: HttpServer) -> None:
    read, write = server.token("read"), server.token("write")
    answer = post(server, CALL_APPLY, read)
    assert answer.status_code == 403
    challenge = answer.headers["www-authenticate"]
    assert challenge.startswith('Bearer error="insufficient_scope", scope="write"')
    answer = post(server, CALL_PLAN, write)
    assert answer.status_code == 403 and 'scope="read"' in answer.headers["www-authenticate"]
    read_resource = {"jsonrpc": "2.0", "id": 3, "method": "resources/read", "params": {}}
    assert post(server, read_resource, write).status_code == 403


def test_the_resource_metadata_lists_the_scopes(server: HttpServer) -> None:
    metadata = httpx.get(
        server.url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp")
    ).json()
    assert metadata["authorization_servers"] == [ISSUER]
    assert metadata["scopes_supported"] == ["read", "write", "admin"]


async def test_admin_is_needed_for_pinned_ids_and_global_modes(server: HttpServer) -> None:
    project = server.project
    project.edit(  # a history with a pinned id
        "specs/payments.yaml",
        "    schema: ../schemas/money.avsc\n",
        "    versions:\n      - id: 901\n        schema: ../schemas/money.avsc\n",
    )
    async with server.client(server.token("read write")) as client:
        plan = structured(await client.call_tool("plan", {}))
        refused = await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
    assert refused.is_error
    message = text_of(refused)
    assert "needs the 'admin' scope (" in message
    assert "it registers a pinned id (money-value)" in message
    async with server.client(server.token("read write admin")) as client:
        applied = await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
        assert structured(applied)["status"] == "applied", structured(applied)
    project.edit("reconcile.yaml", '    url: "local:', '    mode: READONLY\n    url: "local:')
    async with server.client(server.token("read write")) as client:
        plan = structured(await client.call_tool("plan", {}))
        refused = await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
    assert refused.is_error and "it changes the mode of (global)" in text_of(refused)


def test_bad_settings_are_one_clear_error(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    runner = CliRunner()
    cases = {
        ("--issuer", ""): "--issuer '': not an http(s) URL",
        ("--issuer", "login.example.com", "--jwks", str(jwks)): "not an http(s) URL",
        ("--host", "0.0.0.0", "--issuer", "http://login.example.com", "--jwks", str(jwks)): (
            "--issuer http://login.example.com: must be https"
        ),
        (
            "--host",
            "0.0.0.0",
            "--issuer",
            "https://login.example.com",
            "--jwks",
            "http://login.example.com/jwks",
        ): "--jwks http://login.example.com/jwks: must be https",
        ("--issuer", "https://login.example.com", "--jwks", str(tmp_path / "nope.json")): (
            "not a usable JWKS file"
        ),
        ("--issuer", "https://login.example.com"): "--issuer needs --jwks",
        ("--issuer", "https://i.test", "--jwks", str(jwks), "--audience", " "): "--audience",
        ("--issuer", "https://i.test", "--introspection-url", "https://i.test/in"): (
            "--introspection-url needs --client-id and --client-secret"
        ),
        ("--issuer", "https://i.test", "--map-scope", "repo", "--introspection-url", "x"): (
            "--introspection-url 'x': not an http(s) URL"
        ),
    }
    for options, message in cases.items():
        result = runner.invoke(main, ["mcp", str(project.root), "--transport", "http", *options])
        assert result.exit_code == 1, (options, result.output)
        assert message in result.output, (options, result.output)
        assert "Traceback" not in result.output
