"""Shell completion (docs/getting-started.md): the scripts click generates, and the
answers the installed ``reconcile`` gives to the requests those scripts make."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from reconciler.cli import COMMANDS, main

BIN = Path(sys.executable).parent
RECONCILE = shutil.which("reconcile", path=str(BIN))
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def complete(instruction: str, words: str, cword: str) -> str:
    """What ``reconcile`` prints for ``_RECONCILE_COMPLETE=instruction``."""
    assert RECONCILE is not None, "the reconcile console script is installed with the package"
    result = subprocess.run(
        [RECONCILE],
        env={**ENV, "_RECONCILE_COMPLETE": instruction, "COMP_WORDS": words, "COMP_CWORD": cword},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o nosort -F _reconcile_completion reconcile"),
        ("zsh", "#compdef reconcile"),
        ("fish", "complete --no-files --command reconcile"),
    ],
)
def test_each_shell_gets_a_completion_script(shell: str, marker: str) -> None:
    assert marker in complete(f"{shell}_source", "", "")


def test_the_bash_script_completes_commands_options_and_choices() -> None:
    """The generated function itself, run by bash as a completion would run it."""
    script = complete("bash_source", "", "")

    def completions(*words: str) -> list[str]:
        line = " ".join(f"'{w}'" for w in words)
        probe = (
            f"{script}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}\n"
            '_reconcile_completion reconcile; printf "%s\\n" "${COMPREPLY[@]}"\n'
        )
        result = subprocess.run(
            ["bash", "-c", probe], env=ENV, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert completions("reconcile", "pl") == ["plan"]
    assert completions("reconcile", "plan", "--detailed-e") == ["--detailed-exitcode"]
    output = next(p for p in main.commands["plan"].params if p.name == "output")
    assert isinstance(output.type, click.Choice)
    assert completions("reconcile", "plan", "--output", "") == list(output.type.choices)
    assert {"text", "markdown", "json"} <= set(output.type.choices)
    assert completions("reconcile", "init", "--from") == ["--from-registry"]


def test_zsh_and_fish_requests_are_answered_with_descriptions() -> None:
    zsh = complete("zsh_complete", "reconcile pl", "1").splitlines()
    assert zsh[:2] == ["plain", "plan"]
    assert zsh[2].startswith("Show what apply would change")
    fish = complete("fish_complete", "reconcile export --hi", "--hi")
    assert fish.startswith("plain,--history\t")


def test_the_command_summaries_are_the_commands_own_help() -> None:
    """``--help`` and the completion of a command's name show ``COMMANDS``' summaries,
    which import no command (tests/cli/test_imports.py): each must say what its
    command's own help says, at any width."""
    assert set(COMMANDS) == set(main.list_commands(click.Context(main)))
    for name in COMMANDS:
        command = COMMANDS[name]
        assert not command.hidden
        for limit in (20, 45, 60, 74, 200):
            assert COMMANDS.summary(name, limit) == command.get_short_help_str(limit), name
