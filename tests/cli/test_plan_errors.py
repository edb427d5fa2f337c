"""A plan with errors fails everywhere it is reported: plan and show exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import reconcile, write_project


@pytest.mark.parametrize("flags", [[], ["--detailed-exitcode"], ["-o", "json"]])
def test_plan_with_errors_exits_1(incompatible: Path, flags: list[str]) -> None:
    result = reconcile("plan", ".", *flags, cwd=incompatible)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "not BACKWARD compatible" in result.stdout


def test_show_of_a_saved_plan_with_errors_exits_1(incompatible: Path) -> None:
    planned = reconcile("plan", ".", "--out", "plan.json", cwd=incompatible)
    assert planned.returncode == 1
    saved = json.loads((incompatible / "plan.json").read_text())
    assert saved["problems"] and saved["actions"]
    for output in ("text", "markdown", "json"):
        shown = reconcile("show", "plan.json", "-o", output, cwd=incompatible)
        assert shown.returncode == 1, (output, shown.stdout, shown.stderr)
        assert "not BACKWARD compatible" in shown.stdout


def test_show_of_a_clean_saved_plan_exits_0(project: Path) -> None:
    write_project(project, {"reconcile.yaml": "version: 1\n", "specs/a.yaml": "subjects: {}\n"})
    assert reconcile("plan", ".", "--out", "plan.json", cwd=project).returncode == 0
    assert reconcile("show", "plan.json", cwd=project).returncode == 0
