"""Progress: a bar on a terminal, a plain line per tenth elsewhere."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from reconciler.workflows.progress import progress


def test_plain_lines_at_each_tenth_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with progress("Reading r", Console(file=io.StringIO(), force_terminal=False)) as report:
        for done in range(1, 101):
            report(done, 100)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "Reading r: 1/100"
    assert lines[-1] == "Reading r: 100/100"
    assert len(lines) == 11


def test_a_bar_on_a_terminal() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80)
    with progress("Reading r", console) as report:
        for done in range(1, 11):
            report(done, 10)
    assert "Reading r" in screen.getvalue()


@pytest.mark.parametrize("name", ["reg\\", "a\\[bold]x", "[bold]y", "[/]", "x\\\\"])
def test_the_bar_shows_a_name_exactly(name: str) -> None:
    """A registry's or a context's name is text, never markup: shown as it is, a
    trailing backslash too (rich's ``escape`` doubled it)."""
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, color_system=None)
    with progress(f"Reading {name}", console) as report:
        report(1, 2)
    shown = [line.rpartition("\x1b[2K")[2] for line in screen.getvalue().split("\r")]
    assert any(line.startswith(f"Reading {name} ━") for line in shown), shown
