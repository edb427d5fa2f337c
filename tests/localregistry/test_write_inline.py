"""Writes run on the event loop when they can start at once, on the writer thread otherwise.

A write that finds the store's write lock free runs where its request was
read, without the hand-off to the writer thread and back (docs/performance.md,
local registry). The two guards: a write never runs ahead of writes queued on
the writer thread, and a write that gave up on the lock has done nothing, so
the writer thread can run it from the start.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from starlette.types import ASGIApp

from reconciler.localregistry import serve_in_thread
from reconciler.localregistry._store import Store, WouldWait


def _schema(n: int) -> str:
    fields = [{"name": f"f{i}", "type": "int", "default": 0} for i in range(n)]
    return json.dumps({"type": "record", "name": "R", "fields": fields})


def _register(url: str, subject: str, n: int) -> httpx.Response:
    return httpx.post(f"{url}/subjects/{subject}/versions", json={"schema": _schema(n)}, timeout=30)


def test_a_write_queues_behind_the_writer_threads_writes_even_with_the_lock_free(
    tmp_path: Path,
) -> None:
    apps: list[ASGIApp] = []

    def keep(app: ASGIApp) -> ASGIApp:
        apps.append(app)
        return app

    with serve_in_thread(tmp_path / "registry.db", wrap=keep) as url:
        dispatcher = apps[0].dispatcher  # type: ignore[attr-defined]
        gate = threading.Event()
        # a write handed to the writer thread and not done yet; it holds no lock
        dispatcher.queued = dispatcher.writer.submit(gate.wait, 30)
        with ThreadPoolExecutor(max_workers=1) as pool:
            write = pool.submit(_register, url, "s-value", 1)
            deadline = time.monotonic() + 10
            while dispatcher.writer._work_queue.qsize() < 1:
                assert time.monotonic() < deadline, "the write did not queue behind the other"
                time.sleep(0.005)
            time.sleep(0.2)
            assert not write.done()
            gate.set()
            assert write.result().status_code == 200, write.result().text
        assert httpx.get(f"{url}/subjects/s-value/versions").json() == [1]


def test_writes_that_find_the_lock_free_need_no_writer_thread(tmp_path: Path) -> None:
    apps: list[ASGIApp] = []

    def keep(app: ASGIApp) -> ASGIApp:
        apps.append(app)
        return app

    with serve_in_thread(tmp_path / "registry.db", wrap=keep) as url:
        for n in range(1, 4):
            assert _register(url, "s-value", n).status_code == 200
        assert httpx.put(f"{url}/mode/s-value", json={"mode": "READONLY"}).status_code == 200
        assert apps[0].dispatcher.writer._threads == set()  # type: ignore[attr-defined]


def test_only_the_first_write_transaction_of_a_block_gives_up_on_the_lock(
    tmp_path: Path,
) -> None:
    """A block that gave up has written nothing; once one write transaction of the block
    has started, a later one waits for the lock like any other."""
    db = Store(tmp_path / "registry.db")
    holder = sqlite3.connect(
        tmp_path / "registry.db", isolation_level=None, check_same_thread=False
    )
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the database lock
        with db.without_waiting(), pytest.raises(WouldWait), db.write():
            pytest.fail("the write started without the lock")
        holder.execute("ROLLBACK")

        with db.without_waiting():
            with db.write() as conn:
                conn.execute("INSERT INTO contexts (context) VALUES ('.first')")
            holder.execute("BEGIN IMMEDIATE")
            release = threading.Timer(0.2, holder.execute, ["ROLLBACK"])
            release.start()
            with db.write() as conn:  # waits for the holder instead of giving up
                conn.execute("INSERT INTO contexts (context) VALUES ('.second')")
            release.join()
        with db.read() as conn:
            found = {row[0] for row in conn.execute("SELECT context FROM contexts")}
        assert {".first", ".second"} <= found
    finally:
        holder.close()
