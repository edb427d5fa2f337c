"""An acknowledged write survives a kill -9 of the registry process.

The registry answers a write only once its transaction is committed to the
database file (SQLite WAL, written through to the OS): a process killed right
after the answers, whatever else it was doing, loses none of them.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from reconciler.localregistry import serve_in_thread

WRITERS = 16
VERSIONS = 4


def _schema(writer: int, version: int) -> str:
    fields = [{"name": "id", "type": "long"}]
    fields += [
        {"name": f"f{n}", "type": ["null", "string"], "default": None} for n in range(version)
    ]
    return json.dumps({"type": "record", "name": f"W{writer}", "fields": fields})


def test_acknowledged_writes_survive_a_kill_9_of_the_registry(tmp_path: Path) -> None:
    data = tmp_path / "registry.db"
    command = ["registry", "serve", "--port", "0", "--data", str(data)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", *command],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        found = re.search(r"http://[0-9.:]+", proc.stdout.readline())
        assert found is not None
        url = found.group(0)

        def writer(n: int) -> list[tuple[str, int, int]]:
            acknowledged = []
            with httpx.Client(base_url=url, timeout=30) as client:
                for version in range(VERSIONS):
                    subject = f"w{n}-value"
                    body = {"schema": _schema(n, version)}
                    response = client.post(f"/subjects/{subject}/versions", json=body)
                    response.raise_for_status()
                    acknowledged.append((subject, version + 1, response.json()["id"]))
                mode = client.put(f"/mode/w{n}-value", json={"mode": "READONLY"})
                mode.raise_for_status()
            return acknowledged

        with ThreadPoolExecutor(WRITERS) as pool:
            written = [w for ws in pool.map(writer, range(WRITERS)) for w in ws]
        proc.send_signal(signal.SIGKILL)  # right after the last answer
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)

    assert len(written) == WRITERS * VERSIONS
    with serve_in_thread(data) as url, httpx.Client(base_url=url) as client:
        for subject, version, schema_id in written:
            got = client.get(f"/subjects/{subject}/versions/{version}").json()
            assert got["id"] == schema_id, (subject, version, got)
        for n in range(WRITERS):
            assert client.get(f"/mode/w{n}-value").json() == {"mode": "READONLY"}
