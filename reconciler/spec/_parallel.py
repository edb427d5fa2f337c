"""Half of a pure computation in a forked child, on the core the load leaves idle.

Nothing is sent to a registry before the project has loaded, so while it
loads the second core is idle (on the 2-core bench, the served registry's).
Validating 9,001 Avro schemas is ~0.25 s of CPU in one process; a forked
child takes half of them (fork: ~5 ms for the loader's ~100 MB; a spawned
interpreter would pay its imports, ~0.3 s, more than it saves).

Only where forking is safe and cheap: Linux, one Python thread (a fork copies
no other thread and none of the locks they might hold), and enough items to
pay for it. The child computes, sends its results back pickled through a
pipe and leaves with ``os._exit`` (no ``atexit``, no buffers flushed twice);
whatever goes wrong there (a crash, a signal, an exception), the parent
computes the child's half itself: the results never depend on the child.
The parent always reaps the child, and kills it first if interrupted.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import BinaryIO, Generic, NoReturn, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items the fork (and the copy-on-write faults it causes in the
# parent) costs about what the child would save.
MIN_ITEMS = 1_000


def _can_fork() -> bool:
    return sys.platform == "linux" and threading.active_count() == 1


def map_in_halves(
    function: Callable[[T], R], items: Sequence[T], minimum: int = MIN_ITEMS
) -> list[R]:
    """``[function(item) for item in items]``, the second half computed by a forked child.

    ``function`` must be deterministic and free of side effects the caller needs
    (the child's are lost), and its results picklable.
    """
    half = (len(items) + 1) // 2
    with forked(lambda: [function(item) for item in items[half:]], len(items) >= minimum) as rest:
        return [function(item) for item in items[:half]] + rest()


@contextmanager
def forked(function: Callable[[], R], worth_it: bool = True) -> Iterator[Callable[[], R]]:
    """Run ``function()`` in a forked child while the ``with`` block runs.

    The block gets a function returning ``function()``'s result: the child's, or,
    when forking is unsafe or not ``worth_it`` or the child failed, computed
    here. Leaving the block stops and reaps a child still running.
    """
    child = _Child(function) if worth_it and _can_fork() else None

    def result() -> R:
        if child is not None:
            received = child.result()
            if received is not None:
                return received[0]
        return function()

    try:
        yield result
    finally:
        if child is not None:
            child.stop()


class _Child(Generic[R]):
    def __init__(self, function: Callable[[], R]) -> None:
        self.pid = 0
        self.pipe: BinaryIO | None = None
        try:
            read_end, write_end = os.pipe()
        except OSError:
            return
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return
        if pid == 0:
            _run(function, read_end, write_end)
        os.close(write_end)
        self.pid, self.pipe = pid, open(read_end, "rb")  # noqa: SIM115 (closed by stop)

    def result(self) -> tuple[R] | None:
        """``(result,)``, or None if the child did not send one (or never started)."""
        if self.pipe is None:
            return None
        data = self.pipe.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if status != 0:
            return None
        return (pickle.loads(data),)

    def stop(self) -> None:
        if self.pid:  # not waited for: interrupted
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0
        if self.pipe is not None:
            self.pipe.close()


def _run(function: Callable[[], R], read_end: int, write_end: int) -> NoReturn:
    """The child: compute, send, leave; never returns into the caller's code."""
    status = 1
    try:
        os.close(read_end)
        data = pickle.dumps(function(), pickle.HIGHEST_PROTOCOL)
        with open(write_end, "wb") as pipe:
            pipe.write(data)
        status = 0
    finally:
        os._exit(status)
