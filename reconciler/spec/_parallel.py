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
from collections.abc import Callable, Sequence
from typing import NoReturn, TypeVar

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
    if len(items) < minimum or not _can_fork():
        return [function(item) for item in items]
    half = (len(items) + 1) // 2
    mine, theirs = items[:half], items[half:]
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return [function(item) for item in items]
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return [function(item) for item in items]
    if pid == 0:
        _child(function, theirs, read_end, write_end)
    os.close(write_end)
    received: object = None
    with open(read_end, "rb") as pipe:
        try:
            results = [function(item) for item in mine]
            data = pipe.read()
            _, status = os.waitpid(pid, 0)
            pid = 0
            if status == 0:
                received = pickle.loads(data)
        finally:
            if pid:  # interrupted: stop the child and reap it
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
    if not isinstance(received, list) or len(received) != len(theirs):
        received = [function(item) for item in theirs]  # the child failed: no matter
    return results + received


def _child(
    function: Callable[[T], R], items: Sequence[T], read_end: int, write_end: int
) -> NoReturn:
    """Compute, send, leave: never returns into the caller's code."""
    status = 1
    try:
        os.close(read_end)
        data = pickle.dumps([function(item) for item in items], pickle.HIGHEST_PROTOCOL)
        with open(write_end, "wb") as pipe:
            pipe.write(data)
        status = 0
    finally:
        os._exit(status)
