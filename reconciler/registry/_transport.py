"""The network transport: HTTP/1.1 keep-alive connections over an asyncio protocol.

An ``httpx.AsyncBaseTransport``, so the client and its tests keep httpx's
request and response types (and ``ASGITransport`` or an injected transport
still replace the network). It stands in for ``httpx.AsyncHTTPTransport``
because a snapshot's thousands of small reads cost several times more in
httpcore's connection pool than on the wire: the pool re-checks every
connection of the pool (a ``poll`` and a ``getpeername`` each, through anyio's
typed attributes) for every request it assigns, which with 16 connections came
to about 2.5 ms of client CPU per request against a local registry answering
in 0.4 ms (``bench/plan_scale.py``). Here a request takes an idle connection
from a stack (or opens one), writes the request, reads the whole response and
gives the connection back; h11 does the HTTP parsing, asyncio the TLS.

Failures are raised as httpx's exceptions (``ConnectError``,
``ConnectTimeout``, ``ReadTimeout``, ``RemoteProtocolError``...) with the
original error as their cause, as httpcore does, so that the retry rules
(``_retry.classify_transport_error``) read them the same way.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any, cast

import h11
import httpx

_CLOSE_TIMEOUT = 1.0


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: an asyncio protocol buffering what it receives.

    A protocol rather than asyncio's streams, to know whether anything
    arrived while the connection sat idle: a server may close it then, or
    send a last word first (a ``408``), and either way it must not be reused.
    """

    def __init__(self) -> None:
        self._h11 = h11.Connection(h11.CLIENT)
        self._transport: asyncio.Transport | None = None
        self._received = bytearray()
        self._closed = False  # the server closed its side, or the connection is gone
        self._error: Exception | None = None
        self._waiter: asyncio.Future[None] | None = None
        self.idle_since = 0.0  # loop time when it was last put back in the pool
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport, though not always an asyncio.Transport subclass: uvloop's
        # (under uvicorn, in the MCP server) is not registered as one.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._received += data
        self._wake()

    def eof_received(self) -> bool:
        self._closed = True
        self._wake()
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._error = exc
        self._wake()
        if not self.lost.done():
            self.lost.set_result(None)

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def _read(self) -> bytes:
        """What arrived so far, waiting for something; ``b""`` once the server closed."""
        while not self._received:
            if self._error is not None:
                raise self._error
            if self._closed:
                return b""
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        data = bytes(self._received)
        self._received.clear()
        return data

    # -- use

    def reusable(self) -> bool:
        """Nothing received, not closed, since the last response was read."""
        return not self._received and not self._closed

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    async def exchange(
        self, request: httpx.Request, timeouts: dict[str, float | None]
    ) -> tuple[h11.Response, bytes, bool]:
        """Send ``request``, read the whole response: (head, body, keep the connection)."""
        conn = self._h11
        url = request.url
        try:
            data = conn.send(
                h11.Request(
                    method=request.method,
                    target=url.raw_path,
                    headers=request.headers.raw,
                )
            )
            body = request.content
            if body:
                data += conn.send(h11.Data(data=body))
            data += conn.send(h11.EndOfMessage())
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc)) from exc
        # Buffered by the transport: requests are small, nothing waits for the socket.
        assert self._transport is not None
        self._transport.write(data)

        read_timeout = timeouts.get("read")
        loop = asyncio.get_running_loop()
        head: h11.Response | None = None
        chunks: list[bytes] = []
        try:
            async with asyncio.timeout(None) as deadline:
                while True:
                    event = conn.next_event()
                    if event is h11.NEED_DATA:
                        if read_timeout is not None:
                            deadline.reschedule(loop.time() + read_timeout)
                        conn.receive_data(await self._read())
                    elif isinstance(event, h11.Response):
                        head = event
                    elif isinstance(event, h11.Data):
                        chunks.append(bytes(event.data))
                    elif isinstance(event, h11.EndOfMessage):
                        break
                    elif isinstance(event, h11.ConnectionClosed):
                        raise httpx.RemoteProtocolError("the server closed the connection")
                    # InformationalResponse (1xx): the final response follows.
        except TimeoutError as exc:
            raise httpx.ReadTimeout("timed out reading the response") from exc
        except h11.RemoteProtocolError as exc:
            raise httpx.RemoteProtocolError(str(exc)) from exc
        except OSError as exc:
            raise httpx.ReadError(str(exc)) from exc
        assert head is not None  # h11 yields EndOfMessage only after the head
        keep = conn.our_state is h11.DONE and conn.their_state is h11.DONE
        if keep:
            conn.start_next_cycle()
        return head, b"".join(chunks), keep


