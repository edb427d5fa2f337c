"""The apply session waits for the project's lock off the event loop.

The MCP server runs sessions on its event loop: a lock held by another apply
(or probed by a `plan`) makes ``ApplyLock.acquire`` retry for up to its probe
grace, and that wait must not stop the server's other requests.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reconciler.engine import ApplySession, Status, open_clients
from reconciler.engine import lock as lock_module
from reconciler.engine.lock import ApplyLock
from reconciler.spec import load_project

from .conftest import Workspace, avro_record


def test_waiting_for_a_held_lock_lets_the_event_loop_run(ws: Workspace) -> None:
    ws.write("schemas/a.avsc", avro_record("A", '{"name": "a", "type": "string"}'))
    ws.write("specs/main.yaml", "subjects:\n  a-value: {schema: ../schemas/a.avsc}\n")
    project = load_project(ws.root)
    journal_dir = ws.root / ".reconcile/journal"
    held = ApplyLock(journal_dir)
    held.acquire()  # another apply (another open file: flock refuses this process too)

    async def go() -> tuple[Status, int]:
        ticks = 0

        async def other_requests() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(other_requests())
        async with open_clients(project, ["test"]) as clients:
            await asyncio.sleep(0)
            before = ticks
            outcome = await ApplySession(project, clients, journal_dir).run()
        task.cancel()
        return outcome.status, ticks - before

    try:
        status, ticks = asyncio.run(go())
    finally:
        held.release()
    assert status is Status.BUSY
    assert ticks > 0  # the loop ran other tasks while the session waited for the lock


def _free_for_another_process(path: Path) -> bool:
    """Whether another process can take the exclusive lock right now (never waits)."""
    probe = (
        "import fcntl, sys\n"
        "with open(sys.argv[1], 'a+') as handle:\n"
        "    try:\n"
        "        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "    except BlockingIOError:\n"
        "        sys.exit(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(path)], timeout=30, check=False)
    assert done.returncode in (0, 3), done
    return done.returncode == 0


def test_a_session_cancelled_while_it_waits_for_the_lock_never_keeps_it(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wait runs in a worker thread that a cancellation cannot stop: if the lock
    comes free after the task was cancelled, the thread still takes it, and nobody
    would ever release it (an MCP client that gave up on an apply would block every
    later apply of the project until the server exits)."""
    ws.write("schemas/a.avsc", avro_record("A", '{"name": "a", "type": "string"}'))
    ws.write("specs/main.yaml", "subjects:\n  a-value: {schema: ../schemas/a.avsc}\n")
    project = load_project(ws.root)
    journal_dir = ws.root / ".reconcile/journal"
    # a long grace, so that the session is surely still waiting when it is cancelled
    monkeypatch.setattr(lock_module, "PROBE_GRACE", 5.0)
    held = ApplyLock(journal_dir)
    held.acquire()

    async def go() -> bool:
        async with open_clients(project, ["test"]) as clients:
            session = ApplySession(project, clients, journal_dir)
            task = asyncio.create_task(session.run())
            await asyncio.sleep(0.3)  # the session waits in its thread
            task.cancel()
            # waited for as a server's task group does: the task (and the
            # cancellation it keeps, with its frames) stays alive
            await asyncio.wait([task])
            held.release()  # the lock comes free after the cancellation
            # the abandoned thread retries every 20 ms: give it time to take the lock
            await asyncio.sleep(0.3)
            # checked while the task and the loop are still alive, as in a server
            free = await asyncio.to_thread(_free_for_another_process, held.path)
            assert task.cancelled()
            return free

    try:
        assert asyncio.run(go())
    finally:
        held.release()


def test_a_wait_cancelled_after_its_thread_took_the_lock_lets_it_go(tmp_path: Path) -> None:
    """The other order: the thread took the lock, and the cancellation comes before the
    waiter heard of it (the event loop was busy); the cancelled waiter releases it."""
    lock = ApplyLock(tmp_path / "journal")

    async def go() -> bool:
        task = asyncio.create_task(lock.acquire_off_loop())
        await asyncio.sleep(0)  # the task starts its thread
        # the loop stands still (as under a long synchronous step) while the
        # thread takes the free lock and returns
        time.sleep(0.5)
        task.cancel()
        await asyncio.wait([task])
        return task.cancelled()

    assert asyncio.run(go())
    assert _free_for_another_process(lock.path)
