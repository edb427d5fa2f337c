"""Fault-injection fixtures: a real registry over HTTP with its request log, a staged project."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from reconciler.localregistry import serve_in_thread

from .scenario import V1, V2, cli, write_of, write_project


@dataclass
class Staged:
    """Version 1 of the scenario applied; the plan of version 2 saved in ``root/plan.json``."""

    root: Path
    url: str  # the registry itself (no faults)
    log: Path

    @property
    def plan(self) -> dict:
        return json.loads((self.root / "plan.json").read_text())

    def writes(self) -> list[tuple[str, str]]:
        """Every write the registry received so far, as (what, subject-or-level)."""
        lines = [json.loads(line) for line in self.log.read_text().splitlines() if line]
        return [w for w in (write_of(r["method"], r["path"]) for r in lines) if w is not None]


@pytest.fixture
def staged(tmp_path: Path) -> Iterator[Staged]:
    log = tmp_path / "requests.jsonl"
    with serve_in_thread(tmp_path / "registry.db", request_log=log) as url:
        root = tmp_path / "project"
        write_project(root, V1)
        code, output = cli(root, url, "apply", "--auto-approve")
        assert code == 0, output
        write_project(root, V2)
        code, output = cli(root, url, "plan", "--force-import", "--out", str(root / "plan.json"))
        assert code == 0, output
        yield Staged(root, url, log)
