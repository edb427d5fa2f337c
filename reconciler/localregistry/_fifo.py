"""A lock that hands itself to its waiters in the order they came."""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType


class FifoLock:
    """A mutual-exclusion lock granted first come, first served.

    ``threading.Lock`` wakes any waiter on release, and a thread that asks
    again at once often wins: with 50 writers queued, an unlucky one waited
    for many turns while others went twice.  Here a release hands the lock
    straight to the oldest waiter (each waits on its own lock), so a writer's
    wait is bounded by the writers ahead of it.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Lock] = deque()

    def __enter__(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        # released by the holder when it is this waiter's turn; the lock
        # stays held across the hand-off, so nobody can slip in between
        turn.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False
