"""The network transport against a raw HTTP/1.1 server: framing, keep-alive, failures."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import socket
import time
from collections.abc import Awaitable, Callable, Iterator

import httpx
import pytest

from reconciler.registry import (
    BearerAuth,
    RegistryClient,
    RegistryError,
    RegistryUnavailableError,
    _transport,
)
from reconciler.registry._transport import Http11Transport

from .conftest import Answer, Server, _response


async def _ok(head: bytes, body: bytes) -> bytes:
    return _response(b'{"compatibilityLevel": "FULL"}')


async def test_connections_are_reused(serve: Callable[[Answer], Awaitable[Server]]) -> None:
    server = await serve(_ok)
    async with RegistryClient(server.url) as client:
        for _ in range(5):
            assert await client.get_config("s") == "FULL"
        assert await asyncio.gather(*(client.get_config("s") for _ in range(40))) == ["FULL"] * 40
    assert len(server.requests) == 45
    assert server.connections <= 16
    assert {conn for conn, _, _ in server.requests[:5]} == {1}
    head = server.requests[0][1]
    assert head.startswith(b"GET /config/s HTTP/1.1\r\n")
    assert b"\r\nhost: 127.0.0.1:" in head.lower()


async def test_chunked_gzip_and_request_body(serve: Callable[[Answer], Awaitable[Server]]) -> None:
    payload = gzip.compress(json.dumps({"id": 7}).encode())

    async def chunked(head: bytes, body: bytes) -> bytes:
        chunks = b"".join(
            b"%x\r\n%s\r\n" % (len(part), part) for part in (payload[:5], payload[5:])
        )
        return _response(
            chunks + b"0\r\n\r\n", "Transfer-Encoding: chunked", "Content-Encoding: gzip"
        )

    server = await serve(chunked)
    async with RegistryClient(server.url) as client:
        assert await client.register("s", '"string"') == 7
    _, head, body = server.requests[0]
    assert head.startswith(b"POST /subjects/s/versions HTTP/1.1\r\n")
    assert json.loads(body) == {"schema": '"string"'}


async def test_connection_close_is_honoured(serve: Callable[[Answer], Awaitable[Server]]) -> None:
    async def closing(head: bytes, body: bytes) -> bytes:
        return _response(b'{"mode": "READWRITE"}', "Connection: close")

    server = await serve(closing)
    async with RegistryClient(server.url) as client:
        for _ in range(3):
            assert await client.get_mode() == "READWRITE"
    assert server.connections == 3


async def test_a_connection_the_server_closed_while_idle_is_not_reused(
    serve: Callable[[Answer], Awaitable[Server]],
) -> None:
    server = await serve(_ok)
    server.keep_alive = False  # closes each connection after answering, as on an idle timeout
    async with RegistryClient(server.url, max_retries=0) as client:
        for _ in range(3):
            assert await client.get_config("s") == "FULL"  # no error: a new connection each
            await asyncio.sleep(0.05)  # the close arrives while the connection is idle
    assert server.connections == 3


async def test_idle_connections_expire(serve: Callable[[Answer], Awaitable[Server]]) -> None:
    server = await serve(_ok)
    transport = Http11Transport(None, max_idle=4, keepalive_expiry=0.05)
    async with RegistryClient(server.url, transport=transport) as client:
        assert await client.get_config("s") == "FULL"
        assert await client.get_config("s") == "FULL"  # reused
        await asyncio.sleep(0.1)
        assert await client.get_config("s") == "FULL"  # expired: a new connection
    assert [conn for conn, _, _ in server.requests] == [1, 1, 2]


async def test_no_answer_is_a_protocol_failure(
    serve: Callable[[Answer], Awaitable[Server]],
) -> None:
    async def hang_up(head: bytes, body: bytes) -> None:
        return None

    server = await serve(hang_up)
    async with RegistryClient(server.url, max_retries=1, sleep=_no_sleep) as client:
        with pytest.raises(RegistryUnavailableError) as info:
            await client.get_config("s")
        assert client.requests_made == 2  # a GET is retried
    assert "the server closed the connection or broke the HTTP protocol after 2 attempts" in str(
        info.value
    )


async def test_read_timeout(serve: Callable[[Answer], Awaitable[Server]]) -> None:
    async def slow(head: bytes, body: bytes) -> bytes:
        await asyncio.sleep(5)
        return _response(b"{}")

    server = await serve(slow)
    async with RegistryClient(server.url, timeout=0.2, max_retries=0) as client:
        with pytest.raises(RegistryUnavailableError) as info:
            await client.get_config("s")
    assert "no response within 0.2s" in str(info.value)


@pytest.fixture
def not_accepting() -> Iterator[str]:
    """A listening socket that never accepts: the kernel completes the handshakes of its
    backlog and buffers what they send up to its receive buffer, then nothing moves."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


