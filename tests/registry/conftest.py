"""Fault injection for the registry client: scripted responses and a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from reconciler.registry import RegistryClient

Step = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


@dataclass
class Script:
    """A transport that answers each request with the next scripted step.

    A step is a response, an exception to raise (a transport failure), or a
    function of the request. ``requests`` records what the client sent.
    """

    steps: list[Step]
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.steps:
            raise AssertionError(f"unscripted request {request.method} {request.url}")
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx.Response):
            return step
        return step(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


@dataclass
class FakeSleep:
    """Records the delays the client asked for, without waiting."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def confluent_error(status: int, code: int, message: str, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"error_code": code, "message": message}, headers=headers)


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
def scripted(fake_sleep: FakeSleep) -> Callable[..., tuple[RegistryClient, Script]]:
    """Build a client over a ``Script``; extra keyword arguments go to the client."""

    def build(
        steps: Iterable[Step], *, url: str = "https://sr.example.com", **kwargs: Any
    ) -> tuple[RegistryClient, Script]:
        script = Script(list(steps))
        kwargs.setdefault("name", "dev")
        kwargs.setdefault("sleep", fake_sleep)
        return RegistryClient(url, transport=script.transport, **kwargs), script

    return build


# -- a raw HTTP/1.1 server on 127.0.0.1 (tests of the network transport) ---------

# One request's head and body as the server read them -> the raw bytes to answer
# (None: close the connection without answering).
Answer = Callable[[bytes, bytes], Awaitable[bytes | None]]


@dataclass
class Server:
    url: str
    connections: int = 0
    keep_alive: bool = True
    requests: list[tuple[int, bytes, bytes]] = field(default_factory=list)  # (conn, head, body)


def _response(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    lines = [f"HTTP/1.1 {status}", *headers]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Answer], Awaitable[Server]]]:
    servers: list[asyncio.base_events.Server] = []

    async def start(answer: Answer) -> Server:
        state = Server("")

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            state.connections += 1
            number = state.connections
            try:
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n"):
                        name, _, value = line.partition(b":")
                        if name.lower() == b"content-length":
                            length = int(value)
                    body = await reader.readexactly(length)
                    state.requests.append((number, head, body))
                    data = await answer(head, body)
                    if data is None:
                        break
                    writer.write(data)
                    await writer.drain()
                    if not state.keep_alive or b"connection: close" in data.lower():
                        break
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        return state

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()
