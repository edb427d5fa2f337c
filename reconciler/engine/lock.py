"""One apply at a time per journal directory: an ``fcntl.flock`` on ``DIR/apply.lock``.

The lock is atomic (no check-then-act window between two applies started
together) and the kernel drops it when its process dies, however it dies: a
lock that is free means that no apply is running, whatever the journals say
and whatever process now owns a recorded pid. The holder writes who it is
into the file so that a refused apply can say who holds it.
"""

from __future__ import annotations

import asyncio
import fcntl
import getpass
import json
import os
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from reconciler.errors import ReconcilerError

LOCK_FILE = "apply.lock"
# A `reconcile plan` probes the lock for an instant (``holder``); an apply that
# meets the probe tries again for this long before it calls the lock taken.
PROBE_GRACE = 0.05


class LockBusy(ReconcilerError):
    """Another apply holds the project's lock."""


def _describe(info: dict[str, Any]) -> str:
    if not info:
        return "another apply is in progress"
    return (
        f"another apply is in progress: pid {info.get('pid')} on {info.get('host')}, "
        f"started {info.get('time')} by {info.get('user')}"
    )


def _read_info(handle: IO[str]) -> dict[str, Any]:
    handle.seek(0)
    try:
        info = json.loads(handle.read() or "{}")
    except json.JSONDecodeError:
        return {}
    return info if isinstance(info, dict) else {}


class ApplyLock:
    """The exclusive lock an apply session holds from before planning to its end."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_FILE
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise ``LockBusy`` naming its holder; never waits on an apply."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        deadline = time.monotonic() + PROBE_GRACE
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    info = _read_info(handle)
                    handle.close()
                    raise LockBusy(f"{_describe(info)} (lock {self.path})") from None
                time.sleep(0.02)
        handle.seek(0)
        handle.truncate()
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "user": getpass.getuser(),
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        handle.write(json.dumps(record))
        handle.flush()
        self._handle = handle

    async def acquire_off_loop(self) -> None:
        """``acquire`` in a worker thread, so that the event loop runs while it retries.

        A cancellation cannot stop the thread, which may still take the lock
        after its waiter is gone; then nobody would release it, and every later
        apply of the project would be refused while the process lives (an MCP
        server whose client gave up). Whichever of the thread and the cancelled
        waiter comes second lets the lock go.
        """
        decided = threading.Lock()
        abandoned = taken = False

        def take() -> None:
            nonlocal taken
            self.acquire()
            with decided:
                taken = True
                if abandoned:
                    self.release()

        try:
            await asyncio.to_thread(take)
        except asyncio.CancelledError:
            with decided:
                abandoned = True
                if taken:
                    self.release()
            raise

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the descriptor releases the flock
            self._handle = None

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def holder(directory: Path) -> dict[str, Any] | None:
    """Who holds the lock of ``directory`` (pid, host, user, time), or None when it is free.

    A shared lock taken and dropped at once: it cannot be had while an apply
    holds the exclusive one, and an apply that meets it retries (``PROBE_GRACE``).
    """
    path = directory / LOCK_FILE
    if not path.exists():
        return None
    with path.open("r") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_info(handle)
        return None