async def test_write_timeout(not_accepting: str) -> None:
    """A server that stops reading fails a large request after the timeout, as a write
    failure (before: the whole body was buffered and only the read timeout ended it)."""
    large = "x" * (32 * 1024 * 1024)  # more than the kernel buffers on both sides
    async with RegistryClient(not_accepting, timeout=0.5, max_retries=0) as client:
        started = time.monotonic()
        with pytest.raises(RegistryUnavailableError) as info:
            await client.register("s", large, "JSON")
        assert time.monotonic() - started < 5
    assert "could not be sent within 0.5s (the server stopped reading)" in str(info.value)


async def test_connect_timeout(not_accepting: str) -> None:
    """With the backlog full, the kernel drops new handshakes: connecting times out."""
    host, port = not_accepting.removeprefix("http://").split(":")
    fillers = []
    try:
        for _ in range(8):  # more than a backlog of 0 holds
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect((host, int(port)))
            fillers.append(filler)
        await asyncio.sleep(0.05)
        async with RegistryClient(not_accepting, timeout=0.3, max_retries=0) as client:
            with pytest.raises(RegistryUnavailableError) as info:
                await client.get_subjects()
    finally:
        for filler in fillers:
            filler.close()
    assert "connection timed out after 0.3s" in str(info.value)


async def test_connection_refused() -> None:
    transport = Http11Transport(None, max_idle=1)
    request = httpx.Request("GET", "http://127.0.0.1:9/", extensions={"timeout": {}})
    with pytest.raises(httpx.ConnectError) as info:
        await transport.handle_async_request(request)
    assert isinstance(info.value.__cause__, ConnectionRefusedError)
    await transport.aclose()


async def _no_sleep(seconds: float) -> None:
    return None


async def test_informational_answers_and_a_body_ended_by_close(
    serve: Callable[[Answer], Awaitable[Server]],
) -> None:
    """A 1xx before the answer is skipped; a body with neither length nor chunks ends when
    the server closes, and that connection is not reused."""

    async def answer(head: bytes, body: bytes) -> bytes:
        return (
            b"HTTP/1.1 100 Continue\r\n\r\n"
            b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b'{"mode": "IMPORT"}'
        )

    server = await serve(answer)
    server.keep_alive = False
    async with RegistryClient(server.url) as client:
        assert await client.get_mode() == "IMPORT"
        assert await client.get_mode() == "IMPORT"
    assert server.connections == 2


async def test_a_second_response_makes_the_connection_unusable(
    serve: Callable[[Answer], Awaitable[Server]],
) -> None:
    """Bytes after the response (here a whole second response) are not taken as the answer
    to the next request: that connection is closed, the next request gets a new one."""

    async def twice(head: bytes, body: bytes) -> bytes:
        text = b'{"compatibilityLevel": "FULL"}' if b"/config/a" in head else b'{"mode": "x"}'
        return _response(text) * 2

    server = await serve(twice)
    async with RegistryClient(server.url) as client:
        assert await client.get_config("a") == "FULL"
        assert await client.get_config("b") is None  # the answer to b, not a's second copy
    assert server.connections == 2


async def test_a_malformed_response_is_a_protocol_failure(
    serve: Callable[[Answer], Awaitable[Server]],
) -> None:
    async def broken(head: bytes, body: bytes) -> bytes:
        return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}"

    server = await serve(broken)
    async with RegistryClient(server.url, max_retries=0) as client:
        with pytest.raises(RegistryUnavailableError) as info:
            await client.get_config("s")
    assert "the server closed the connection or broke the HTTP protocol" in str(info.value)


async def test_a_header_value_cannot_add_headers(
    serve: Callable[[Answer], Awaitable[Server]],
) -> None:
    server = await serve(_ok)
    async with RegistryClient(
        server.url, auth=BearerAuth("t\r\nX-Injected: 1"), max_retries=0
    ) as client:
        with pytest.raises(RegistryUnavailableError):
            await client.get_config("s")
    assert server.requests == []


