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

Through an HTTP proxy (``proxies``, one per origin, resolved by the client
from its ``proxy`` setting or ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``):
``https`` origins get a ``CONNECT`` tunnel and TLS inside it, ``http``
origins send absolute-form requests to the proxy. Writes are flow-controlled:
a server (or proxy) that stops reading fails the request after the write
timeout instead of buffering it without bound.

Failures are raised as httpx's exceptions (``ConnectError``,
``ConnectTimeout``, ``ReadTimeout``, ``RemoteProtocolError``...) with the
original error as their cause, as httpcore does, so that the retry rules
(``_retry.classify_transport_error``) read them the same way.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import h11
import httpx

_CLOSE_TIMEOUT = 1.0

Origin = tuple[str, str, int]  # scheme, host, port


@dataclass(frozen=True)
class Proxy:
    """An HTTP proxy: where it listens, and its ``Proxy-Authorization`` (from the URL's userinfo).

    ``display`` is the URL without credentials; ``password`` is kept only so
    that the client can mask it in what it prints.
    """

    host: str
    port: int
    display: str
    authorization: str | None = field(default=None, repr=False)
    password: str = field(default="", repr=False)

    @classmethod
    def parse(cls, url: str) -> Proxy:
        """``http://[user:pass@]host[:port]``; ValueError (without quoting the URL) otherwise.

        Only ``http://`` proxies: the connection to the proxy itself is plain,
        TLS to an ``https`` registry runs inside the tunnel.
        """
        if "://" not in url:  # curl and httpx read "proxy:3128" as http://proxy:3128
            url = "http://" + url
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError("a proxy must be http://HOST[:PORT]")
        try:
            port = parts.port or 80
        except ValueError:
            raise ValueError("a proxy's port must be a number") from None
        authorization = None
        if parts.username is not None:
            user, password = unquote(parts.username), unquote(parts.password or "")
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            authorization = f"Basic {token}"
        else:
            password = ""
        host = parts.hostname
        shown = f"[{host}]" if ":" in host else host
        return cls(host, port, f"http://{shown}:{port}", authorization, password)


def environment_proxy(url: str) -> str | None:
    """The proxy the environment sets for ``url``, as curl and httpx read it.

    ``https_proxy``/``http_proxy``/``all_proxy`` (lower case first, then
    upper case), unless ``no_proxy`` names the host (a suffix match, ``*`` for
    all). None: connect directly.
    """
    parts = urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or not parts.hostname:
        return None
    if urllib.request.proxy_bypass_environment(parts.netloc.rpartition("@")[2], proxies):
        return None
    return proxy


