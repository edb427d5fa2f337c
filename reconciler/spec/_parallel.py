"""Half of a pure computation in a forked child, on the core the load leaves idle.

Nothing is sent to a registry before the project has loaded, so while it
loads the second core is idle (on the 2-core bench, the served registry's).
Validating 9,001 Avro schemas is ~0.25 s of CPU in one process; a forked
child takes half of them (a spawned interpreter would pay its imports,
~0.3 s, more than it saves).

Only where forking is safe and cheap: Linux, one Python thread (a fork copies
no other thread and none of the locks they might hold), and enough items to
pay for it. The child is ``multiprocessing``'s (its fork context: the
parent's buffers flushed before, the child ended by ``os._exit``), its result
sent back pickled through a pipe; whatever goes wrong there (a crash, a
signal, an exception), the parent computes the child's half itself: the
results never depend on the child. The parent always reaps the child, and
kills it first if interrupted.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

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
    """``function()`` in a process forked by ``multiprocessing`` (imported here only:
    a plan's start-up does not pay for it), its result sent back through a pipe."""

    def __init__(self, function: Callable[[], R]) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.receiver, sender = context.Pipe(duplex=False)
        # Under fork the target is inherited, not pickled: a closure will do.
        self.process: BaseProcess | None = context.Process(
            target=_run, args=(function, sender), daemon=True
        )
        try:
            self.process.start()
        except OSError:
            self.process = None
        sender.close()

    def result(self) -> tuple[R] | None:
        """``(result,)``, or None if the child did not send one (or never started)."""
        if self.process is None:
            return None
        try:
            received: tuple[R] | None = self.receiver.recv()
        except (EOFError, OSError):
            received = None
        self.process.join()
        # None: reaped by someone else's SIGCHLD handler, its end unknown.
        return received if self.process.exitcode == 0 else None

    def stop(self) -> None:
        if self.process is not None and self.process.exitcode is None:  # interrupted
            self.process.kill()
            self.process.join()
        self.receiver.close()


def _run(function: Callable[[], R], sender: Connection) -> None:
    """The child: compute and send (``multiprocessing`` ends the process after)."""
    sender.send((function(),))
    sender.close()