async def test_the_head_is_read_when_asked(serve: Callable[[Answer], Awaitable[Server]]) -> None:
    """The reason phrase and the headers are parsed from the response's head only when the
    client asks for one: those of the final answer, after a 1xx, in any case."""
    answers = iter(
        [
            b"HTTP/1.1 100 Continue\r\nRetry-After: 1\r\n\r\n"
            b"HTTP/1.1 429 Slow Down\r\nRETRY-AFTER: 7\r\nContent-Length: 0\r\n\r\n",
            _response(b'{"mode": "IMPORT"}'),
            _response(b"", status="418 Gone Fishing"),
        ]
    )

    async def answer(head: bytes, body: bytes) -> bytes:
        return next(answers)

    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    server = await serve(answer)
    async with RegistryClient(server.url, max_retries=1, sleep=sleep) as client:
        assert await client.get_mode() == "IMPORT"
        assert delays == [7.0]
        with pytest.raises(RegistryError) as info:
            await client.get_mode()
    assert "Gone Fishing" in str(info.value)


async def test_a_content_encoding_is_undone_in_any_case_and_only_then(
    serve: Callable[[Answer], Awaitable[Server]],
) -> None:
    payload = gzip.compress(b'{"mode": "IMPORT"}')
    answers = iter(
        [
            b"HTTP/1.1 100 Continue\r\n\r\n"
            + _response(payload, "CONTENT-encoding: gzip", "Connection: close"),
            _response(b'{"mode": "content-encoding: gzip"}'),
        ]
    )

    async def answer(head: bytes, body: bytes) -> bytes:
        return next(answers)

    server = await serve(answer)
    async with RegistryClient(server.url, max_retries=0) as client:
        assert await client.get_mode() == "IMPORT"
        assert await client.get_mode() == "content-encoding: gzip"


async def test_no_more_requests_at_once_than_the_client_runs(
    serve: Callable[[Answer], Awaitable[Server]],
) -> None:
    """``max_concurrency`` bounds the requests in flight, callers cancelled while they
    wait included."""
    active = peak = 0

    async def slow(head: bytes, body: bytes) -> bytes:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.02)
        active -= 1
        return _response(b'{"mode": "READWRITE"}')

    server = await serve(slow)
    async with RegistryClient(server.url, max_concurrency=3) as client:
        reads = [asyncio.ensure_future(client.get_mode()) for _ in range(12)]
        await asyncio.sleep(0.005)
        reads[5].cancel()
        reads[6].cancel()
        answers = await asyncio.gather(*reads, return_exceptions=True)
    assert peak == 3
    assert answers.count("READWRITE") == 10
    assert len(server.requests) == 10


# Base URLs as written in project files: the plain ones parsed without httpx, the others by it.
BASE_URLS = [
    "http://h:1",
    "http://H:1",
    "http://Registry.Example.COM:8081/",
    "http://h:080",
    "http://h:0",
    "http://h:80",
    "https://h:443/",
    "https://h:80",
    "http://h",
    "http://h/",
    "http://h/a/b/",
    "http://h:1//",
    "http://h:1/~x/y.z_w-v",
    "http://127.0.0.1:18404",
    "http://10.0.0.255/prefix",
    "http://1.2.3.4.5:1",
    "http://h_x:1",
    "http://h-:1",
    "http://-h:1",
    "http://h..x:1",
    "http://h.:1",
    "http://0x7f.1:1",
    "http://h:99999",
    "http://xn--bcher-kva.example:1",
    "http://XN--BCHER-KVA.example",
    "http://bücher.example",
    "http://[::1]:8081",
    "http://[::FFFF:1.2.3.4]/p",
    "http://h:1/a%20b",
    "http://h:1/a b",
    "http://h:1/%7e",
    "http://h:1/a:b@c",
    "http://h:+1",
    "http://999.1.1.1:1",
    "http://01.2.3.4:1",
]


@pytest.mark.parametrize("url", BASE_URLS)
def test_a_base_url_is_read_as_httpx_reads_it(url: str) -> None:
    """``origin_and_prefix`` and ``netloc`` read a plain URL without httpx (whose import
    a plan spares), and give what httpx.URL gives for every URL, or its error."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        with pytest.raises(httpx.InvalidURL, match=str(exc)):
            _transport.origin_and_prefix(url)
        return
    scheme = parsed.scheme
    origin = (scheme, parsed.host, parsed.port or (443 if scheme == "https" else 80))
    assert _transport.origin_and_prefix(url) == (origin, parsed.raw_path.decode().rstrip("/"))
    expected = httpx.URL(scheme=scheme, host=origin[1], port=origin[2]).netloc
    _transport.netloc.cache_clear()
    assert _transport.netloc(origin) == expected
