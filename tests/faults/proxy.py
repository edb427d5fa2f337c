"""A loopback HTTP proxy that injects one fault per request, for the fault-injection suite.

It stands between ``reconcile`` (a real process) and a real registry, and for
each request asks a policy what to do: forward it; answer 500 or 503 itself;
answer 429 with ``Retry-After``; reset the connection before forwarding (the
registry never saw it) or after (the registry applied it, the client never
heard); or stall past the client's timeout and forward it late (the client
has retried meanwhile: the first attempt lands after the retry).

Every request is recorded with its fault and, when it reached the registry,
when it landed. The registry's own request log is the authority on writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

import h11
import httpx
from loop_thread import LoopThreadServer


class Fault(StrEnum):
    FORWARD = "forward"
    ERROR_500 = "500"
    ERROR_503 = "503"
    RATE_LIMITED = "429"
    RESET_BEFORE = "reset-before"
    RESET_AFTER = "reset-after"
    STALL = "stall"
    HOLD = "hold"  # held until ``release()``, then forwarded (a test's exact interleaving)


FAULTS = [f for f in Fault if f not in (Fault.FORWARD, Fault.HOLD)]


@dataclass
class Seen:
    """One request as the proxy received it."""

    method: str
    path: str  # with the query string, as sent
    body: bytes
    fault: Fault = Fault.FORWARD
    landed: float | None = None  # monotonic time it reached the registry
    status: int | None = None  # what the registry answered


Policy = Callable[[Seen], Fault]
# Rewrites the registry's answer before the client gets it: (request, body) -> body
Rewrite = Callable[[Seen, bytes], bytes]
# Runs in the proxy's loop after a request reached the registry, before the answer goes back
AfterForward = Callable[["FaultProxy", Seen], Awaitable[None]]


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (SO_LINGER 0): the client sees "connection reset"."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy(LoopThreadServer):
    """Serves on 127.0.0.1 (a free port) in a thread of its own; ``url`` once started."""

    def __init__(
        self,
        upstream: str,
        policy: Policy,
        *,
        stall: float = 1.5,
        retry_after: str = "1",
        rewrite: Rewrite | None = None,
        after_forward: AfterForward | None = None,
        latency: float = 0.0,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.policy = policy
        self.stall = stall
        self.retry_after = retry_after
        self.rewrite = rewrite
        self.after_forward = after_forward
        self.latency = latency  # added before every forwarded request: a slow network
        self.released: asyncio.Event | None = None
        self.seen: list[Seen] = []
        self.url = ""
        self._client: httpx.AsyncClient | None = None
        self._inflight = 0

    def settle(self, timeout: float = 30) -> None:
        """Wait until no stalled request is still on its way to the registry."""
        deadline = time.monotonic() + timeout
        while self._inflight and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not self._inflight, "stalled requests never landed"

    def release(self) -> None:
        """Let held requests go (call from the proxy's loop, i.e. an ``after_forward``)."""
        assert self.released is not None
        self.released.set()

    async def _start(self) -> None:
        self.released = asyncio.Event()
        self._client = httpx.AsyncClient(timeout=30)
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def _close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def _forward(self, seen: Seen, headers: list[tuple[bytes, bytes]]) -> httpx.Response:
        assert self._client is not None
        if self.latency:
            await asyncio.sleep(self.latency)
        forwarded = {
            k.decode(): v.decode()
            for k, v in headers
            if k.lower() not in (b"host", b"content-length", b"connection")
        }
        response = await self._client.request(
            seen.method, self.upstream + seen.path, content=seen.body, headers=forwarded
        )
        seen.landed = time.monotonic()
        seen.status = response.status_code
        return response

    async def _read_request(
        self, conn: h11.Connection, reader: asyncio.StreamReader
    ) -> tuple[h11.Request, bytes] | None:
        request: h11.Request | None = None
        body = b""
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                conn.receive_data(data)
                if not data and conn.their_state is h11.IDLE:
                    return None
                continue
            if isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                assert request is not None
                return request, body
            elif isinstance(event, h11.ConnectionClosed):
                return None

    async def _answer(
        self,
        conn: h11.Connection,
        writer: asyncio.StreamWriter,
        status: int,
        body: bytes,
        extra: list[tuple[str, str]] | None = None,
    ) -> None:
        headers = [
            ("content-type", "application/vnd.schemaregistry.v1+json"),
            ("content-length", str(len(body))),
            *(extra or []),
        ]
        writer.write(conn.send(h11.Response(status_code=status, headers=headers)))
        writer.write(conn.send(h11.Data(data=body)))
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER)
        try:
            while True:
                got = await self._read_request(conn, reader)
                if got is None:
                    break
                request, body = got
                seen = Seen(request.method.decode(), request.target.decode(), body)
                seen.fault = self.policy(seen)
                self.seen.append(seen)
                if not await self._serve(seen, request, conn, writer):
                    return
                conn.start_next_cycle()
        except (h11.ProtocolError, ConnectionError, asyncio.IncompleteReadError):
            pass
        with contextlib.suppress(Exception):
            writer.close()

    async def _serve(
        self, seen: Seen, request: h11.Request, conn: h11.Connection, writer: asyncio.StreamWriter
    ) -> bool:
        """Handle one request; False when the connection is gone (reset or stalled)."""
        fault = seen.fault
        if fault is Fault.RESET_BEFORE:
            _reset(writer)
            return False
        if fault in (Fault.ERROR_500, Fault.ERROR_503):
            status = int(fault.value)
            message = b'{"error_code": %d, "message": "injected fault"}' % (status * 100 + 1)
            await self._answer(conn, writer, status, message)
            return True
        if fault is Fault.RATE_LIMITED:
            message = b'{"error_code": 42901, "message": "injected rate limit"}'
            await self._answer(conn, writer, 429, message, [("retry-after", self.retry_after)])
            return True
        if fault in (Fault.STALL, Fault.HOLD):
            self._inflight += 1
            try:
                # The client times out and retries meanwhile.
                if fault is Fault.STALL:
                    await asyncio.sleep(self.stall)
                else:
                    assert self.released is not None
                    await asyncio.wait_for(self.released.wait(), 60)
                await self._forward(seen, request.headers.raw_items())
            finally:
                self._inflight -= 1
            _reset(writer)
            return False
        response = await self._forward(seen, request.headers.raw_items())
        if self.after_forward is not None:
            await self.after_forward(self, seen)
        if fault is Fault.RESET_AFTER:
            _reset(writer)
            return False
        content = response.content
        if self.rewrite is not None:
            content = self.rewrite(seen, content)
        await self._answer(conn, writer, response.status_code, content)
        return True
