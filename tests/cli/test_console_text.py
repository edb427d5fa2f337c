"""What the CLI prints of names, paths and messages is printed as they are.

The CLI prints through rich, whose markup (``[bold]``, ``[/x]``) and emoji codes
(``:smile:``) would otherwise turn a subject, a path or a registry's message into
something else, or fail on it: a subject may be named anything, a directory too.
"""

from __future__ import annotations

from pathlib import Path

from .conftest import reconcile, write_project

ODD = "orders:smile:[bold]x[/bold]-value"


def _project(root: Path) -> Path:
    return write_project(
        root,
        {
            "reconcile.yaml": "version: 1\nregistries:\n  r:\n    url: local:reg.db\n",
            "specs/a.yaml": f"subjects:\n  '{ODD}':\n    schema: '\"string\"'\n",
        },
    )


def test_a_plan_shows_a_subject_named_with_markup_and_emoji_codes_as_it_is(
    project: Path,
) -> None:
    done = reconcile("plan", ".", cwd=_project(project))
    assert done.returncode == 0, done.stderr
    assert f"+ register      {ODD}" in done.stdout, done.stdout


def test_each_applied_step_names_its_subject_as_it_is(project: Path) -> None:
    done = reconcile("apply", ".", "--auto-approve", cwd=_project(project))
    assert done.returncode == 0, done.stderr
    steps = [line for line in done.stdout.splitlines() if "[1/1]" in line]
    assert steps and ODD in steps[0], done.stdout


def test_an_error_shows_the_path_it_is_about_as_it_is(tmp_path: Path) -> None:
    for name in ("no[/x]dir", "no[bold]dir", "no:smile:dir"):
        missing = tmp_path / name
        done = reconcile("history", str(missing), cwd=tmp_path)
        assert done.returncode == 1
        assert done.stderr == f"error: {missing}: project directory not found\n", done.stderr
