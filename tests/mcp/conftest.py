"""MCP server fixtures: a quickstart project on the embedded registry, with a secret.

The project's registry is sent a bearer token taken from ``SR_TOKEN``; the
registry ignores it, and the tests check that it never reaches a client.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp_testkit import SECRET, HttpServer, Project, make_project, serve_http


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv("SR_TOKEN", SECRET)  # for servers built in this process
    return make_project(tmp_path / "project")


@pytest.fixture(scope="module")
def http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """One HTTP server per test module (starting one takes about a second)."""
    with serve_http(tmp_path_factory.mktemp("http")) as server:
        yield server