class Http11Transport(httpx.AsyncBaseTransport):
    """Keep-alive HTTP/1.1 to one or more origins; at most ``max_idle`` idle per origin.

    The number of connections open at once is bounded by the caller (the
    client's semaphore), not here: a request never waits for a connection.
    """

    def __init__(
        self, ssl_context: ssl.SSLContext | None, max_idle: int, keepalive_expiry: float = 5.0
    ) -> None:
        self._ssl_context = ssl_context
        self._max_idle = max_idle
        # Idle connections older than this are not reused: a server ends idle
        # connections after its own timeout (uvicorn's is 5 s), and one ended
        # just as a request is sent fails that request. httpx's default.
        self._keepalive_expiry = keepalive_expiry
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._busy: set[_Connection] = set()
        self._closing: set[_Connection] = set()  # closed, not yet let go of by the loop

    async def _connect(
        self, scheme: str, host: str, port: int, timeout: float | None
    ) -> _Connection:
        tls = scheme == "https"
        if tls and self._ssl_context is None:
            raise httpx.UnsupportedProtocol("https needs a TLS context")
        try:
            async with asyncio.timeout(timeout):
                _, connection = await asyncio.get_running_loop().create_connection(
                    _Connection,
                    host,
                    port,
                    ssl=self._ssl_context if tls else None,
                    server_hostname=host if tls else None,
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout("timed out connecting") from exc
        except OSError as exc:  # ssl.SSLError and socket.gaierror included
            raise httpx.ConnectError(str(exc)) from exc
        return connection

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme
        if scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {scheme!r}")
        port = url.port or (443 if scheme == "https" else 80)
        key = (scheme, url.host, port)
        timeouts: dict[str, Any] = request.extensions.get("timeout", {})
        idle = self._idle.setdefault(key, [])
        connection = None
        loop = asyncio.get_running_loop()
        fresh = loop.time() - self._keepalive_expiry
        while idle:
            candidate = idle.pop()
            if candidate.reusable() and candidate.idle_since >= fresh:
                connection = candidate
                break
            self._discard(candidate)
        if connection is None:
            connection = await self._connect(scheme, url.host, port, timeouts.get("connect"))
        self._busy.add(connection)
        try:
            head, body, keep = await connection.exchange(request, timeouts)
        except BaseException:
            self._discard(connection)
            raise
        finally:
            self._busy.discard(connection)
        if keep and len(idle) < self._max_idle:
            connection.idle_since = loop.time()
            idle.append(connection)
        else:
            self._discard(connection)
        return httpx.Response(
            head.status_code,
            headers=head.headers,
            stream=httpx.ByteStream(body),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": head.reason},
        )

    def _discard(self, connection: _Connection) -> None:
        connection.close()
        if not connection.lost.done():
            self._closing.add(connection)
            connection.lost.add_done_callback(lambda _: self._closing.discard(connection))

    async def aclose(self) -> None:
        """Close every connection and wait until they are closed.

        A closed socket is let go of on a later turn of the event loop (and a
        TLS connection first says goodbye): returning at once would leave
        them open if the loop ends next. A TLS peer that does not answer its
        goodbye within a second is cut off.
        """
        connections = [*self._busy, *(c for idle in self._idle.values() for c in idle)]
        self._idle.clear()
        self._busy.clear()
        for connection in connections:
            connection.close()
        connections += self._closing
        pending = {c.lost for c in connections if not c.lost.done()}
        if pending:
            _, pending = await asyncio.wait(pending, timeout=_CLOSE_TIMEOUT)
        if pending:
            for connection in connections:
                if not connection.lost.done():
                    connection.abort()
            await asyncio.wait(pending, timeout=_CLOSE_TIMEOUT)
