"""A second ``reconcile plan`` reuses the loaded project, and sees every change.

The CLI as a subprocess against the embedded local registry; the project
cache is under ``.reconcile/cache/`` (tests/spec/test_project_cache.py holds
its keys one by one).
"""

from __future__ import annotations

from pathlib import Path

from .conftest import V1, V2, reconcile, write_project


def plan(project: Path, env: dict[str, str]) -> str:
    result = reconcile("plan", ".", "--detailed-exitcode", cwd=project, env=env)
    assert result.returncode in (0, 1, 2), result.stdout + result.stderr
    return result.stdout


def test_a_second_plan_sees_an_edited_schema_and_a_changed_variable(
    project: Path, tmp_path: Path
) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "user-cache"), "LEVEL": "BACKWARD"}
    write_project(
        project,
        {
            "reconcile.yaml": "version: 1\n",
            "specs/orders.yaml": "compatibility: ${LEVEL}\nsubjects:\n"
            "  orders-value: {schema: ../schemas/order.avsc}\n",
            "schemas/order.avsc": V1,
        },
    )
    applied = reconcile("apply", ".", "--auto-approve", cwd=project, env=env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "No changes" in plan(project, env)
    cached = project / ".reconcile/cache/project.bin"
    assert cached.is_file()
    stamp = cached.stat().st_mtime_ns
    assert "No changes" in plan(project, env)
    assert cached.stat().st_mtime_ns == stamp  # reused as it was

    assert "FULL" in plan(project, {**env, "LEVEL": "FULL"})
    (project / "schemas/order.avsc").write_text(V2)
    assert "register      orders-value  (AVRO, version 2" in plan(project, env)
