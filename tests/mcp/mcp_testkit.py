"""Helpers shared by the MCP server tests (a module, not a package: a package named
``mcp`` under ``tests/`` would shadow the SDK)."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp.client.stdio import StdioServerParameters
from mcp_types import CallToolResult

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
