"""A server's writes run one after another, in the order they came.

They run on one writer thread fed by a first-come, first-served queue: with
a thread per write, the store's write lock went to whichever waiting thread
the OS woke first, and each hand-off woke a sleeping thread that then waited
for the GIL (under 50 writers the lock stood idle half of the time while
writes queued for it; docs/performance.md). Lookups and compatibility checks
never write and do not queue behind the writes.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from starlette.types import ASGIApp

from reconciler.localregistry import serve_in_thread

WRITES = 12


def _schema(n: int) -> str:
    """Schema ``n``: a record with ``n`` fields, each with a default (every one is
    compatible with the one before it)."""
    fields = [{"name": f"f{i}", "type": "int", "default": 0} for i in range(n)]
    return json.dumps({"type": "record", "name": "R", "fields": fields})


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.005)


def test_writes_are_answered_in_the_order_they_came(tmp_path: Path) -> None:
    db = tmp_path / "registry.db"
    apps: list[ASGIApp] = []

    def keep(app: ASGIApp) -> ASGIApp:
        apps.append(app)
        return app

    with serve_in_thread(db, wrap=keep) as url:
        writer = apps[0].dispatcher.writer  # type: ignore[attr-defined]
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the database lock
        with ThreadPoolExecutor(max_workers=WRITES) as pool:

            def register(n: int) -> httpx.Response:
                return httpx.post(
                    f"{url}/subjects/s-value/versions", json={"schema": _schema(n)}, timeout=60
                )

            sent = []
            for n in range(WRITES):
                sent.append(pool.submit(register, n))
                # the first write waits for the database lock on the writer
                # thread; each later one queues behind it before the next is sent
                _wait_for(
                    lambda n=n: writer._work_queue.qsize() == n and len(writer._threads) == 1,
                    f"write {n} did not queue",
                )
            # a lookup is answered while the writes wait
            lookup = httpx.post(
                f"{url}/subjects/other-value", json={"schema": _schema(0)}, timeout=10
            )
            assert lookup.status_code == 404, lookup.text
            assert not any(f.done() for f in sent)
            holder.execute("ROLLBACK")
            holder.close()
            answers = [f.result() for f in sent]
        assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
        ids = [a.json()["id"] for a in answers]
        assert ids == sorted(ids)
        for n in range(WRITES):
            version = httpx.get(f"{url}/subjects/s-value/versions/{n + 1}").json()
            assert json.loads(version["schema"]) == json.loads(_schema(n)), n
