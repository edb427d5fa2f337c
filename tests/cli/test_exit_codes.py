"""Exit codes of every command, as a CI job sees them (docs/cli.md).

0 nothing to do, 1 error, 2 changes or drift, 64 (EX_USAGE) a usage error:
never 2, which CI reads as "changes". The commands are taken from the click
tree, so a command added later is covered without editing this file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from reconciler.cli import main

from .conftest import reconcile


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


COMMANDS = _commands(main)
EX_USAGE = 64  # sysexits.h; docs/cli.md

# What each command that reads a project directory needs besides it.
PROJECT_COMMANDS = {
    "validate": [],
    "lint": [],
    "plan": ["--detailed-exitcode"],
    "apply": ["--auto-approve"],
    "drift": [],
    "export": ["--registry", "dev"],
    "migrate": ["--from", "a", "--to", "b"],
    "mcp": [],
    "history": [],
}


def test_every_command_is_covered() -> None:
    assert {"registry", "registry serve"} <= {" ".join(c) for c in COMMANDS}
    with_directory = {
        c[0]
        for c in COMMANDS
        if len(c) == 1
        and any(
            isinstance(p, click.Argument) and p.name in ("directory", "target")
            for p in main.commands[c[0]].params
        )
    }
    # init creates its directory: a missing one is what it expects (tests/cli/test_init.py).
    assert with_directory - {"init"} == set(PROJECT_COMMANDS)


@pytest.mark.parametrize("command", [(), *COMMANDS], ids=lambda c: " ".join(c) or "reconcile")
def test_a_bad_option_is_a_usage_error_never_2(command: tuple[str, ...], tmp_path: Path) -> None:
    result = reconcile(*command, "--no-such-option", cwd=tmp_path)
    assert result.returncode == EX_USAGE, result.stderr
    assert "No such option: --no-such-option" in result.stderr or "No such option" in result.stderr


def test_a_bad_value_and_an_unknown_command_are_usage_errors(tmp_path: Path) -> None:
    assert reconcile("plan", "--output", "yaml", cwd=tmp_path).returncode == EX_USAGE
    assert reconcile("registry", "serve", "--port", "x", cwd=tmp_path).returncode == EX_USAGE
    assert reconcile("no-such-command", cwd=tmp_path).returncode == EX_USAGE


@pytest.mark.parametrize("command", sorted(PROJECT_COMMANDS))
def test_a_missing_project_directory_is_an_error(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent"
    result = reconcile(command, str(missing), *PROJECT_COMMANDS[command], cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "nonexistent" in result.stderr and "not found" in result.stderr


def test_show_of_a_missing_plan_file_is_an_error(tmp_path: Path) -> None:
    result = reconcile("show", "nope.json", cwd=tmp_path)
    assert result.returncode == 1 and "nope.json" in result.stderr


def test_the_module_entry_point_uses_the_same_codes(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reconciler", "drift", "--regsitry", "dev"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == EX_USAGE, result.stderr
