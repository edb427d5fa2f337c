"""The reads of the last plan, sent to the registry while this plan's client starts.

A second plan of an unchanged project sends the same GET requests as the
first: the global settings, each context's listing pages, each managed
subject's config and mode (``engine/snapshot.py``). Until the specs are
loaded (~0.25 s at 10,000 subjects, ~1.3 s at 100,000) the registry has
nothing to do, and afterwards client and registry answer each other in turn.
``ReadAhead`` remembers which targets a plan's client sent (``recorded``) and,
given the last plan's, sends them from a background thread as soon as the
project file is read (``start``), pipelined on a few connections of their own
(HTTP/1.1: every request written at once, the answers come back in order).
The client then finds the answers waiting: ``Http11Transport.send`` asks
``take`` first, and sends the request itself when there is no answer ahead.

Why a thread, and pipelining: session 7 read while the specs loaded in the
same process and lost it to the GIL (per-request Python work while the load
held it). Here the thread only writes the requests once and parses what
arrives, a chunk of many answers at a time (httptools, in C, calling back per
answer): the load barely slows while the registry computes
(docs/performance.md, "Session 11: the registry works while the client starts").

What the plan gets is exactly what it would get without it, a few hundred
milliseconds earlier (its own reads are spread over a second or more anyway):
an answer ahead is used only for the very request it answers (target and
header lines alike), once, and only when it is a 2xx or a 404 whole and
without ``Content-Encoding``. Anything else -- a target not sent ahead, a
connection refused, closed or timed out, another status -- is sent by the
client as without read-ahead, so that retries, failover, timeouts and errors
are the client's own; except the reads of a connection on which the registry
never said a byte in the client's read timeout (a hung registry): those are
the client's first attempt, timed out (``UNANSWERED``), not a wait before it.
Nothing raises out of the thread; it ends by itself (when every answer is in,
or after the client's read timeout without a byte on a connection), and
``close`` stops and joins it (a plan ends without Python's teardown only when
it is the last thread: ``cli/_exit.py``).

Only targets of the snapshot's own shapes are sent ahead or recorded
(``snapshot_path``): a file of remembered targets that was tampered with can
make reconcile read nothing but settings and listings.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, cast

import httptools

from ._transport import Origin, Reply

if TYPE_CHECKING:
    from ._transport import Http11Transport

# Connections of the read-ahead: the listing pages on the first, the settings reads
# spread over the others (the local registry answers one request at a time per
# connection; four keep it busy, as its event loop is one thread).
CONNECTIONS = 4
_CHUNK = 256  # requests written at once (~64 KB)
_JOIN_TIMEOUT = 1.0  # seconds ``close`` waits for the thread (it aborts its connections)


class Unanswered:
    """What the reads of a connection the registry never answered (not a byte in the
    client's read timeout) are answered with: the client takes it as its own first
    attempt timing out (``Http11Transport.send``), so that a hung registry costs the
    plan one read timeout, not the read-ahead's and then the client's own."""


UNANSWERED = Unanswered()

_SEGMENT = r"(?!\.\.?(?:\?|$))[A-Za-z0-9_.~%-]+"  # _client._segment's output, not . or ..
_VALUE = r"[A-Za-z0-9_.~%-]*"  # urlencode(quote_via=quote)'s output
_GLOBAL = r"/(?:config|mode)(?:\?defaultToGlobal=true)?"
_SETTING = rf"/(config|mode)/({_SEGMENT})"
_LISTING = (
    rf"/schemas\?(?:subjectPrefix=({_VALUE})&)?(deleted=true&)?offset=([0-9]{{1,9}})"
    r"&limit=[0-9]{1,6}"
)
_SHAPES = re.compile(f"{_GLOBAL}|{_SETTING}|{_LISTING}")
_SETTING_PATH = re.compile(_SETTING)
_LISTING_PATH = re.compile(_LISTING)


def snapshot_path(path: str) -> bool:
    """Whether ``path`` (relative to the registry's URL, query included) is one a plan's
    snapshot sends: a global setting, a subject's or context's setting, a listing page."""
    return _SHAPES.fullmatch(path) is not None


def _order(path: str) -> tuple[int, str, str, int]:
    """Where ``path`` goes in the remembered list: the global settings, the listing pages
    (in the order they are asked for), then the settings reads, by subject, as the
    client reads them (``RegistryClient.read_settings``: sorted by subject)."""
    setting = _SETTING_PATH.fullmatch(path)
    if setting is not None:
        return 2, setting[2], setting[1], 0
    listing = _LISTING_PATH.fullmatch(path)
    if listing is not None:
        return 1, f"{listing[1] or ''}&{listing[2] or ''}", "", int(listing[3])
    return 0, path, "", 0


def remembered(paths: Iterable[str]) -> list[str]:
    """The snapshot's paths of ``paths``, each once, in the order they are sent ahead."""
    return sorted({p for p in paths if snapshot_path(p)}, key=_order)


class _Pipeline(asyncio.Protocol):
    """One connection of the read-ahead: every request written at once, the answers
    parsed as they arrive and handed over a chunk at a time (``ReadAhead._deliver``)."""

    def __init__(self, ahead: ReadAhead, targets: list[bytes]) -> None:
        self._ahead = ahead
        self._targets = targets
        self._next = 0  # the target the next answer is for
        self._parser = httptools.HttpResponseParser(self)
        self._reason = b""
        self._encoded = False  # the answer has a Content-Encoding
        self._body: list[bytes] = []
        self._answers: list[tuple[bytes, Reply | None]] = []
        self._transport: asyncio.Transport | None = None
        self.heard = False  # a byte has come from the registry
        self._done = False  # nothing more is read on this connection
        self._written = 0  # requests written
        self._paused = False  # the transport's buffer is full
        self.last_data = 0.0
        self.ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @property
    def pending(self) -> int:
        return len(self._targets) - self._next

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self.last_data = asyncio.get_running_loop().time()
        self._write()
        self._ahead._connected()

    def _write(self) -> None:
        """Write the requests not written yet, ``_CHUNK`` at a time, until the transport's
        buffer is past its high-water mark (``pause_writing``): a server reads pipelined
        requests as it answers them, and 120,000 requests (100,000 subjects) written at
        once would sit in memory, ~30 MB, until it did."""
        transport, targets, request = self._transport, self._targets, self._ahead.request
        while self._written < len(targets) and not self._paused and transport is not None:
            chunk = targets[self._written : self._written + _CHUNK]
            self._written += len(chunk)
            transport.write(b"".join(map(request, chunk)))

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        if not self._done:
            self._write()

    def data_received(self, data: bytes) -> None:
        if self._done:
            return
        self.heard = True
        self.last_data = asyncio.get_running_loop().time()
        try:
            self._parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade):
            self._done = True
        answers, self._answers = self._answers, []
        self._ahead._deliver(answers)
        if self._done or not self.pending:
            self.end()

    def eof_received(self) -> bool:
        self.end()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.end()

    def end(self, answer: Unanswered | None = None) -> None:
        """No more answers on this connection: the targets left are the client's to send
        (or, with ``UNANSWERED``, timed out)."""
        self._done = True
        if self._transport is not None:
            self._transport.abort()
        left, self._next = self._targets[self._next :], len(self._targets)
        self._ahead._deliver([(t, answer) for t in left])
        if not self.ended.done():
            self.ended.set_result(None)

    # -- httptools' callbacks

    def on_message_begin(self) -> None:
        self._reason, self._encoded, self._body = b"", False, []

    def on_status(self, reason: bytes) -> None:
        self._reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        # Only whether the body is encoded: the client reads no header of an answer it
        # takes (``Retry-After`` only of one it retries, a 429 or 5xx, never taken), so
        # none is kept (5 tuples an answer, for 120,000 answers at 100,000 subjects).
        if len(name) == 16 and name.lower() == b"content-encoding":
            self._encoded = True

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self._done:
            return
        status = self._parser.get_status_code()
        if status < 200 or self._next >= len(self._targets):
            # An interim answer (its final one follows: which is which is not worth
            # working out here) or one nothing was asked for: the rest is the client's.
            self._done = True
            return
        target = self._targets[self._next]
        self._next += 1
        if (200 <= status < 300 or status == 404) and not self._encoded:
            reply = Reply.of(status, self._reason, [], b"".join(self._body))
            self._answers.append((target, reply))
        else:
            self._answers.append((target, None))
        if not self._parser.should_keep_alive():
            self._done = True


class ReadAhead:
    """The GET requests one registry client sends to its first URL, recorded; and those
    of the last plan, sent ahead from a thread (module docstring).

    Made by ``RegistryClient.read_ahead``, which knows the client's origin, path
    prefix, header lines and timeouts; attached to its transport, whose ``send``
    asks ``take`` for each GET.
    """

    def __init__(
        self,
        transport: Http11Transport,
        origin: Origin,
        prefix: str,
        headers: bytes,
        timeout: float,
    ) -> None:
        self.transport = transport
        self._origin = origin
        self._prefix = prefix.encode("ascii")
        self._headers = headers
        self._timeout = timeout
        self._sent: list[bytes] = []  # every GET target of the client's (prefix included)
        self._ahead: frozenset[bytes] = frozenset()  # the targets sent ahead
        self._lock = threading.Lock()
        self._pending: set[bytes] = set()  # sent ahead, not answered yet
        # answered, not taken yet (None: failed)
        self._answers: dict[bytes, Reply | Unanswered | None] = {}
        self._waiting: dict[bytes, asyncio.Future[Reply | Unanswered | None]] = {}
        self._client_loop: asyncio.AbstractEventLoop | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # the thread's
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        # Set once each connection has been made and its first requests written, or
        # failed, or once there is nothing to send (``begun``).
        self._begun = threading.Event()
        self._connecting = 0  # connections not made yet
        self.taken = 0  # answers the client took from here (``Http11Transport.send``)
        transport.read_ahead = self

    def request(self, target: bytes) -> bytes:
        return b"GET %s HTTP/1.1\r\n%s\r\n" % (target, self._headers)

    # -- recording

    def recorded(self) -> list[str] | None:
        """The snapshot's paths the client sent (relative to the URL, in ``remembered``'s
        order); None when they are those sent ahead, as for a second plan of an unchanged
        registry: nothing is decoded or sorted then."""
        sent = set(self._sent)
        ahead = self._ahead
        size = len(self._prefix)
        if ahead <= sent:
            extra = (t[size:].decode("ascii") for t in sent - ahead if t[:size] == self._prefix)
            if not any(map(snapshot_path, extra)):
                return None
        return remembered(t[size:].decode("ascii") for t in sent if t[:size] == self._prefix)

    # -- sending ahead

    def start(self, paths: Sequence[str]) -> None:
        """Send ``paths`` (the last plan's ``recorded``, in its order; those of other
        shapes are dropped) from a thread. Never raises: without a thread (one the
        system would not start), the client reads as without read-ahead."""
        if self._thread is not None:
            return
        thread = threading.Thread(
            target=self._run,
            args=(paths, self.transport.ssl_context),
            name="reconcile-read-ahead",
            daemon=True,
        )
        try:
            if paths:
                thread.start()
                self._thread = thread
        except RuntimeError:
            pass
        finally:
            if self._thread is None:
                self._begun.set()

    def _run(self, paths: Sequence[str], ssl_context: ssl.SSLContext | None) -> None:
        try:
            prefix, fullmatch = self._prefix, _SHAPES.fullmatch
            targets = [prefix + p.encode("ascii") for p in paths if fullmatch(p)]
            listings = [t for t in targets if b"/schemas?" in t]
            settings = [t for t in targets if b"/schemas?" not in t]
            spread = CONNECTIONS - 1 if listings else CONNECTIONS
            batches = [b for b in [listings, *(settings[i::spread] for i in range(spread))] if b]
            with self._lock:
                self._pending = set(targets)
                self._ahead = frozenset(self._pending)
            self._connecting = len(batches)
            asyncio.run(self._main(batches, ssl_context))
        except Exception:  # never into the plan: the client sends what is left
            pass
        finally:
            self._begun.set()
            self._deliver([(t, None) for t in list(self._pending)])

    def _connected(self) -> None:
        """A connection is made and its first requests written, or it failed. From the
        thread's loop."""
        self._connecting -= 1
        if self._connecting <= 0:
            self._begun.set()

    def begun(self, timeout: float) -> bool:
        """Wait, at most ``timeout`` seconds, until the registry has the first requests of
        every connection (or a connection failed, or nothing is sent ahead).

        The thread needs the interpreter for a few milliseconds to get there (its
        loop, its connections, the first requests): while the plan's own thread holds
        it (rebuilding the kept specs: long calls into C that switch threads only
        every ``sys.getswitchinterval()``), that took 25-50 ms at 10,000 x 5, with the
        registry idle until then. The plan's thread has time to spare: the
        registry's answers take longer than its work on them."""
        return self._begun.wait(timeout)

    async def _main(self, batches: list[list[bytes]], ssl_context: ssl.SSLContext | None) -> None:
        # What goes wrong here the client meets again, or not, as without read-ahead (it
        # sends what is left): the loop's own reports (a protocol's failure, a TLS error
        # while closing) would be printed on the plan's stderr (asyncio's logger).
        asyncio.get_running_loop().set_exception_handler(_unreported)
        stop = asyncio.Event()
        with self._lock:
            if self._closed:
                return
            self._loop, self._stop = asyncio.get_running_loop(), stop
        runs = asyncio.gather(
            *(self._connection(b, ssl_context) for b in batches), return_exceptions=True
        )
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait([stopped, runs], return_when=asyncio.FIRST_COMPLETED)
        runs.cancel()
        stopped.cancel()
        await asyncio.gather(runs, stopped, return_exceptions=True)

    async def _connection(self, targets: list[bytes], ssl_context: ssl.SSLContext | None) -> None:
        scheme, host, port = self._origin
        tls = scheme == "https"
        loop = asyncio.get_running_loop()
        pipeline: _Pipeline | None = None
        try:
            async with asyncio.timeout(self._timeout):
                _, pipeline = await loop.create_connection(
                    lambda: _Pipeline(self, targets),
                    host,
                    port,
                    ssl=ssl_context if tls else None,
                    server_hostname=host if tls else None,
                )
            while not pipeline.ended.done():
                wait = pipeline.last_data + self._timeout - loop.time()
                if wait <= 0:  # as the client's read timeout: nothing arrived for that long
                    if not pipeline.heard:  # nor ever: the registry's, not the pipelining's
                        pipeline.end(UNANSWERED)
                    break
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await asyncio.shield(pipeline.ended)
        finally:
            if pipeline is not None:
                pipeline.end()
            else:
                self._connected()
                self._deliver([(t, None) for t in targets])

    def _deliver(self, answers: Sequence[tuple[bytes, Reply | Unanswered | None]]) -> None:
        """Keep the answers for ``take`` (None: the client sends that one itself), and wake
        the client where it waits for one. From the thread."""
        if not answers:
            return
        woken = []
        with self._lock:
            for target, reply in answers:
                if target not in self._pending:
                    continue
                self._pending.discard(target)
                waiter = self._waiting.pop(target, None)
                if waiter is None:
                    self._answers[target] = reply
                else:
                    woken.append((waiter, reply))
        if woken and self._client_loop is not None:
            with contextlib.suppress(RuntimeError):  # the client's loop is closed: nobody waits
                self._client_loop.call_soon_threadsafe(_wake, woken)

    # -- the client's side

    def take(
        self, origin: Origin, target: bytes, headers: bytes
    ) -> Reply | Unanswered | asyncio.Future[Reply | Unanswered | None] | None:
        """The answer ahead to this GET, or a future of it while it is on its way (None
        from either: the client sends the request itself; ``UNANSWERED``: it timed
        out). Each answer is taken once."""
        if origin != self._origin or headers != self._headers:
            return None
        self._sent.append(target)
        if not self._pending and not self._answers:
            return None
        with self._lock:
            if target in self._answers:
                return self._answers.pop(target)
            if target not in self._pending:
                return None
            if self._client_loop is None:
                self._client_loop = asyncio.get_running_loop()
            waiter = self._client_loop.create_future()
            self._waiting[target] = waiter
            return waiter

    def close(self) -> None:
        """Stop the thread (answers not taken are dropped) and wait for it, briefly."""
        with self._lock:
            self._closed = True
            loop, stop = self._loop, self._stop
            self._answers.clear()
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # its loop has ended already
                loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            self._thread.join(timeout=_JOIN_TIMEOUT)


def _unreported(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
    """The read-ahead loop's exception handler: nothing is reported (``_main``)."""


def _wake(
    woken: list[tuple[asyncio.Future[Reply | Unanswered | None], Reply | Unanswered | None]],
) -> None:
    for waiter, reply in woken:
        if not waiter.done():
            waiter.set_result(reply)
