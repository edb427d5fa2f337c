"""Parallel writers never produce duplicate IDs or versions.

Writers run in threads against one server, and against two servers in two
processes sharing the SQLite file.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from reconciler.localregistry import serve_in_thread

from .helpers import other_process

SUBJECTS = [f"s{i}-value" for i in range(6)]


def _schema(n: int) -> str:
    """Schema number n; fields only grow, so every level accepts the next one."""
    fields = [{"name": f"f{i}", "type": "int", "default": 0} for i in range(n % 5)]
    return json.dumps({"type": "record", "name": f"R{n // 5}", "fields": fields})


def _register_all(url: str, jobs: list[tuple[str, int]]) -> list[tuple[str, int, int]]:
    with httpx.Client(base_url=url, timeout=60) as client:
        out = []
        for subject, n in jobs:
            response = client.post(f"/subjects/{subject}/versions", json={"schema": _schema(n)})
            assert response.status_code == 200, response.text
            out.append((subject, n, response.json()["id"]))
        return out


def _check(url: str, results: list[tuple[str, int, int]]) -> None:
    ids_by_schema: dict[int, set[int]] = defaultdict(set)
    for _, n, schema_id in results:
        ids_by_schema[n].add(schema_id)
    # the same schema always got one ID, and different schemas different IDs
    assert all(len(ids) == 1 for ids in ids_by_schema.values())
    assert len({min(ids) for ids in ids_by_schema.values()}) == len(ids_by_schema)
    with httpx.Client(base_url=url) as client:
        client.put("/config", json={"compatibility": "NONE"})
        for subject in SUBJECTS:
            versions = client.get(f"/subjects/{subject}/versions").json()
            assert versions == list(range(1, len(versions) + 1))
            seen = [client.get(f"/subjects/{subject}/versions/{v}").json() for v in versions]
            # one version per distinct schema: a repeat returned the existing id
            assert len({s["id"] for s in seen}) == len(seen)
        listed = client.get("/schemas").json()
        pairs = [(s["subject"], s["version"]) for s in listed]
        assert len(pairs) == len(set(pairs))


def test_parallel_registrations_in_threads(tmp_path: Path) -> None:
    db = tmp_path / "registry.db"
    jobs = [(SUBJECTS[i % len(SUBJECTS)], i % 15) for i in range(240)]
    with serve_in_thread(db) as url:
        with httpx.Client(base_url=url) as client:
            client.put("/config", json={"compatibility": "NONE"})
        chunks = [jobs[i::12] for i in range(12)]
        with ThreadPoolExecutor(max_workers=12) as pool:
            results = [
                r for part in pool.map(lambda c: _register_all(url, c), chunks) for r in part
            ]
        _check(url, results)


def test_two_processes_on_one_file(tmp_path: Path) -> None:
    db = tmp_path / "registry.db"
    with other_process(db) as other:
        jobs = [(SUBJECTS[i % len(SUBJECTS)], i % 12) for i in range(120)]
        with serve_in_thread(db) as mine:
            with httpx.Client(base_url=mine) as client:
                client.put("/config", json={"compatibility": "NONE"})
            chunks = [(mine if i % 2 else other, jobs[i::8]) for i in range(8)]
            with ThreadPoolExecutor(max_workers=8) as pool:
                parts = pool.map(lambda c: _register_all(c[0], c[1]), chunks)
                results = [r for part in parts for r in part]
            _check(mine, results)


def test_reads_are_answered_while_a_write_waits_for_the_lock(tmp_path: Path) -> None:
    """A write waiting for another process's lock stalls neither the server nor its reads.

    Reads run on the event loop and writes in worker threads: a write blocked
    on the SQLite lock must not hold up the loop, and WAL readers do not wait.
    """
    db = tmp_path / "registry.db"
    with serve_in_thread(db) as url, httpx.Client(base_url=url, timeout=60) as client:
        assert client.put("/config/s-value", json={"compatibility": "FULL"}).status_code == 200
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the database lock
        with ThreadPoolExecutor(max_workers=1) as pool:
            write = pool.submit(
                lambda: httpx.post(
                    f"{url}/subjects/s-value/versions", json={"schema": _schema(1)}, timeout=60
                )
            )
            time.sleep(0.3)
            assert not write.done()
            started = time.monotonic()
            for _ in range(20):
                response = client.get("/config/s-value")
                assert response.json() == {"compatibilityLevel": "FULL"}
            assert time.monotonic() - started < 5
            holder.execute("ROLLBACK")
            holder.close()
            assert write.result().status_code == 200
