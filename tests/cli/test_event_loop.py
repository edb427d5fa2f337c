"""The CLI's event loop: uvloop where installed, with asyncio's Ctrl-C behaviour kept."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reconciler.cli._common import run

from .conftest import write_project

uvloop = pytest.importorskip("uvloop")  # a dependency except on Windows and PyPy


def test_commands_run_on_uvloop() -> None:
    async def loop_type() -> type:
        return type(asyncio.get_running_loop())

    assert run(loop_type()) is uvloop.Loop


def test_ctrl_c_during_a_plan_aborts_cleanly(project: Path) -> None:
    """SIGINT while the plan waits on a registry that never answers: the runner cancels
    the main task and click says ``Aborted!`` (exit 1), with no traceback and no warning
    about tasks or connections left behind."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        write_project(
            project,
            {
                "reconcile.yaml": f"version: 1\nregistries:\n  r:\n    url: http://127.0.0.1:{port}\n",
                "specs/a.yaml": "subjects:\n  a-value: {schema: '\"string\"'}\n",
            },
        )
        # As from a terminal, whatever the suite was started from: a shell that ran it in
        # the background without job control left SIGINT ignored, and Python then
        # installs no handler for it in the child (the plan waited out the timeout).
        child = (
            "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
            "from reconciler.cli import main; main()"
        )
        plan = subprocess.Popen(
            [sys.executable, "-c", child, "plan", "."],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            silent.settimeout(60)
            connection, _ = silent.accept()  # the plan's first read is on its way
            with connection:
                time.sleep(0.2)
                plan.send_signal(signal.SIGINT)
                out, err = plan.communicate(timeout=30)
        finally:
            if plan.poll() is None:
                plan.kill()
                plan.communicate()
    assert plan.returncode == 1, out + err
    assert err.strip() == "Aborted!", err


def test_every_command_runs_its_coroutine_through_run() -> None:
    """``_common.run`` is the one place a command starts an event loop: uvloop's, and
    the result handed over outside the main task (a drift report's repr is seconds)."""
    import reconciler.cli

    folder = Path(reconciler.cli.__file__).parent
    callers = [
        path.name
        for path in sorted(folder.glob("*.py"))
        if path.name != "_common.py" and "asyncio.run(" in path.read_text(encoding="utf-8")
    ]
    assert callers == []
