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
