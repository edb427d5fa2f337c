"""Half of the schema verdicts in a forked child: the same results, whatever the child does.

The child's half is marked by its process id, so each test knows the fork
happened; the fallbacks (the child failing, killed, or the parent
interrupted) give the same results and leave no process behind.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.spec import SpecErrors, _parallel, load_project

from .conftest import Write

PARENT = os.getpid()


@pytest.fixture(autouse=True)
def children(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The children forked; forking even if the test runner has a thread of its own
    (these functions are pure)."""
    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    monkeypatch.setattr(_parallel, "_can_fork", lambda: True)
    forked: list[int] = []
    fork = os.fork

    def recorded() -> int:
        pid = fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(_parallel.os, "fork", recorded)
    return forked


def reaped(pids: list[int]) -> bool:
    """Each child has ended and been waited for (none left running or a zombie)."""
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
    return bool(pids)


def marked(item: int) -> tuple[int, bool]:
    return item * item, os.getpid() == PARENT


def test_the_second_half_is_computed_by_a_child_in_order(children: list[int]) -> None:
    results = _parallel.map_in_halves(marked, range(11), minimum=4)
    assert [value for value, _ in results] == [i * i for i in range(11)]
    assert [in_parent for _, in_parent in results] == [True] * 6 + [False] * 5
    assert reaped(children)


def test_too_few_items_stay_in_this_process(children: list[int]) -> None:
    assert _parallel.map_in_halves(marked, range(3), minimum=4) == [(0, True), (1, True), (4, True)]
    assert not children


def failing_in_child(item: int) -> tuple[int, bool]:
    if os.getpid() != PARENT:
        raise RuntimeError("the child fails")
    return marked(item)


def killed_in_child(item: int) -> tuple[int, bool]:
    if os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    return marked(item)


@pytest.mark.parametrize("function", [failing_in_child, killed_in_child])
def test_what_the_child_could_not_do_is_done_here(
    function: Callable[[int], tuple[int, bool]], children: list[int]
) -> None:
    results = _parallel.map_in_halves(function, range(10), minimum=4)
    assert results == [(i * i, True) for i in range(10)]
    assert reaped(children)


def interrupted(item: int) -> int:
    if os.getpid() == PARENT and item == 2:
        raise KeyboardInterrupt
    if os.getpid() != PARENT:
        signal.pause()  # would outlive the parent unless it is killed
    return item


def test_an_interrupted_parent_kills_and_reaps_its_child(children: list[int]) -> None:
    with pytest.raises(KeyboardInterrupt):
        _parallel.map_in_halves(interrupted, range(10), minimum=4)
    assert reaped(children)


def avro(index: int) -> str:
    fields = [{"name": "id", "type": "string"}]
    if index % 97 == 5:
        fields.append({"name": "id", "type": "int"})  # a duplicate field: refused
    if index % 89 == 7:
        fields = [{"name": "n", "type": "no.such.Type"}]
    return json.dumps({"type": "record", "name": f"R{index}", "fields": fields})


def test_a_load_reports_the_same_errors_forked_or_not(
    write: Write, monkeypatch: pytest.MonkeyPatch, children: list[int]
) -> None:
    """Errors keep their file, line, message and order whichever process parsed."""
    count = _parallel.MIN_ITEMS + 200
    subjects = "".join(f"  s{i}-value: {{schema: '{avro(i)}'}}\n" for i in range(count))
    root = write(
        {
            "reconcile.yaml": "version: 1\nregistries:\n  r: {url: 'http://localhost:1'}\n",
            "specs/a.yaml": f"registry: r\nsubjects:\n{subjects}",
        }
    )
    outcomes = []
    for forked in (True, False):
        with monkeypatch.context() as patched:
            patched.setattr(_parallel, "_can_fork", lambda forked=forked: forked)
            with pytest.raises(SpecErrors) as raised:
                load_project(Path(root))
        outcomes.append([str(error) for error in raised.value.errors])
    assert len(children) == 1 and reaped(children)
    assert outcomes[0] == outcomes[1]
    assert len(outcomes[0]) == len([i for i in range(count) if i % 97 == 5 or i % 89 == 7])
