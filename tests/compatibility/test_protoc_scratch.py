"""protoc's scratch directories (in /dev/shm, memory) do not outlive their process.

A process removes its own at exit; one killed with SIGKILL cannot, so the next
scratch made removes every directory whose maker is gone (its lock released
by the kernel), and none whose maker lives.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.compatibility import _protobuf

pytestmark = pytest.mark.skipif(_protobuf.fcntl is None, reason="POSIX file locks")

CHILD = """
import os, signal, sys
from reconciler.compatibility import _protobuf, parse
parse("PROTOBUF", 'syntax = "proto3"; message M {{ string a = 1; }}')
print(_protobuf._IDLE[0].path, flush=True)
{then}
"""


def _start(then: str) -> tuple[subprocess.Popen[str], Path]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(then=then)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    return child, Path(child.stdout.readline().strip())


def test_a_killed_process_scratch_is_removed_by_the_next_one_made_and_a_live_ones_is_not() -> None:
    live, held = _start("sys.stdin.read()")
    try:
        killed, orphan = _start("os.kill(os.getpid(), signal.SIGKILL)")
        killed.wait(timeout=60)
        assert orphan.is_dir() and held.is_dir()
        _protobuf._Scratch()  # what a compilation does when no scratch is idle
        assert not orphan.exists()
        assert held.is_dir()
    finally:
        live.communicate(timeout=60)
    assert not held.exists()  # removed by its maker at exit
