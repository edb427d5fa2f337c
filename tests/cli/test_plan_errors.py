"""A plan with errors fails everywhere it is reported: plan and show exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import reconcile, write_project

V1 = '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}]}'
# Adds a field without a default: not BACKWARD compatible with V1.
V2 = (
    '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}, '
    '{"name": "total", "type": "int"}]}'
)


@pytest.fixture
def incompatible(project: Path) -> Path:
    """A project whose registry holds V1 and whose spec asks for the incompatible V2,
    beside a new subject (so the failed plan has an action too)."""
    write_project(
        project,
        {
            "reconcile.yaml": "version: 1\n",
            "specs/orders.yaml": "compatibility: BACKWARD\nsubjects:\n"
            "  orders-value: {schema: ../schemas/order.avsc}\n",
            "schemas/order.avsc": V1,
        },
    )
    applied = reconcile("apply", ".", "--auto-approve", cwd=project)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    (project / "schemas/order.avsc").write_text(V2)
    (project / "specs/more.yaml").write_text(
        "context: more\nsubjects:\n  new-value: {schema: ../schemas/order.avsc}\n"
    )
    return project


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
