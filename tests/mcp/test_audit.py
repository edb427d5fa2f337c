"""The journal records the real actor, and ``reconcile history`` lists past applies.

An MCP apply is journaled as the token's subject and client (not the OS user
the server runs as); an apply in GitHub Actions as GITHUB_ACTOR, with the
commit and the run's URL; any other as the OS user.
"""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp_testkit import ISSUER, HttpServer, Project, make_project, serve_http, structured


def history(project: Project, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", "history", str(project.root), *options],
        env={**os.environ, **project.env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def applies(project: Project) -> list[dict[str, Any]]:
    listed = history(project, "-o", "json")
    assert listed.returncode == 0, listed.stderr
    report = json.loads(listed.stdout)
    assert (report["format_version"], report["command"]) == (1, "history")
    return report["applies"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with serve_http(tmp_path_factory.mktemp("audit")) as served:
        yield served


async def test_an_mcp_apply_is_journaled_as_the_token_subject(server: HttpServer) -> None:
    async with server.client(server.token("read write", subject="alice")) as client:
        plan = structured(await client.call_tool("plan", {}))
        applied = structured(
            await client.call_tool("apply", {"plan_id": plan["plan_id"], "confirm": True})
        )
    assert applied["status"] == "applied"
    [entry] = applies(server.project)
    assert entry["actor"] == {
        "kind": "mcp",
        "subject": "alice",
        "client": "test-client",
        "issuer": ISSUER,
    }
    assert entry["outcome"] == "ok" and entry["registries"] == ["dev"]
    assert entry["actions"] == plan["actions"] == entry["steps_done"]
    text = history(server.project).stdout
    assert "alice (mcp client test-client)" in text and "ok" in text


def test_cli_applies_are_journaled_as_the_github_actor_or_the_os_user(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    github = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTOR": "octocat",
        "GITHUB_SHA": "0123456789abcdef0123",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/schemas",
        "GITHUB_RUN_ID": "42",
    }
    base = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}

    def apply(env: dict[str, str]) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "reconciler", "apply", "--auto-approve"],
            cwd=project.root,
            env={**base, **project.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr

    apply(github)
    project.edit("specs/payments.yaml", "compatibility: FULL", "compatibility: NONE")
    apply({})
    first, second = applies(project)
    assert first["actor"] == {
        "kind": "github",
        "user": "octocat",
        "commit": "0123456789abcdef0123",
        "run_url": "https://github.com/acme/schemas/actions/runs/42",
    }
    assert second["actor"] == {"kind": "os", "user": getpass.getuser()}
    assert second["summary"]["change"] == 1 and second["outcome"] == "ok"
    assert first["started"] < second["started"]
    assert (
        "octocat (GitHub https://github.com/acme/schemas/actions/runs/42" in history(project).stdout
    )
