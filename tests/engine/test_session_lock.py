"""The apply session waits for the project's lock off the event loop.

The MCP server runs sessions on its event loop: a lock held by another apply
(or probed by a `plan`) makes ``ApplyLock.acquire`` retry for up to its probe
grace, and that wait must not stop the server's other requests.
"""

from __future__ import annotations

import asyncio

from reconciler.engine import ApplySession, Status, open_clients
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
