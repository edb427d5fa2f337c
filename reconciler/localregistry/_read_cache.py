"""Answers to GET requests, kept while the data file is unchanged.

A plan reads every subject's mode and config and pages through ``GET /schemas``
again on each run; between two runs the registry usually did not change. An
answer is kept with the file's ``PRAGMA data_version`` as it was before the
answer was computed, on a connection of its own that never writes: SQLite
changes that number whenever any other connection commits, this process's
writers and other processes' alike (several servers may share one file). Each
GET asks for it first (one statement, a few microseconds), and a different
number empties the cache, so an answer is never older than the last commit
before the request. An answer computed while a commit landed is kept under the
older number and so dropped by the next request.

Asking for that number is a read of the WAL index (~3.5 us, half of a kept
answer's time in the app). A request that came before the last time it was
asked finds it as it was then: the number is read after the request came, so
every commit made before the request is counted in it, and a commit landing
later is one the request may come before. The server says when each request
came (``ARRIVED``: ``time.monotonic_ns()`` once its first bytes are parsed);
under a plan's 16 connections one question then serves the requests that
arrived together. A request without it (an in-process ``httpx.ASGITransport``)
asks every time.

Only answers below 500 are kept (a store error may pass), each of at most
``MAX_BODY`` bytes (a listing page of 1,000 schemas is ~400 KB: pages are
computed each time), and at most ``MAX_BYTES`` bytes in all. When the budget is
spent, later answers are not kept, and nothing is dropped until the next
commit empties the cache. A plan reads the same answers in the same order on
every run: dropping the oldest to make room would drop, on a registry whose
answers do not all fit (100,000 subjects), each answer just before it is asked
for again, so that no run would find any; and dropping the first of a dict's
entries over and over costs a scan of the dropped ones each time (a second
100,000-subject floor run took 26.8 s against the first's 13.9 s).
"""

from __future__ import annotations

import time
from typing import NamedTuple

from ._routes import Reply
from ._store import Store

MAX_BODY = 16 * 1024
MAX_BYTES = 64 * 1024 * 1024
# The scope key of when the server received a request (``time.monotonic_ns()``).
ARRIVED = "reconciler.arrived"
# what an entry costs besides its body (key, tuples, the Reply), counted against MAX_BYTES
_OVERHEAD = 400

# the request as far as a GET's answer depends on it: raw path, query string, the
# Accept header (the media type) and Content-Type (a 415 comes before the answer)
Key = tuple[bytes, bytes, str | None, str | None]


class Kept(NamedTuple):
    reply: Reply
    media_type: str
    route: str | None  # the metric label of the route (see _app.ROUTE_KEY)


class ReadCache:
    """Kept answers of one store; used from one thread (the event loop's) at a time."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._entries: dict[Key, Kept] = {}
        self._bytes = 0
        self._version: int | None = None
        # when the file's version was last asked for (before asking, monotonic_ns)
        self._asked = 0

    def lookup(self, key: Key, arrived: int | None = None) -> tuple[Kept | None, int]:
        """The kept answer, if the file is unchanged since it was kept; and the file's
        version now, to ``keep`` an answer computed from here on under.

        ``arrived``: when the request came (``ARRIVED``), if the server said."""
        if arrived is not None and arrived < self._asked and self._version is not None:
            return self._entries.get(key), self._version
        asked = time.monotonic_ns()
        version = self.store.data_version()
        self._asked = asked
        if version != self._version:
            self._entries.clear()
            self._bytes = 0
            self._version = version
            return None, version
        return self._entries.get(key), version

    def keep(self, key: Key, version: int, kept: Kept) -> None:
        size = len(kept.reply.body) + _OVERHEAD
        if version != self._version or kept.reply.status >= 500 or size > MAX_BODY:
            return
        if key in self._entries or self._bytes + size > MAX_BYTES:
            return
        self._entries[key] = kept
        self._bytes += size
