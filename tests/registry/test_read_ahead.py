"""``ReadAhead``: the last plan's GETs sent ahead from a thread, pipelined, and the client
answered from them exactly as it would have been answered without (registry/_prefetch.py).

Against the local registry served over HTTP (uvicorn's pipelining, through the
server's own protocol subclass), against raw servers that answer pipelined
requests badly (close after one answer, 503, never), and against a registry
process killed with SIGKILL while the answers are on their way.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import os
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from served_process import free_port, serve

from reconciler.engine.snapshot import snapshot
from reconciler.localregistry import serve_in_thread
from reconciler.registry import RegistryClient, RegistryUnavailableError
from reconciler.registry._prefetch import remembered, snapshot_path

from .conftest import FakeSleep, _response


def record(name: str, *fields: str) -> str:
    return json.dumps(
        {"type": "record", "name": name, "fields": [{"name": f, "type": "string"} for f in fields]}
    )


async def reads(client: RegistryClient, subjects: list[str]) -> object:
    """What a plan's snapshot reads, in small pages (``page_size=2``: many pages)."""
    return (
        await client.get_config(default_to_global=True),
        await client.get_mode(default_to_global=True),
        [(v.subject, v.version, v.id, v.schema) for v in await client.list_schemas(page_size=2)],
        await client.read_settings([(s, w) for s in subjects for w in ("compatibility", "mode")]),
    )


async def recorded_reads(
    url: str, subjects: list[str], **kwargs: object
) -> tuple[object, list[str]]:
    async with RegistryClient(url, **kwargs) as client:  # type: ignore[arg-type]
        ahead = client.read_ahead()
        assert ahead is not None
        result, recorded = await reads(client, subjects), ahead.recorded()
        assert recorded is not None
        return result, recorded


async def ahead_reads(
    url: str, subjects: list[str], paths: list[str], **kwargs: object
) -> tuple[object, int]:
    async with RegistryClient(url, **kwargs) as client:  # type: ignore[arg-type]
        ahead = client.read_ahead()
        assert ahead is not None
        ahead.start(paths)
        return await reads(client, subjects), ahead.taken


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_in_thread(tmp_path_factory.mktemp("ahead") / "r.db") as url:
        yield url


async def _register(url: str, subjects: list[str]) -> None:
    async with RegistryClient(url) as client:
        for subject in subjects:
            await client.register(subject, record(subject.replace("-", "_"), "id"))


async def test_the_local_registry_answers_pipelined_reads_and_they_are_used(served: str) -> None:
    subjects = [f"t{n}-value" for n in range(7)]
    await _register(served, subjects)
    async with RegistryClient(served) as client:
        await client.set_mode("READONLY", subjects[3])
        await client.set_config("FULL", subjects[4])
    first, paths = await recorded_reads(served, subjects)
    assert len(paths) == 2 + 4 + 14  # globals, 4 pages of 2 (7 versions), 14 settings
    again, taken = await ahead_reads(served, subjects, paths)
    assert again == first
    assert taken == len(paths)  # every read answered ahead: uvicorn pipelines


async def test_the_registry_has_the_first_requests_once_begun(served: str) -> None:
    """``begun``: every connection of the read-ahead made and its first requests written
    (``reconcile plan`` waits for it before rebuilding its kept specs)."""
    subjects = [f"b{n}-value" for n in range(3)]
    await _register(served, subjects)
    _, paths = await recorded_reads(served, subjects)
    async with RegistryClient(served) as client:
        ahead = client.read_ahead()
        assert ahead is not None
        assert not ahead.begun(0)
        ahead.start(paths)
        assert await asyncio.to_thread(ahead.begun, 10)


