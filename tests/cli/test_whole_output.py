"""What ``reconcile`` prints reaches its reader whole, or the command fails.

Python's text streams hand each write to the layer below and ignore how much of
it the write(2) took. A write(2) to a pipe returns short when the pipe is
non-blocking and full (a parent such as Node.js may leave its pipes so), or
when a signal interrupts it after some bytes went. Under PYTHONUNBUFFERED (as
CI runners often set), the rest of a plan was lost and ``reconcile plan`` exited
0: the reader saw a plan cut at 64 KiB. The CLI as a subprocess, its stdout a
non-blocking pipe read only once full.
"""

from __future__ import annotations

import array
import fcntl
import json
import os
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

SUBJECTS = 250  # a plan whose JSON is several times a pipe's 64 KiB


def _project(root: Path) -> Path:
    (root / "specs").mkdir(parents=True)
    (root / "reconcile.yaml").write_text("version: 1\nspecs:\n  - specs/*.yaml\n")
    fields = ", ".join(f'{{"name": "field_{n}", "type": "string"}}' for n in range(12))
    lines = ["subjects:"]
    for n in range(SUBJECTS):
        schema = f'{{"type": "record", "name": "Record{n}", "fields": [{fields}]}}'
        lines += [f"  subject-{n}-value:", "    type: AVRO", f"    schema: '{schema}'"]
    (root / "specs" / "all.yaml").write_text("\n".join(lines) + "\n")
    return root


def _available(fd: int) -> int:
    count = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, count)
    return count[0]


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_a_plan_printed_into_a_full_non_blocking_pipe_arrives_whole(
    tmp_path: Path, unbuffered: str
) -> None:
    project = _project(tmp_path / "project")
    command = [
        sys.executable,
        "-m",
        "reconciler",
        "plan",
        str(project),
        "-o",
        "json",
        "--detailed-exitcode",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    into_file = subprocess.run(command, capture_output=True, env=env, timeout=120)
    assert into_file.returncode == 2, into_file.stderr.decode()  # changes
    expected = into_file.stdout
    assert len(expected) > 3 * 65536
    read, write = os.pipe()
    os.set_blocking(write, False)
    with subprocess.Popen(command, stdout=write, stderr=subprocess.PIPE, env=env) as child:
        os.close(write)
        # Read nothing until the pipe is full or the command has ended: its writes
        # meet a full pipe.
        deadline = time.monotonic() + 120
        while child.poll() is None and _available(read) < 65536:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        received = bytearray()
        while chunk := os.read(read, 1 << 16):
            received += chunk
        os.close(read)
        stderr = child.stderr.read().decode() if child.stderr else ""
        code = child.wait(timeout=120)
    assert code == 2, stderr
    assert bytes(received) == expected
    assert json.loads(received)["summary"]
