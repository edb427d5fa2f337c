"""The network transport: HTTP/1.1 keep-alive connections over an asyncio protocol.

It stands in for ``httpx.AsyncHTTPTransport`` because a snapshot's thousands
of small reads cost several times more in httpcore's connection pool than on
the wire: the pool re-checks every connection of the pool (a ``poll`` and a
``getpeername`` each, through anyio's typed attributes) for every request it
assigns, which with 16 connections came to about 2.5 ms of client CPU per
request against a local registry answering in 0.4 ms (``bench/plan_scale.py``).
Here a request takes an idle connection from a stack (or opens one), writes
the request, reads the whole response and gives the connection back.

The client calls ``Http11Transport.send`` with the request already in bytes
(its headers encoded once per client) and gets a ``Reply``: no
``httpx.Request``/``Response`` (a URL parse, header normalization and byte
streams per request), no h11 state machine. Responses are parsed by
httptools (llhttp, the C parser uvicorn serves with), fed straight from the
protocol's ``data_received``: 0.32 ms of client CPU per small read came down
to a fraction of it (docs/performance.md, "Planning near the floor"). It is
still an httpx transport by its methods (``handle_async_request`` wraps
``send``), so that tests can wrap it and ``ASGITransport`` or an injected
transport can replace the network; the client sends through httpx's types
only to those. h11 is left for the proxy's ``CONNECT`` answer, once per
tunnel.

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
import contextlib
import ipaddress
import os
import re
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, cast
from urllib.parse import unquote, urlsplit

import httptools
import lazy_loader

if TYPE_CHECKING:
    import httpx

    from ._prefetch import ReadAhead
else:
    # Imported when first used: a request that fails, or a transport or URL only httpx
    # handles. Not on a plan's way to its first request (~65 M instructions, a fifth of
    # its imports' with urllib.request; docs/performance.md, "Session 10: before the
    # first request"); tests/cli/test_imports.py checks it.
    httpx = lazy_loader.load("httpx")

_CLOSE_TIMEOUT = 1.0

Origin = tuple[str, str, int]  # scheme, host, port
Timeouts = Mapping[str, float | None]  # httpx.Timeout.as_dict(): connect, read, write

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FORBIDDEN_IN_VALUE = re.compile(rb"[\r\n\0]")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})  # Content-Length: 0 without a body
_FRAMING = (b"content-length", b"transfer-encoding")


@lru_cache(maxsize=64)
def encode_headers(headers: tuple[tuple[str, str], ...]) -> bytes:
    """Header lines as sent (``Name: value\\r\\n`` each), checked as h11 checks them.

    Cached: a client sends the same few header sets thousands of times.
    ``httpx.LocalProtocolError`` for a name that is not a token or a value
    holding a line break (which would let a value add headers of its own).
    """
    return encode_raw_headers((n.encode("ascii"), v.encode("latin-1")) for n, v in headers)


def encode_raw_headers(headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    lines = []
    for name, value in headers:
        if not _TOKEN.fullmatch(name):
            raise httpx.LocalProtocolError("illegal header name")
        if _FORBIDDEN_IN_VALUE.search(value):
            raise httpx.LocalProtocolError("illegal header value")
        lines.append(b"%s: %s\r\n" % (name, value.strip(b" \t")))
    return b"".join(lines)


class _Head:
    """httptools' callbacks that collect the reason phrase and the header fields of the
    first final (not 1xx) response in the bytes fed."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.done = False

    def on_message_begin(self) -> None:
        if not self.done:
            self.reason, self.headers = b"", []

    def on_status(self, reason: bytes) -> None:
        if not self.done:
            self.reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self.done:
            self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.done = self.done or self.parser.get_status_code() >= 200


