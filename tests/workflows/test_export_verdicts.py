"""The schema files an export writes are parsed by a forked child while they are written;
the check that the project loads back takes those verdicts for exactly the bytes parsed.

Each scenario runs in a fresh interpreter (``export_verdict_scenarios.py``): the child is
forked only in a process with one thread."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("export_verdict_scenarios.py")


def _run(scenario: str, root: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), scenario, str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "scenario",
    [
        # The check parses none of the schema files the child parsed, and loads their texts.
        "parsed_while_written",
        # A schema the child refuses is parsed and reported by the check.
        "refused_by_the_child",
        # A writer fault after the child parsed the generated texts: the file on disk is
        # not what was parsed. The check reads it back and parses it: refused.
        "written_otherwise",
        # A child killed with SIGKILL costs only its verdicts: the check parses everything.
        "child_killed",
        # Interrupted while writing: the child is killed and reaped, none is left.
        "interrupted_while_writing",
    ],
)
def test_export_verdicts(scenario: str, tmp_path: Path) -> None:
    _run(scenario, tmp_path)