async def test_a_thread_that_cannot_start_is_no_read_ahead(
    served: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The system refuses a thread (``RuntimeError``): nothing raises, nothing is waited
    for, and the client reads everything itself."""
    subjects = [f"r{n}-value" for n in range(3)]
    await _register(served, subjects)
    first, paths = await recorded_reads(served, subjects)

    def refused(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refused)
    async with RegistryClient(served) as client:
        ahead = client.read_ahead()
        assert ahead is not None
        ahead.start(paths)
        assert ahead.begun(0)
        assert await reads(client, subjects) == first
        assert ahead.taken == 0
        ahead.close()


@pytest.mark.parametrize("seed", range(4))
async def test_a_registry_changed_since_the_remembered_plan_reads_the_same(
    tmp_path: Path, seed: int
) -> None:
    """Subjects added and deleted, more and fewer pages, settings changed: the reads with
    the stale remembered list are those without read-ahead."""
    import random

    rng = random.Random(seed)
    with serve_in_thread(tmp_path / "r.db") as url:
        subjects = [f"s{n}-value" for n in range(rng.randint(3, 9))]
        await _register(url, subjects)
        _, paths = await recorded_reads(url, subjects)
        async with RegistryClient(url) as client:
            for subject in rng.sample(subjects, rng.randint(0, 2)):
                await client.delete_subject(subject)
            added = [f"n{n}-value" for n in range(rng.randint(0, 5))]
            for subject in added:
                await client.register(subject, record(subject.replace("-", "_"), "id"))
            for subject in rng.sample(subjects, 2):
                await client.set_mode(rng.choice(["READONLY", "READWRITE"]), subject)
            await client.set_config(rng.choice(["FULL", "NONE"]))
        now = [*subjects, *added]
        without, _ = await recorded_reads(url, now)
        with_ahead, taken = await ahead_reads(url, now, paths)
        assert with_ahead == without
        assert taken > 0


async def test_the_snapshot_and_its_fingerprint_are_the_same(served: str) -> None:
    subjects = [f"f{n}-value" for n in range(5)]
    await _register(served, subjects)
    managed = {".": [(s, "mode") for s in subjects]}

    async def state(paths: list[str] | None) -> tuple[object, str, list[str] | None]:
        async with RegistryClient(served) as client:
            ahead = client.read_ahead()
            assert ahead is not None
            if paths is not None:
                ahead.start(paths)
            live = await snapshot(client, "dev", managed)
            return live.contexts, live.fingerprint(), ahead.recorded()

    contexts, fingerprint, paths = await state(None)
    # The same reads: nothing new to remember (None: not even sorted again).
    assert await state(paths) == (contexts, fingerprint, None)


# -- raw servers: what a pipelined connection meets ---------------------------------

# (connection number, request target) -> the raw answer, None to close without one,
# or ... to never answer.
RawAnswer = Callable[[int, str], "bytes | type[Ellipsis] | None"]


def _setting(target: str) -> bytes:
    if target.startswith("/schemas"):
        return _response(b"[]")
    return _response(b'{"error_code": 40401, "message": "no"}', status="404 Not Found")


@pytest.fixture
async def raw() -> AsyncIterator[Callable[[RawAnswer], Awaitable[tuple[str, list[int]]]]]:
    """A raw HTTP/1.1 server: each request (read one after another, as pipelined) is
    answered by ``answer(connection, target)``; it counts the connections' requests."""
    servers: list[asyncio.base_events.Server] = []

    async def start(answer: RawAnswer) -> tuple[str, list[int]]:
        counts: list[int] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            number = len(counts)
            counts.append(0)
            try:
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    counts[number] += 1
                    data = answer(number, head.split(b" ")[1].decode("ascii"))
                    if data is ...:
                        await asyncio.sleep(3600)
                    if data is None:
                        break
                    assert isinstance(data, bytes)
                    writer.write(data)
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", counts

    yield start
    for server in servers:
        server.close()


SUBJECTS = [f"r{n}" for n in range(6)]
PATHS = remembered(
    [
        "/config?defaultToGlobal=true",
        "/mode?defaultToGlobal=true",
        "/schemas?offset=0&limit=2",
        *(f"/{w}/{s}" for s in SUBJECTS for w in ("config", "mode")),
    ]
)


async def _ahead_then_client(
    url: str,
    counts: list[int],
    fake_sleep: FakeSleep,
    timeout: float = 30.0,
    max_retries: int = 4,
) -> tuple[object, int]:
    """Start the read-ahead, let it connect (its connections are the server's first),
    then read as a plan does."""
    client = RegistryClient(url, sleep=fake_sleep, timeout=timeout, max_retries=max_retries)
    async with client:
        ahead = client.read_ahead()
        assert ahead is not None
        ahead.start(PATHS)
        for _ in range(200):
            if sum(counts) >= len(PATHS):
                break
            await asyncio.sleep(0.01)
        return await reads(client, SUBJECTS), ahead.taken


async def _plain(url: str, fake_sleep: FakeSleep) -> object:
    async with RegistryClient(url, sleep=fake_sleep) as client:
        return await reads(client, SUBJECTS)


@pytest.mark.parametrize(
    ("pipelined", "taken"),
    [
        # One answer, then the connection closed without a word: the rest are sent anew.
        ("close", {1}),
        # One answer saying "Connection: close": likewise.
        ("say-close", {1}),
        # 503 to each: the client sends each itself (and meets the registry's answer).
        ("503", {0}),
        # Encoded answers (gzip): not taken, the client's own path decodes them.
        ("gzip", {0}),
    ],
)
async def test_a_server_that_answers_pipelined_requests_badly(
    raw: Callable[[RawAnswer], Awaitable[tuple[str, list[int]]]],
    fake_sleep: FakeSleep,
    pipelined: str,
    taken: set[int],
) -> None:
    answered: dict[int, int] = {}
    ahead_connections = 4  # the read-ahead's (listing + three of settings) come first

    def answer(number: int, target: str) -> bytes | None:
        if number >= ahead_connections:
            return _setting(target)
        answered[number] = answered.get(number, 0) + 1
        if pipelined == "503":
            return _response(b"busy", status="503 Service Unavailable")
        if pipelined == "gzip":
            head, _, body = _setting(target).partition(b"\r\n\r\n")
            status = head.split(b"\r\n")[0].decode().split(" ", 1)[1]
            return _response(gzip.compress(body), "Content-Encoding: gzip", status=status)
        if answered[number] > 1:
            return None
        if pipelined == "say-close":
            return _setting_close(target)
        return _setting(target)

    url, counts = await raw(answer)
    plain_url, _ = await raw(lambda number, target: _setting(target))
    result, used = await _ahead_then_client(url, counts, fake_sleep)
    assert result == await _plain(plain_url, fake_sleep)
    assert used <= sum(answered.get(n, 0) for n in range(ahead_connections))
    assert fake_sleep.delays == []  # nothing retried: each failed read-ahead was sent anew
    if pipelined in ("503", "gzip"):
        assert used == 0


def _setting_close(target: str) -> bytes:
    data = _setting(target)
    head, _, body = data.partition(b"\r\n\r\n")
    return head + b"\r\nConnection: close\r\n\r\n" + body


async def test_a_server_that_never_answers_pipelined_requests(
    raw: Callable[[RawAnswer], Awaitable[tuple[str, list[int]]]], fake_sleep: FakeSleep
) -> None:
    """The read-ahead gives up after the client's read timeout (without a byte): that
    was the client's first attempt at each read, timed out; its retries are answered."""

    def answer(number: int, target: str) -> bytes | type[Ellipsis]:
        return ... if number < 4 else _setting(target)

    url, counts = await raw(answer)
    plain_url, _ = await raw(lambda number, target: _setting(target))
    result, used = await _ahead_then_client(url, counts, fake_sleep, timeout=0.5)
    assert (result, used) == (await _plain(plain_url, fake_sleep), 0)
    assert fake_sleep.delays  # retried, as after a timeout of its own


async def test_a_registry_that_never_answers_costs_one_timeout_not_two(
    raw: Callable[[RawAnswer], Awaitable[tuple[str, list[int]]]], fake_sleep: FakeSleep
) -> None:
    """A registry that takes connections and answers nothing (hung): each read sent
    ahead, unanswered for the client's read timeout, is the client's first attempt at
    it, timed out; the client does not send it again to wait as long once more."""
    url, counts = await raw(lambda number, target: ...)
    with pytest.raises(RegistryUnavailableError, match=r"no response within 0\.3s"):
        await _ahead_then_client(url, counts, fake_sleep, timeout=0.3, max_retries=0)
    assert len(counts) == 4  # the read-ahead's connections: the client opened none


async def test_nothing_but_the_snapshots_own_shapes_is_sent_ahead(
    raw: Callable[[RawAnswer], Awaitable[tuple[str, list[int]]]], fake_sleep: FakeSleep
) -> None:
    seen: list[str] = []

    def answer(number: int, target: str) -> bytes:
        seen.append(target)
        return _setting(target)

    url, _ = await raw(answer)
    tampered = [
        "/subjects/x/versions",
        "/config/..",
        "/config/a/b",
        "/schemas?offset=0&limit=2&x=1",
        "http://elsewhere/config",
        "/mode/ok",
    ]
    async with RegistryClient(url, sleep=fake_sleep) as client:
        ahead = client.read_ahead()
        assert ahead is not None
        ahead.start(tampered)
        await client.get_mode("ok")
    assert seen == ["/mode/ok"]  # sent ahead, and taken: the client sent nothing
    assert [p for p in tampered if snapshot_path(p)] == ["/mode/ok"]


async def test_no_read_ahead_where_it_does_not_apply(tmp_path: Path) -> None:
    assert RegistryClient("http://sr:8081?api_key=k").read_ahead() is None
    assert RegistryClient("http://sr:8081", proxy="http://proxy:3128").read_ahead() is None
    assert RegistryClient(f"local:{tmp_path / 'r.db'}").read_ahead() is None


async def test_recorded_targets_hold_no_credentials(served: str) -> None:
    url = served.replace("http://", "http://user:s3cret@")
    async with RegistryClient(url) as client:
        ahead = client.read_ahead()
        assert ahead is not None
        await client.get_mode(default_to_global=True)
        assert ahead.recorded() == ["/mode?defaultToGlobal=true"]


# -- a registry process killed while the answers are on their way -------------------


async def test_a_registry_killed_during_the_read_ahead(tmp_path: Path) -> None:
    subjects = [f"k{n}-value" for n in range(40)]
    with serve_in_thread(tmp_path / "r.db") as url:
        await _register(url, subjects)
        _, paths = await recorded_reads(url, subjects)
    port = free_port()
    process = serve(tmp_path / "r.db", port)
    url = f"http://127.0.0.1:{port}"
    try:
        # Stopped first: its connections are accepted (by the kernel) and the requests
        # written, none answered; then killed while they wait.
        os.kill(process.pid, signal.SIGSTOP)
        async with RegistryClient(url, sleep=FakeSleep()) as client:
            ahead = client.read_ahead()
            assert ahead is not None
            ahead.start(paths)
            await asyncio.sleep(0.2)
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            with pytest.raises(RegistryUnavailableError) as with_ahead:
                await reads(client, subjects)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    async with RegistryClient(url, sleep=FakeSleep()) as client:
        with pytest.raises(RegistryUnavailableError) as without:
            await reads(client, subjects)
    assert str(with_ahead.value) == str(without.value)


async def test_requests_are_written_as_the_server_takes_them() -> None:
    """A chunk at a time while the transport's buffer is below its mark (a server reads
    pipelined requests as it answers them): not 120,000 requests in memory at once."""
    from reconciler.registry._prefetch import _CHUNK, _Pipeline

    async with RegistryClient("http://127.0.0.1:9") as client:
        ahead = client.read_ahead()
        assert ahead is not None
        targets = [f"/mode/s{n}".encode() for n in range(3 * _CHUNK + 1)]
        pipeline = _Pipeline(ahead, targets)
        written: list[int] = []

        class Transport:
            def write(self, data: bytes) -> None:
                written.append(data.count(b"GET "))
                pipeline.pause_writing()  # past the mark at once

        pipeline.connection_made(Transport())  # type: ignore[arg-type]
        assert written == [_CHUNK]
        pipeline.resume_writing()
        pipeline.resume_writing()
        assert written == [_CHUNK, _CHUNK, _CHUNK]
        pipeline.resume_writing()
        pipeline.resume_writing()
        assert written == [_CHUNK, _CHUNK, _CHUNK, 1]


async def test_a_failure_inside_the_read_ahead_is_neither_raised_nor_printed(
    served: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A protocol that fails (here: after each chunk it read) ends its connection; the
    client sends what is left, and asyncio's logger says nothing on the plan's stderr."""
    from reconciler.registry._prefetch import _Pipeline

    subjects = [f"e{n}-value" for n in range(5)]
    await _register(served, subjects)
    first, paths = await recorded_reads(served, subjects)
    read = _Pipeline.data_received

    def failing(self: _Pipeline, data: bytes) -> None:
        read(self, data)
        raise RuntimeError("a bug")

    monkeypatch.setattr(_Pipeline, "data_received", failing)
    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        again, _ = await ahead_reads(served, subjects, paths)
    assert again == first
    printed = [r for r in caplog.records if r.name == "asyncio" and r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in printed] == []