def head_fields(head: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The reason phrase and the header fields of the response whose head ``head`` holds
    (the bytes received up to the end of its head, interim 1xx answers included; what
    follows the head is not looked at), parsed as the connection's parser read them."""
    collected = _Head()
    # What follows the head (a body, a stray answer) may not parse: it is not asked for.
    with contextlib.suppress(httptools.HttpParserError, httptools.HttpParserUpgrade):
        collected.parser.feed_data(head)
    return collected.reason, collected.headers


class Reply:
    """A whole response: status, decoded body, and its head as received.

    The head is split into its reason phrase and header fields only when one is
    asked for (``header``, ``raw_headers``): the client reads one (``Retry-After``)
    and only on a retry, so nothing of the head is parsed twice per response.
    """

    __slots__ = ("_fields", "_head", "body", "status")

    def __init__(
        self,
        status: int,
        body: bytes,
        head: bytes = b"",
        fields: tuple[bytes, list[tuple[bytes, bytes]]] | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self._head = head  # the bytes received up to the end of the head (``head_fields``)
        self._fields = fields  # (reason, headers) once known

    @classmethod
    def of(
        cls, status: int, reason: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> Reply:
        """A reply whose reason and headers are known already (an injected transport's)."""
        return cls(status, body, fields=(reason, headers))

    def _parsed(self) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        if self._fields is None:
            self._fields = head_fields(self._head)
        return self._fields

    @property
    def raw_reason(self) -> bytes:
        return self._parsed()[0]

    @property
    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        return self._parsed()[1]

    @property
    def reason(self) -> str:
        return self.raw_reason.decode("latin-1")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def header(self, name: str) -> str | None:
        """The header's value (repeated ones joined with ``, ``, as httpx does), or None."""
        wanted = name.lower().encode("ascii")
        values = [v.decode("latin-1") for n, v in self.raw_headers if n.lower() == wanted]
        return ", ".join(values) if values else None


def _decoded(status: int, head: bytes, interim: bool, body: bytes) -> bytes:
    """``body`` undone of its ``Content-Encoding``, if it has one (we ask for gzip and
    deflate), by httpx's decoders: rare on this path, and theirs know every quirk of deflate.

    A head that does not hold the name anywhere, in any case, has no such header: the
    header fields are parsed only when it does. Only the response's own head is
    searched when it is the first one received and its lines end with CRLF (its end is
    then the first empty line); else everything received up to its end.
    """
    end = -1 if interim else head.find(b"\r\n\r\n")
    if b"content-encoding" not in (head if end < 0 else head[:end]).lower():
        return body
    _, headers = head_fields(head)
    if not any(name.lower() == b"content-encoding" for name, _ in headers):
        return body
    return httpx.Response(status, headers=headers, content=body).content


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
    if not any(value and name[-6:].lower() == "_proxy" for name, value in os.environ.items()):
        return None  # what urllib.request would find: its import (http.client, email) spared
    import urllib.request

    parts = urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or not parts.hostname:
        return None
    if urllib.request.proxy_bypass_environment(parts.netloc.rpartition("@")[2], proxies):
        return None
    return proxy


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: an asyncio protocol parsing what it receives.

    A protocol rather than asyncio's streams: while a request waits for its
    response, what arrives goes straight into the response parser (no task
    wakes up per read, only once the response is whole); while the connection
    sits idle, it is kept aside, because a server may close an idle
    connection or send a last word first (a ``408``), and either way it must
    not be reused.
    """

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._received = bytearray()  # what arrived while no response was awaited
        self._closed = False  # the server closed its side, or the connection is gone
        self._error: Exception | None = None
        self._waiter: asyncio.Future[None] | None = None
        self.idle_since = 0.0  # loop time when it was last put back in the pool
        self.lost: asyncio.Future[None] = self._loop.create_future()
        # Set while the transport's write buffer is over its high-water mark.
        self._drained: asyncio.Future[None] | None = None
        # Through a proxy to an http origin: absolute-form targets, and the proxy's credentials.
        self.absolute_form = False
        self.proxy_authorization: str | None = None
        # The response being read: set by ``send``, filled by the parser's callbacks.
        self._response: asyncio.Future[tuple[int, bytes, bool]] | None = None
        self._head_chunks: list[bytes] = []  # what arrived up to the end of the response's head
        self._heading = False  # the response's head is not whole yet
        self._interim = False  # a 1xx answer came first
        self._chunks: list[bytes] = []  # the body, as the parser hands it over
        self.on_body = self._chunks.append
        self._complete = False  # the awaited response is whole
        self._stray = False  # more than one response arrived: the connection is not reused
        self._parser = httptools.HttpResponseParser(self)  # reads ``on_body`` now
        self._read_timeout: float | None = None
        self._last_data = 0.0
        self._timer: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport, though not always an asyncio.Transport subclass: uvloop's
        # (under uvicorn, in the MCP server) is not registered as one.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self._response is None:  # idle, or a proxy's answer to CONNECT
            self._received += data
            self._wake()
            return
        self._last_data = self._loop.time()
        self._feed(data)

    def eof_received(self) -> bool:
        self._closed = True
        self._wake()
        self._ended(None)
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._closed = True
        self._error = exc
        self._wake()
        self._ended(exc)
        self.resume_writing()
        if not self.lost.done():
            self.lost.set_result(None)

    def pause_writing(self) -> None:
        self._drained = self._loop.create_future()

    def resume_writing(self) -> None:
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._drained = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def _read(self) -> bytes:
        """What arrived so far, waiting for something; ``b""`` once the server closed.

        For the proxy's answer to ``CONNECT`` only: responses go through the parser.
        """
        while not self._received:
            if self._error is not None:
                raise self._error
            if self._closed:
                return b""
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        data = bytes(self._received)
        self._received.clear()
        return data

    # -- httptools' callbacks, while a response is read
    #
    # No ``on_status`` nor ``on_header``: the parser then neither gathers the reason nor
    # the header fields (five Python calls a response from most servers, half the
    # parsing's cost). The bytes up to the end of the response's head are kept instead
    # (``_head_chunks``), parsed again only when a header is asked for (``head_fields``).
    # ``on_body`` is ``self._chunks.append``.

    def on_message_begin(self) -> None:
        if self._complete:
            self._stray = True
        self._chunks.clear()

    def on_headers_complete(self) -> None:
        if self._parser.get_status_code() >= 200:
            self._heading = False

    def on_message_complete(self) -> None:
        if self._complete:
            return
        if self._parser.get_status_code() < 200:  # 1xx: the final response follows
            self._interim = True
            return
        self._whole(self._parser.should_keep_alive())

    # -- reading a response

    def _feed(self, data: bytes) -> None:
        if self._heading:
            self._head_chunks.append(data)
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._settle(httpx.RemoteProtocolError("the server switched protocols"))
        except httptools.HttpParserError as exc:
            self._settle(httpx.RemoteProtocolError(str(exc)), exc)

    def _ended(self, exc: Exception | None) -> None:
        """The server closed the connection (``exc``: how it broke) while a response was read."""
        if self._response is None or self._response.done():
            return
        if exc is None and self._ends_with_close():
            self._whole(False)
        elif isinstance(exc, OSError):
            self._settle(httpx.ReadError(str(exc)), exc)
        else:
            self._settle(httpx.RemoteProtocolError("the server closed the connection"), exc)

    def _ends_with_close(self) -> bool:
        """The awaited response's head is in, and its body has neither a length nor chunks:
        it ends when the server closes the connection."""
        if self._heading or self._parser.get_status_code() in (204, 304):
            return False
        _, headers = head_fields(b"".join(self._head_chunks))
        return not any(name.lower() in _FRAMING for name, _ in headers)

    def _whole(self, keep: bool) -> None:
        """The awaited response is whole: its status, body and whether to keep the connection."""
        self._complete = True
        response = self._response
        if response is not None and not response.done():
            body = b"".join(self._chunks)
            response.set_result((self._parser.get_status_code(), body, keep))

    def _settle(self, error: Exception, cause: BaseException | None = None) -> None:
        """The awaited response failed with ``error``."""
        response = self._response
        if response is None or response.done():
            return
        error.__cause__ = cause
        response.set_exception(error)

    def _check_read_timeout(self) -> None:
        """Fail the response when nothing arrived for the read timeout (the gap between reads,
        as httpx counts it, not the whole response).

        One timer per connection, not per request: it is left running when a
        response completes and, when it fires, looks at the response awaited
        then (if any), rescheduling itself from that one's last progress. A
        timer per request (scheduled, then cancelled) cost more than the parsing.
        """
        self._timer = None
        if self._response is None or self._response.done() or self._read_timeout is None:
            return
        wait = self._last_data + self._read_timeout - self._loop.time()
        if wait > 0:
            self._timer = self._loop.call_later(wait, self._check_read_timeout)
        else:
            self._settle(httpx.ReadTimeout("timed out reading the response"), TimeoutError())

    # -- use

    def reusable(self) -> bool:
        """Nothing received, not closed, since the last response was read."""
        return not self._received and not self._closed and not self._stray

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
        self._put(data)
        if self._drained is not None:
            await self._drain(timeout)

    def _put(self, data: bytes) -> None:
        """Hand ``data`` to the transport (which sends what the socket takes at once)."""
        assert self._transport is not None
        if self._error is not None or self._closed:
            raise httpx.WriteError("the connection is closed")
        self._transport.write(data)

    async def _drain(self, timeout: float | None) -> None:
        """Wait (up to ``timeout``) until the transport's buffer is below its mark again."""
        assert self._drained is not None
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
        import h11  # only here: a connection without a proxy never needs it

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
            from ._proxy_refused import ProxyRefusedError

            raise ProxyRefusedError(event.status_code)
        # What came after the proxy's answer belongs to the tunnel (nothing, before TLS).
        leftover, _ = conn.trailing_data
        self._received[:0] = leftover

    async def start_tls(self, context: ssl.SSLContext, host: str, timeout: float | None) -> None:
        """TLS inside the tunnel: the protocol now reads and writes through the TLS transport."""
        assert self._transport is not None
        try:
            async with asyncio.timeout(timeout):
                transport = await self._loop.start_tls(
                    self._transport, self, context, server_hostname=host
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout("timed out in the TLS handshake") from exc
        except OSError as exc:  # ssl.SSLError included
            raise httpx.ConnectError(str(exc)) from exc
        if transport is None:
            raise httpx.ConnectError("the proxy closed the tunnel")
        self._transport = cast(asyncio.Transport, transport)

    async def exchange(self, request: bytes, timeouts: Timeouts) -> tuple[int, bytes, bytes, bool]:
        """Send ``request`` (head and body), read the whole response.

        (status, what arrived up to the end of its head, body undone of its
        Content-Encoding, keep the connection).
        """
        self._head_chunks = []
        self._heading, self._interim, self._complete = True, False, False
        self._response = response = self._loop.create_future()
        try:
            try:
                # ``_write``, inline: a small request never waits, and a coroutine
                # per request cost more than the check.
                self._put(request)
                if self._drained is not None:
                    await self._drain(timeouts.get("write"))
            except OSError as exc:
                raise httpx.WriteError(str(exc)) from exc
            if self._received:  # arrived before the request was sent (after a tunnel's answer)
                data = bytes(self._received)
                self._received.clear()
                self._feed(data)
            if self._closed and not response.done():
                self._ended(self._error)
            self._read_timeout = timeouts.get("read")
            if self._read_timeout is not None and not response.done():
                self._last_data = self._loop.time()
                if self._timer is None:
                    self._timer = self._loop.call_at(
                        self._last_data + self._read_timeout, self._check_read_timeout
                    )
            status, body, keep = await response
        finally:
            self._response = None
        head = b"".join(self._head_chunks)
        return status, head, _decoded(status, head, self._interim, body), keep and not self._stray


# A base URL of the shape every URL parser reads alike: http(s), a host name of ASCII
# letters, digits, ".", "_" and "-" (or an IPv4 address), a port of digits, a path of
# unreserved characters. ``origin_and_prefix`` reads it as httpx.URL does without httpx;
# anything else is httpx's to read (IDNA, IPv6, percent-encoding, a query...).
_PLAIN_URL = re.compile(r"(https?)://([A-Za-z0-9._-]+)(?::([0-9]{1,5}))?(/[A-Za-z0-9._~/-]*)?\Z")
_PLAIN_HOST = re.compile(r"[a-z0-9._-]+\Z")
_DOTTED = re.compile(r"[0-9]+(?:\.[0-9]+){3}\Z")


def _plain_host(host: str) -> bool:
    """Whether httpx.URL keeps ``host`` (lower case) as it is: no IDNA label, and four
    dotted numbers only as an IPv4 address (httpx refuses other ones)."""
    if not _PLAIN_HOST.match(host) or "xn--" in host:
        return False
    if _DOTTED.match(host):
        try:
            return str(ipaddress.IPv4Address(host)) == host
        except ValueError:
            return False
    return True


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def origin_and_prefix(url: str) -> tuple[Origin, str]:
    """Where requests to ``url`` (a base URL without userinfo or query) connect, and
    its path without its trailing "/", as httpx.URL parses it (tests compare)."""
    match = _PLAIN_URL.match(url)
    if match is not None:
        scheme, host, port, path = match.groups()
        host = host.lower()
        if _plain_host(host):
            return (scheme, host, int(port or 0) or _default_port(scheme)), (path or "").rstrip("/")
    parsed = httpx.URL(url)
    origin = (parsed.scheme, parsed.host, parsed.port or _default_port(parsed.scheme))
    return origin, parsed.raw_path.decode("ascii").rstrip("/")


@lru_cache(maxsize=64)
def netloc(origin: Origin) -> bytes:
    """``host[:port]`` as httpx writes it in ``Host`` (IDNA, IPv6 in brackets, no default port)."""
    scheme, host, port = origin
    if _plain_host(host):
        return (host if port == _default_port(scheme) else f"{host}:{port}").encode("ascii")
    return httpx.URL(scheme=scheme, host=host, port=port).netloc


class Http11Transport:
    """Keep-alive HTTP/1.1 to one or more origins; at most ``max_idle`` idle per origin.

    An ``httpx.AsyncBaseTransport`` by its methods (``handle_async_request``,
    ``aclose``), not by its class: deriving from it would import httpx with this
    module.

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
        # Answers to GETs sent ahead, and the GETs sent recorded (``_prefetch``).
        self.read_ahead: ReadAhead | None = None

    @property
    def ssl_context(self) -> ssl.SSLContext | None:
        return self._ssl_context

    @property
    def proxied(self) -> bool:
        """Some origin is reached through a proxy."""
        return bool(self._proxies)

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

    async def send(
        self,
        origin: Origin,
        method: str,
        target: bytes,
        headers: bytes,
        body: bytes | None,
        timeouts: Timeouts,
    ) -> Reply:
        """One request to ``origin`` and its whole response.

        ``target`` is the request target in origin form (``/path?query``, already
        percent-encoded); ``headers`` are the header lines (``encode_headers``),
        ``Host`` included, ``Content-Length`` not.
        """
        scheme = origin[0]
        if scheme != "http" and scheme != "https":
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {scheme!r}")
        ahead = self.read_ahead
        if ahead is not None and method == "GET":
            found = ahead.take(origin, target, headers)
            if found is not None:
                reply = await found if isinstance(found, asyncio.Future) else found
                if isinstance(reply, Reply):
                    ahead.taken += 1
                    return reply
                if reply is not None:  # ``UNANSWERED``: sent ahead, and timed out
                    raise httpx.ReadTimeout("timed out reading the response")
        idle = self._idle.get(origin)
        if idle is None:
            idle = self._idle[origin] = []
        connection = None
        loop = asyncio.get_running_loop()
        if idle:
            fresh = loop.time() - self._keepalive_expiry
            while idle:
                candidate = idle.pop()
                if candidate.reusable() and candidate.idle_since >= fresh:
                    connection = candidate
                    break
                self._discard(candidate)
        if connection is None:
            connection = await self._connect(origin, timeouts.get("connect"))
        if connection.absolute_form:
            target = b"%s://%s%s" % (scheme.encode(), netloc(origin), target)
            if connection.proxy_authorization:
                headers += b"Proxy-Authorization: %s\r\n" % connection.proxy_authorization.encode()
        if body is not None:
            headers += b"Content-Length: %d\r\n" % len(body)
        elif method in _BODY_METHODS:
            headers += b"Content-Length: 0\r\n"
        request = b"%s %s HTTP/1.1\r\n%s\r\n" % (method.encode("ascii"), target, headers)
        if body:
            request += body
        self._busy.add(connection)
        try:
            status, head, content, keep = await connection.exchange(request, timeouts)
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
        return Reply(status, content, head)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """``send`` for httpx's types (tests wrap the transport through this)."""
        url = request.url
        scheme = url.scheme
        port = url.port or (443 if scheme == "https" else 80)
        raw = [(n, v) for n, v in request.headers.raw if n.lower() != b"content-length"]
        body = request.content
        reply = await self.send(
            (scheme, url.host, port),
            request.method,
            url.raw_path,
            encode_raw_headers(raw),
            body if body or request.method in _BODY_METHODS else None,
            request.extensions.get("timeout", {}),
        )
        return httpx.Response(
            reply.status,
            headers=[(n, v) for n, v in reply.raw_headers if n.lower() != b"content-encoding"],
            content=reply.body,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reply.raw_reason},
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
        if self.read_ahead is not None:
            self.read_ahead.close()
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
