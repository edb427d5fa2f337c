"""Streamable HTTP as an OAuth 2.1 resource server: JWTs signed by a test issuer's key.

One server process (`reconcile mcp --transport http --issuer ... --jwks FILE`)
serves every test of this module; tokens are minted here with an RSA key whose
public half is the JWKS file.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric import rsa
from mcp.shared.exceptions import MCPError
from mcp_testkit import (
    ISSUER,
    HttpServer,
    assert_no_secret,
    make_project,
    structured,
    text_of,
)

from reconciler.cli import main


def test_no_token_or_a_bad_one_is_401(http_server: HttpServer) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream"}
    answer = httpx.post(http_server.url, json=body, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer ")
    assert "resource_metadata=" in answer.headers["www-authenticate"]
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for bad in (
        http_server.token("read", key=other_key),
        http_server.token("read", audience="someone-else"),
        http_server.token("read", expires_in=-60),
        "not-a-jwt",
    ):
        answer = httpx.post(
            http_server.url, json=body, headers={**headers, "Authorization": f"Bearer {bad}"}
        )
        assert answer.status_code == 401, bad
    metadata = httpx.get(
        http_server.url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp")
    ).json()
    assert metadata["authorization_servers"] == [ISSUER]


async def test_read_scope_plans_but_cannot_apply(http_server: HttpServer) -> None:
    async with http_server.client(http_server.token("read")) as client:
        assert {t.name for t in (await client.list_tools()).tools} >= {"plan", "apply"}
        planned = await client.call_tool("plan", {})
        plan = structured(planned)
        assert plan["has_changes"]
        with pytest.raises(MCPError):  # HTTP 403 insufficient_scope (tests/mcp/test_auth.py)
            await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
    async with http_server.client(http_server.token("read")) as client:
        status = await client.read_resource("reconciler://registries/dev")
        assert json.loads(status.contents[0].text)["subjects"] == 0  # type: ignore[union-attr]
        assert_no_secret(planned, status)


async def test_read_and_write_scopes_apply(http_server: HttpServer) -> None:
    progress: list[float] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(done)

    async with http_server.client(http_server.token("read write")) as client:
        plan = structured(await client.call_tool("plan", {}))
    # Plans are private to the principal that made them.
    async with http_server.client(http_server.token("read write", subject="user-2")) as other:
        foreign = await other.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
        assert foreign.is_error and "no plan" in text_of(foreign)
    async with http_server.client(http_server.token("read write")) as client:
        applied = await client.call_tool(
            "apply", {"plan_id": plan["plan_id"], "confirm": True}, progress_callback=on_progress
        )
        result = structured(applied)
        assert result["status"] == "applied" and result["replan_empty"]
        assert len(progress) == plan["actions"]
        assert not structured(await client.call_tool("plan", {}))["has_changes"]
        assert_no_secret(applied)


def test_http_without_an_issuer_needs_no_auth_on_loopback(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    runner = CliRunner()
    for options in (
        ["--transport", "http"],
        ["--transport", "http", "--no-auth", "--host", "0.0.0.0"],
    ):
        result = runner.invoke(main, ["mcp", str(project.root), *options])
        assert result.exit_code == 1
        assert "refusing to serve HTTP without authentication" in result.output
