"""Every location a user sees names the file relative to the project root.

Run from another directory (as CI does, from the workspace, with the project
somewhere below), a message must not read ``/home/runner/work/.../specs/a.yaml``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp.client import Client

from reconciler.mcp import build_server

from .conftest import reconcile, write_project


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    other = tmp_path / "elsewhere"
    other.mkdir()
    return other


def test_validate_errors_are_relative_to_the_project(project: Path, elsewhere: Path) -> None:
    write_project(
        project,
        {
            "reconcile.yaml": "version: 1\n",
            "specs/a.yaml": "subjects:\n  a: {schema: missing.avsc}\n  b: {typ: AVRO}\n",
        },
    )
    result = reconcile("validate", str(project), cwd=elsewhere)
    assert result.returncode == 1
    assert "specs/a.yaml:2:15: schema file not found: specs/missing.avsc" in result.stderr
    assert "specs/a.yaml:3:7:" in result.stderr
    assert str(project) not in result.stderr


def test_plan_problems_are_relative_in_every_view(incompatible: Path, elsewhere: Path) -> None:
    for output in ("text", "markdown", "json"):
        result = reconcile("plan", str(incompatible), "-o", output, cwd=elsewhere)
        assert result.returncode == 1
        assert "specs/orders.yaml:3:3" in result.stdout, output
        assert str(incompatible) not in result.stdout + result.stderr, output
    planned = reconcile("plan", str(incompatible), "-o", "json", cwd=elsewhere)
    sources = {p["source"] for p in json.loads(planned.stdout)["problems"]}
    assert sources == {"specs/orders.yaml:3:3"}


async def test_mcp_results_are_relative(
    incompatible: Path, elsewhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(elsewhere)
    async with Client(build_server(incompatible)) as client:
        planned = await client.call_tool("plan", {})
        text = json.dumps(planned.structured_content) + str(planned.content)
        assert "specs/orders.yaml:3:3" in text
        assert str(incompatible) not in text
        (incompatible / "specs/orders.yaml").write_text("subjects:\n  x: {typ: AVRO}\n")
        validated = await client.call_tool("validate_specs", {})
        text = json.dumps(validated.structured_content)
        assert "specs/orders.yaml:2:7:" in text and str(incompatible) not in text
