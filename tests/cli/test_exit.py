"""The ``reconcile`` process ends a plan without freeing its heap, and skips nothing else.

``cli/_exit.py``: after a plan, the process runs the ``atexit`` handlers and
flushes its output as Python's shutdown does, then ``os._exit``s with the
status asked for. Each run is a subprocess through ``cli.entry`` (the console
script and ``python -m reconciler``), against a registry served over HTTP.
What tells the quick exit from Python's own: an object held by ``__main__``
whose ``__del__`` writes a file, which only the teardown calls.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import V2, write_project

# Probes, each a file written into $PROBES: "atexit" by an atexit handler (which also
# prints a line, unflushed), "finalize" by a weakref.finalize run at exit, "teardown"
# by the __del__ of an object __main__ holds, "thread" by a thread still running when
# the command ends (with THREAD set: it waits for the main thread to end).
RUN = """
import atexit, os, pathlib, sys, threading, weakref
probes = pathlib.Path(os.environ["PROBES"])
def write(name): (probes / name).write_text(name)
def at_exit():
    write("atexit")
    sys.stdout.write("printed at exit\\n")
atexit.register(at_exit)
class Kept:
    def __del__(self): write("teardown")
kept = Kept()
finalized = Kept.__new__(Kept)
weakref.finalize(finalized, write, "finalize")
if os.environ.get("THREAD"):
    main = threading.main_thread()
    threading.Thread(target=lambda: (main.join(), write("thread"))).start()
from reconciler import cli
cli.entry() if os.environ.get("ENTRY") else cli.main()
"""


def run(
    *args: str, cwd: Path, probes: Path, entry: bool = True, thread: bool = False
) -> subprocess.CompletedProcess[str]:
    probes.mkdir(exist_ok=True)
    for old in probes.iterdir():
        old.unlink()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NO_COLOR": "1"}
    env |= {"PROBES": str(probes), "ENTRY": "1" if entry else "", "THREAD": "1" if thread else ""}
    return subprocess.run(
        [sys.executable, "-c", RUN, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def written(probes: Path) -> set[str]:
    return {path.name for path in probes.iterdir()}


def test_the_probe_sees_pythons_own_teardown(applied: Path, tmp_path: Path) -> None:
    """Through click's ``main`` alone, the process tears its heap down as ever."""
    result = run("plan", ".", cwd=applied, probes=tmp_path / "probes", entry=False)
    assert result.returncode == 0, result.stderr
    assert written(tmp_path / "probes") == {"atexit", "finalize", "teardown"}


def test_a_plan_skips_the_teardown_only(applied: Path, tmp_path: Path) -> None:
    """The atexit handlers ran (weakref.finalize's among them), what they printed after
    the plan is out, the plan is whole, the status is the plan's: only ``__del__`` of
    what the process still held was not called."""
    result = run("plan", ".", "-o", "json", cwd=applied, probes=tmp_path / "probes")
    assert result.returncode == 0, result.stderr
    assert written(tmp_path / "probes") == {"atexit", "finalize"}
    plan, _, after = result.stdout.rpartition("}\n")
    assert json.loads(plan + "}")["actions"] == []
    assert after == "printed at exit\n"


def with_schema(applied: Path, root: Path, schema: str) -> Path:
    """A copy of the served project whose spec now asks for ``schema``."""
    files = ("reconcile.yaml", "specs/orders.yaml")
    return write_project(
        root, {**{f: (applied / f).read_text() for f in files}, "schemas/order.avsc": schema}
    )


def test_a_plan_with_changes_exits_with_its_status(applied: Path, tmp_path: Path) -> None:
    compatible = V2.replace('"int"}', '"int", "default": 0}')
    changed = with_schema(applied, tmp_path / "changed", compatible)
    result = run("plan", ".", "--detailed-exitcode", cwd=changed, probes=tmp_path / "probes")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "orders-value" in result.stdout
    assert written(tmp_path / "probes") == {"atexit", "finalize"}


def test_a_plan_with_errors_exits_1(applied: Path, tmp_path: Path) -> None:
    broken = with_schema(applied, tmp_path / "broken", V2)  # not BACKWARD compatible with V1
    result = run("plan", ".", cwd=broken, probes=tmp_path / "probes")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error" in result.stdout
    assert written(tmp_path / "probes") == {"atexit", "finalize"}


def test_a_thread_still_running_is_waited_for(applied: Path, tmp_path: Path) -> None:
    """Python's shutdown joins it first: then the process ends the usual way."""
    result = run("plan", ".", cwd=applied, probes=tmp_path / "probes", thread=True)
    assert result.returncode == 0, result.stderr
    assert written(tmp_path / "probes") == {"atexit", "finalize", "teardown", "thread"}


def test_an_export_skips_the_teardown_only(applied: Path, tmp_path: Path) -> None:
    """Export leaves files, all closed before it ends: its heap (a registry's contents,
    the files' bytes) is not freed object by object either."""
    out = tmp_path / "exported"
    result = run("export", ".", "-r", "dev", "--out", str(out), cwd=applied, probes=tmp_path / "p")
    assert result.returncode == 0, result.stderr
    assert written(tmp_path / "p") == {"atexit", "finalize"}
    assert result.stdout.endswith("printed at exit\n")
    assert (out / "schemas/default/orders-value.avsc").read_text().strip()
    planned = subprocess.run(
        [sys.executable, "-m", "reconciler", "plan", str(out), "--detailed-exitcode"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert planned.returncode == 0, planned.stdout + planned.stderr


def test_another_command_ends_the_usual_way(applied: Path, tmp_path: Path) -> None:
    """Only a command that says it leaves memory only (plan) skips the teardown."""
    result = run("validate", ".", cwd=applied, probes=tmp_path / "probes")
    assert result.returncode == 0, result.stderr
    assert written(tmp_path / "probes") == {"atexit", "finalize", "teardown"}


def test_a_spec_error_ends_the_usual_way(applied: Path, tmp_path: Path) -> None:
    """The plan was never made: the failure takes Python's own way out, exit 1."""
    broken = write_project(tmp_path / "bad", {"reconcile.yaml": "version: 1\nspecs: [3]\n"})
    result = run("plan", ".", cwd=broken, probes=tmp_path / "probes")
    assert result.returncode == 1, result.stdout + result.stderr
    assert written(tmp_path / "probes") == {"atexit", "finalize", "teardown"}