class ProxyRefusedError(httpx.ProxyError):
    """The proxy answered ``CONNECT`` with something other than 2xx: no tunnel, nothing sent."""

    def __init__(self, status: int) -> None:
        super().__init__(f"the proxy refused the tunnel (HTTP {status})")
        self.status = status


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
        # Set while the transport's write buffer is over its high-water mark.
        self._drained: asyncio.Future[None] | None = None
        # Through a proxy to an http origin: absolute-form targets, and the proxy's credentials.
        self.absolute_form = False
        self.proxy_authorization: str | None = None

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
        self.resume_writing()
        if not self.lost.done():
            self.lost.set_result(None)

    def pause_writing(self) -> None:
        self._drained = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._drained = None

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

    async def _write(self, data: bytes, timeout: float | None) -> None:
        """Hand ``data`` to the socket; wait (up to ``timeout``) while the peer is not reading.

        The transport buffers what the socket does not take at once and says
        so through ``pause_writing`` past its high-water mark (64 KiB): small
        requests never wait, a large one waits for the peer to read.
        """
        assert self._transport is not None
        if self._error is not None or self._closed:
            raise httpx.WriteError("the connection is closed")
        self._transport.write(data)
        if self._drained is None:
            return
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(self._drained)
        except TimeoutError as exc:
            raise httpx.WriteTimeout("timed out sending the request") from exc
        if self._error is not None:
            raise httpx.WriteError(str(self._error)) from self._error

    async def tunnel(self, origin: Origin, proxy: Proxy, timeout: float | None) -> None:
        """Open a ``CONNECT`` tunnel to ``origin``; ``ProxyRefusedError`` if the proxy says no."""
        _, host, port = origin
        authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        headers = [("Host", authority)]
        if proxy.authorization:
            headers.append(("Proxy-Authorization", proxy.authorization))
        conn = h11.Connection(h11.CLIENT)
        data = conn.send(h11.Request(method="CONNECT", target=authority, headers=headers))
        try:
            async with asyncio.timeout(timeout):
                await self._write(data, None)
                while True:
                    event = conn.next_event()
                    if event is h11.NEED_DATA:
                        conn.receive_data(await self._read())
                    elif isinstance(event, h11.Response):
                        break
                    elif isinstance(event, h11.ConnectionClosed):
                        raise httpx.ProxyError("the proxy closed the connection")
        except TimeoutError as exc:
            raise httpx.ConnectTimeout("timed out opening a tunnel through the proxy") from exc
        except h11.RemoteProtocolError as exc:
            raise httpx.ProxyError(str(exc)) from exc
        except OSError as exc:
            raise httpx.ConnectError(str(exc)) from exc
        if not 200 <= event.status_code < 300:
            raise ProxyRefusedError(event.status_code)
        # What came after the proxy's answer belongs to the tunnel (nothing, before TLS).
        leftover, _ = conn.trailing_data
        self._received[:0] = leftover

    async def start_tls(self, context: ssl.SSLContext, host: str, timeout: float | None) -> None:
        """TLS inside the tunnel: the protocol now reads and writes through the TLS transport."""
        assert self._transport is not None
        try:
            async with asyncio.timeout(timeout):
                transport = await asyncio.get_running_loop().start_tls(
                    self._transport, self, context, server_hostname=host
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout("timed out in the TLS handshake") from exc
        except OSError as exc:  # ssl.SSLError included
            raise httpx.ConnectError(str(exc)) from exc
        if transport is None:
            raise httpx.ConnectError("the proxy closed the tunnel")
        self._transport = cast(asyncio.Transport, transport)

    async def exchange(
        self, request: httpx.Request, timeouts: dict[str, float | None]
    ) -> tuple[h11.Response, bytes, bool]:
        """Send ``request``, read the whole response: (head, body, keep the connection)."""
        conn = self._h11
        url = request.url
        headers = request.headers.raw
        target = url.raw_path
        if self.absolute_form:
            target = url.raw_scheme + b"://" + url.netloc + url.raw_path
            if self.proxy_authorization:
                headers = [*headers, (b"Proxy-Authorization", self.proxy_authorization.encode())]
        try:
            data = conn.send(h11.Request(method=request.method, target=target, headers=headers))
            body = request.content
            if body:
                data += conn.send(h11.Data(data=body))
            data += conn.send(h11.EndOfMessage())
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc)) from exc
        try:
            await self._write(data, timeouts.get("write"))
        except OSError as exc:
            raise httpx.WriteError(str(exc)) from exc

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
        self,
        ssl_context: ssl.SSLContext | None,
        max_idle: int,
        keepalive_expiry: float = 5.0,
        proxies: Mapping[Origin, Proxy] | None = None,
    ) -> None:
        self._ssl_context = ssl_context
        self._proxies = dict(proxies or {})  # origins reached through a proxy
        self._max_idle = max_idle
        # Idle connections older than this are not reused: a server ends idle
        # connections after its own timeout (uvicorn's is 5 s), and one ended
        # just as a request is sent fails that request. httpx's default.
        self._keepalive_expiry = keepalive_expiry
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._busy: set[_Connection] = set()
        self._closing: set[_Connection] = set()  # closed, not yet let go of by the loop

    async def _connect(self, origin: Origin, timeout: float | None) -> _Connection:
        scheme, host, port = origin
        tls = scheme == "https"
        if tls and self._ssl_context is None:
            raise httpx.UnsupportedProtocol("https needs a TLS context")
        proxy = self._proxies.get(origin)
        direct = proxy is None
        try:
            async with asyncio.timeout(timeout):
                _, connection = await asyncio.get_running_loop().create_connection(
                    _Connection,
                    host if proxy is None else proxy.host,
                    port if proxy is None else proxy.port,
                    ssl=self._ssl_context if tls and direct else None,
                    server_hostname=host if tls and direct else None,
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout("timed out connecting") from exc
        except OSError as exc:  # ssl.SSLError and socket.gaierror included
            raise httpx.ConnectError(str(exc)) from exc
        if proxy is None:
            return connection
        try:
            if tls:
                assert self._ssl_context is not None
                await connection.tunnel(origin, proxy, timeout)
                await connection.start_tls(self._ssl_context, host, timeout)
            else:
                connection.absolute_form = True
                connection.proxy_authorization = proxy.authorization
        except BaseException:
            connection.abort()
            raise
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
            connection = await self._connect(key, timeouts.get("connect"))
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
