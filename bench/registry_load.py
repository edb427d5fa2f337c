"""Load on the local registry's HTTP server: reads and writes under concurrency, and
what one registration costs as a subject grows.

Starts ``reconcile registry serve`` on 127.0.0.1 (a free port, a temporary
database) and prints:

- for 10 and 50 connections, throughput and p50/p99 latency of reads
  (``GET /subjects/{s}/versions/latest``) and of writes (each connection
  registers new versions of its own subject, BACKWARD compatible, so every
  write is checked against the previous version), with the client's CPU
  share (a client near a whole core measures itself, and says so), the
  server's CPU and its wait for a CPU per request (Linux), the ratio of 50-
  to 10-connection throughput, and connections x server CPU per request,
  about the mean latency once the server is saturated;
- the cost of one registration in a subject of 100, 2,000 and 10,000 versions
  (the median of sequential writes, the sizes taking turns on three servers),
  as milliseconds and as a ratio to the 100-version figure measured in the
  same run (the floor);
- the mean time of a ``GET /schemas`` page of 1,000 while paging through
  5,000 and 100,000 versions (offset += limit, as clients page), likewise;
- the server's CPU per read of each kind a plan sends (``GET /mode/{s}``
  answering 404 and 200, ``GET /config/{s}``, a ``GET /schemas`` page of
  1,000 versions) at 16 connections, as a plan's client keeps, computed (a
  fresh server) and kept (the same requests again), each as a ratio to the
  floor: the same uvicorn stack (the registry's server, its protocol and
  loop) answering a fixed body from a bare ASGI app, measured in the same run.

The subject is filled in process, through the registry's own ``register``
(the same code the server runs), because filling 10,000 versions over HTTP
would be mostly HTTP. Every loop is bounded by a count; the server is stopped
at the end.

Run: ``.venv/bin/python bench/registry_load.py [--requests 40] [--rounds 5]``
(``--sizes 100,2000,10000`` by default; ``--parts reads`` for the reads by kind
alone, about 20 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any, NamedTuple

import httpx
from _bytecode import cache_bytecode

from reconciler.localregistry import _store as store
from reconciler.localregistry._contexts import Subject, parse_subject
from reconciler.localregistry._registry import Registry
from reconciler.localregistry._requests import SchemaRequest
from reconciler.localregistry._store import Store


def schema(serial: int) -> str:
    """Version ``serial`` of a record: only a default changes, so each is BACKWARD compatible."""
    fields = [
        {"name": "id", "type": "long"},
        {"name": "name", "type": "string", "default": f"v{serial}"},
        {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []},
    ]
    return json.dumps({"type": "record", "name": "Event", "namespace": "bench", "fields": fields})


class Served(NamedTuple):
    url: str
    pid: int


STATS_PATH = "/__bench/stats"


class _Timings:
    """What the instrumented server adds up; read (and reset) at ``STATS_PATH``."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.in_app = 0.0  # from the request reaching the app to its answer sent
        self.writes = 0
        self.queued = 0.0  # waiting for the write lock
        self.held = 0.0  # holding it (the write transaction, its parsing and checks)

    def json(self) -> bytes:
        return json.dumps(vars(self)).encode()


def serve_instrumented(argv: list[str]) -> None:
    """``reconcile ARGV`` (``registry serve ...``: the same app, wrapped the same way), with
    the write lock and the app timed from inside, for the load part of the bench.

    Runs in the server's process (``registry_load.py --serve registry serve ...``). The client
    sees a request's whole latency; this splits the server's part into the
    queue for the write lock and the time holding it, which says whether the
    lock is the bottleneck (held nearly all the time) and what one write costs
    the server in wall time under the load.
    """
    import reconciler.localregistry as localregistry
    from reconciler.cli import main as cli
    from reconciler.localregistry import _store as store_module

    timings = _Timings()

    class TimedLock:
        """The store's write lock, timed: waiting for it, and holding it."""

        def __init__(self) -> None:
            self.lock = threading.Lock()
            self.taken = 0.0

        def acquire(self, blocking: bool = True) -> bool:
            asked = time.perf_counter()
            if not self.lock.acquire(blocking):
                return False
            self.taken = time.perf_counter()
            timings.queued += self.taken - asked  # one holder at a time: no race
            return True

        def release(self) -> None:
            timings.held += time.perf_counter() - self.taken
            timings.writes += 1
            self.lock.release()

    plain_init = store_module.Store.__init__

    def timed_init(self: store_module.Store, *args: Any, **kwargs: Any) -> None:
        plain_init(self, *args, **kwargs)
        self._write_lock = TimedLock()  # type: ignore[assignment]

    async def answer(send: Callable[[dict], Awaitable[None]], body: bytes) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def timed(app: Callable) -> Callable:
        async def timed_app(scope: dict, receive: Callable, send: Callable) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
            elif scope["path"] == STATS_PATH:
                await answer(send, timings.json())
                timings.reset()
            else:
                start = time.perf_counter()
                await app(scope, receive, send)
                timings.in_app += time.perf_counter() - start
                timings.requests += 1

        return timed_app

    plain_serve = localregistry.serve

    def serve(*args: object, wrap: Callable | None = None, **kwargs: object) -> None:
        plain_serve(*args, wrap=lambda app: timed(wrap(app) if wrap else app), **kwargs)

    store_module.Store.__init__ = timed_init  # type: ignore[method-assign]
    localregistry.serve = serve  # type: ignore[assignment]
    cli(argv)


FLOOR_BODY = b'{"error_code":40409,"message":"the floor: a fixed answer"}'


def serve_floor(data: str) -> None:
    """The floor of a read: the registry's own server (``localregistry.serve``: uvicorn,
    its HTTP protocol and event loop, one socket write a response) around a bare ASGI
    app that answers every request with a fixed body, as a registry answers a small
    read (status, content type, length). Runs in its own process (``--serve-floor``)."""
    from reconciler.localregistry import serve

    headers = [
        (b"content-type", b"application/vnd.schemaregistry.v1+json"),
        (b"content-length", b"%d" % len(FLOOR_BODY)),
    ]

    async def fixed(scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http":
            await receive()
            await send({"type": "http.response.start", "status": 404, "headers": headers})
            await send({"type": "http.response.body", "body": FLOOR_BODY})

    def ready(url: str) -> None:
        print(f"floor listening on {url}", flush=True)

    serve(data, port=0, on_ready=ready, wrap=lambda app: fixed)


@contextmanager
def server(data: Path, *, instrumented: bool = False, floor: bool = False) -> Iterator[Served]:
    reconcile = Path(sys.executable).with_name("reconcile")
    command = [sys.executable, __file__, "--serve"] if instrumented else [str(reconcile)]
    arguments = ["registry", "serve", "--port", "0", "--data", str(data)]
    if floor:
        command, arguments = [sys.executable, __file__, "--serve-floor"], [str(data)]
    proc = subprocess.Popen(
        [*command, *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"http://[0-9.:]+", line)
        if found is None:
            raise RuntimeError(f"the registry did not start: {line!r}")
        yield Served(found.group(0), proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


class Usage(NamedTuple):
    """A process's CPU time so far, and its time spent runnable but waiting for a CPU."""

    cpu: float
    waiting: float

    def __sub__(self, other: tuple) -> Usage:  # type: ignore[override]
        return Usage(self.cpu - other[0], self.waiting - other[1])


def usage(pid: int) -> Usage | None:
    """Summed over the process's threads from Linux's ``/proc/PID/task/*/schedstat``
    (nanoseconds on a CPU, waiting on a run queue); None where there is none.

    The waiting time tells a server starved by the machine's other work from a
    server that is slow by itself: on a loaded machine it is most of the latency.
    """
    cpu = waiting = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            with suppress(OSError):  # a thread that ended meanwhile
                on_cpu, queued, _ = (task / "schedstat").read_text().split()
                cpu += int(on_cpu)
                waiting += int(queued)
    except OSError:
        return None
    return Usage(cpu / 1e9, waiting / 1e9)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Connection:
    """One keep-alive HTTP/1.1 connection, requests written and answers read by hand.

    The load client must cost far less than the server it measures: httpx's
    pool spent a whole core at 50 connections (its bookkeeping grows with the
    number of connections) and so capped the figures at its own speed, about
    a third of what the server answers with this client.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str) -> Connection:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        return cls(*await asyncio.open_connection(host, int(port)))

    async def call(self, method: str, path: str, body: bytes = b"", status: int = 200) -> bytes:
        """The answer's body; raises unless the status is ``status``."""
        head = (
            f"{method} {path} HTTP/1.1\r\nhost: registry\r\n"
            f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        headers = await self.reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", headers)
        if length is None:
            raise RuntimeError(f"no content-length in {headers!r}")
        answer = await self.reader.readexactly(int(length.group(1)))
        if not headers.startswith(b"HTTP/1.1 %d " % status):
            raise RuntimeError(f"{method} {path}: {headers.splitlines()[0]!r} {answer!r}")
        return answer

    def close(self) -> None:
        self.writer.close()


class Load(NamedTuple):
    kind: str
    connections: int
    latencies: list[float]
    elapsed: float
    client_cpu: float
    server: Usage | None
    timings: dict[str, float] | None  # from an instrumented server (``_Timings``)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed

    def line(self) -> str:
        server = ""
        if self.server is not None:
            server = (
                f", server {self.server.cpu / self.elapsed:.0%} of a core, "
                f"{self.server.cpu / len(self.latencies) * 1e6:.0f} us CPU and "
                f"{self.server.waiting / len(self.latencies) * 1e6:.0f} us waiting for a CPU "
                "a request"
            )
        inside = ""
        if self.timings and self.timings["requests"]:
            t = self.timings
            inside = (
                f"\n       in the server: {t['in_app'] / t['requests'] * 1000:.1f} ms a request"
            )
            if t["writes"]:
                inside += (
                    f"; a write queued {t['queued'] / t['writes'] * 1000:.1f} ms for the "
                    f"write lock and held it {t['held'] / t['writes'] * 1000:.2f} ms "
                    f"(held {t['held'] / self.elapsed:.0%} of the run)"
                )
        return (
            f"{self.kind:6} {self.connections:2} connections: {self.throughput:7.0f}/s  "
            f"p50 {percentile(self.latencies, 0.5) * 1000:6.1f} ms  "
            f"p99 {percentile(self.latencies, 0.99) * 1000:6.1f} ms  "
            f"({len(self.latencies)} requests; client {self.client_cpu / self.elapsed:.0%} "
            f"of a core{server}){inside}"
        )


async def stats(served: Served) -> bytes:
    """The instrumented server's timings (reset by reading them), on a connection of its
    own: uvicorn closes a connection idle for 5 s, as one kept open across a slow run."""
    connection = await Connection.open(served.url)
    try:
        return await connection.call("GET", STATS_PATH)
    finally:
        connection.close()


async def run_load(
    served: Served, connections: int, requests: int, write: bool, round_: int
) -> Load:
    latencies: list[float] = []
    # bodies are built before the clock starts: the client's work is the requests
    bodies = [json.dumps({"schema": schema(i)}).encode() for i in range(requests + 1)]

    async def worker(n: int) -> None:
        path = f"/subjects/load-{round_}-{n}/versions"
        connection = await Connection.open(served.url)
        try:
            if not write:
                await connection.call("POST", path, bodies[0])
            await ready.wait()
            for i in range(1, requests + 1):
                start = time.perf_counter()
                if write:
                    await connection.call("POST", path, bodies[i])
                else:
                    await connection.call("GET", f"{path}/latest")
                latencies.append(time.perf_counter() - start)
        finally:
            connection.close()

    ready = asyncio.Event()
    tasks = [asyncio.create_task(worker(n)) for n in range(connections)]
    await asyncio.sleep(0.2)  # connections open (and read subjects exist) before the clock
    await stats(served)  # resets the server's timings
    before = usage(served.pid)
    start, cpu = time.perf_counter(), time.process_time()
    ready.set()
    await asyncio.gather(*tasks)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    after = usage(served.pid)
    timings = json.loads(await stats(served))
    spent = None if before is None or after is None else after - before
    kind = "writes" if write else "reads"
    return Load(kind, connections, latencies, elapsed, cpu, spent, timings)


def report_loads(loads: list[Load]) -> None:
    """The 50-to-10 throughput ratios, and what bounds the latency of closed-loop clients.

    Each connection sends its next request when the last one is answered, so
    with the server saturated a request waits for one request of every other
    connection: its mean latency is about connections x the server's CPU per
    request (one Python process runs its Python one request at a time; only
    SQLite's own work overlaps).
    """
    by_kind: dict[str, dict[int, Load]] = {}
    for load in loads:
        by_kind.setdefault(load.kind, {})[load.connections] = load
    for kind, found in by_kind.items():
        low, high = found[min(found)], found[max(found)]
        print(
            f"{kind:6} throughput at {high.connections} / at {low.connections} connections: "
            f"x{high.throughput / low.throughput:.2f}"
        )
    for load in loads:
        if load.client_cpu / load.elapsed > 0.8:
            print(
                f"the client used {load.client_cpu / load.elapsed:.0%} of a core for "
                f"{load.kind} at {load.connections}: it, not the server, may bound those figures"
            )
        if load.server is not None and load.connections == max(found):
            per_request = load.server.cpu / len(load.latencies)
            print(
                f"{load.kind:6} at {load.connections}: {load.connections} x "
                f"{per_request * 1e6:.0f} us of server CPU = "
                f"{load.connections * per_request * 1000:.1f} ms, about the mean latency "
                f"once the server is saturated (measured mean "
                f"{statistics.mean(load.latencies) * 1000:.1f} ms)"
            )


def fill(data: Path, subject: str, start: int, stop: int) -> None:
    """Versions ``start``..``stop - 1`` of ``subject``, through the registry's own code."""
    registry = Registry(Store(data))
    target = parse_subject(subject)
    for serial in range(start, stop):
        registry.register(target, SchemaRequest(schema=schema(serial)), normalize=False)


def write_costs(urls: dict[int, str], serial: dict[int, int], rounds: int, count: int) -> dict:
    """Per size, the median time of sequential registrations of new versions, in seconds.

    The sizes take turns, ``count`` writes each per round, so that whatever
    else the machine is doing weighs on every size alike.
    """
    times: dict[int, list[float]] = {size: [] for size in urls}
    clients = {size: httpx.Client(base_url=url, timeout=60) for size, url in urls.items()}
    try:
        for _ in range(rounds):
            for size, client in clients.items():
                for _ in range(count):
                    body = {"schema": schema(serial[size])}
                    serial[size] += 1
                    start = time.perf_counter()
                    client.post("/subjects/grow-value/versions", json=body).raise_for_status()
                    times[size].append(time.perf_counter() - start)
    finally:
        for client in clients.values():
            client.close()
    return {size: statistics.median(found) for size, found in times.items()}


def fill_listing(data: Path, count: int) -> None:
    """``count`` versions over 100 subjects, written straight through the store's functions
    (registering 100,000 schemas would take minutes and measure nothing here)."""
    db = Store(data)
    with db.write() as conn:
        for n in range(1, count + 1):
            store.insert_schema(conn, ".", n, "AVRO", schema(n), [], f"bench-{n}", None, None)
            store.insert_version(conn, Subject(".", f"s{n % 100}"), n // 100 + 1, n)


def list_cost(url: str, page: int) -> float:
    """The mean time of a page while paging through the whole ``GET /schemas`` listing
    with offset += limit, as clients do."""
    times = []
    with httpx.Client(base_url=url, timeout=60) as client:
        offset = 0
        while True:
            start = time.perf_counter()
            response = client.get("/schemas", params={"offset": offset, "limit": page})
            response.raise_for_status()
            times.append(time.perf_counter() - start)
            if len(response.json()) < page:
                return statistics.mean(times)
            offset += page


CONNECTIONS = 16  # the registry client's pool, as bench/floor.py


def fill_settings(data: Path, subjects: int, versions: int) -> None:
    """``subjects`` x ``versions`` (one schema each, as ``fill_listing``), a config on
    every fifth subject and a mode on every tenth, written through the store."""
    db = Store(data)
    with db.write() as conn:
        for n in range(subjects):
            subject = Subject(".", f"s{n}-value")
            for version in range(1, versions + 1):
                schema_id = n * versions + version
                text, identity = schema(schema_id), f"r{schema_id}"
                store.insert_schema(conn, ".", schema_id, "AVRO", text, [], identity, None, None)
                store.insert_version(conn, subject, version, schema_id)
            if n % 5 == 0:
                store.set_config(conn, subject, {"compatibilityLevel": "FULL"})
            if n % 10 == 0:
                store.set_mode(conn, subject, "READWRITE")


def read_paths(subjects: int, versions: int, requests: int, page: int) -> dict[str, list[str]]:
    """The paths of each kind of read, ``requests`` of each small kind; the listing is
    paged through (offset += limit) as many times as makes about ``requests / 100`` pages."""
    pages = [f"/schemas?offset={o}&limit={page}" for o in range(0, subjects * versions, page)]
    return {
        "floor (fixed answer)": [f"/mode/s{n % subjects}-value" for n in range(requests)],
        "GET /mode/{s}, 404": [
            f"/mode/s{n % subjects}-value" for n in range(requests * 2) if n % 10
        ][:requests],
        "GET /mode/{s}, 200": [f"/mode/s{n * 10 % subjects}-value" for n in range(requests)],
        "GET /config/{s}": [f"/config/s{n * 5 % subjects}-value" for n in range(requests)],
        f"GET /schemas page of {page}": pages * max(1, requests // 100 // len(pages)),
    }


async def read_cost(served: Served, paths: list[str], status: int) -> float:
    """The server's CPU per request over ``CONNECTIONS`` keep-alive connections taking
    ``paths`` in turn; as wall time where the OS has no per-thread CPU figure."""
    pending = list(reversed(paths))
    connections = [await Connection.open(served.url) for _ in range(CONNECTIONS)]

    async def worker(connection: Connection) -> None:
        while pending:
            path = pending.pop()
            await connection.call("GET", path, status=200 if "/schemas" in path else status)

    try:
        before, start = usage(served.pid), time.perf_counter()
        await asyncio.gather(*(worker(c) for c in connections))
        elapsed, after = time.perf_counter() - start, usage(served.pid)
    finally:
        for connection in connections:
            connection.close()
    spent = elapsed if before is None or after is None else (after - before).cpu
    return spent / len(paths)


def report_reads(tmp: Path, requests: int, page: int) -> None:
    """Each kind of read's server CPU against the floor's: the first round on a fresh
    server, every answer computed; then the best of two more, where the server answers
    what it kept (``localregistry/_read_cache.py``: small answers, while the file is
    unchanged)."""
    subjects, versions = 2000, 5
    data = tmp / "reads.db"
    fill_settings(data, subjects, versions)
    kinds = read_paths(subjects, versions, requests, page)
    rounds: dict[str, list[float]] = {kind: [] for kind in kinds}
    with server(data) as served, server(tmp / "floor.db", floor=True) as floor:
        for _ in range(3):  # rounds, so that a burst of load hits every kind alike
            for kind, paths in kinds.items():
                target = floor if kind.startswith("floor") else served
                status = 200 if kind.endswith(("200", "}")) else 404
                rounds[kind].append(asyncio.run(read_cost(target, paths, status)))
    base = min(rounds["floor (fixed answer)"])
    print(
        f"reads at {CONNECTIONS} connections, {subjects} subjects x {versions} versions, "
        "server CPU a request (x the floor): computed, then kept"
    )
    for kind, costs in rounds.items():
        first, kept = (base, base) if kind.startswith("floor") else (costs[0], min(costs[1:]))
        print(
            f"read {kind:26} {first * 1e6:8.0f} us (x{first / base:.2f}), "
            f"kept {kept * 1e6:8.0f} us (x{kept / base:.2f})"
        )


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve_instrumented(sys.argv[2:])
        return
    if sys.argv[1:2] == ["--serve-floor"]:
        serve_floor(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="requests per connection")
    parser.add_argument("--sizes", default="100,2000,10000", help="subject sizes for write cost")
    parser.add_argument("--writes", type=int, default=10, help="writes per size and round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of writes per size")
    parser.add_argument("--page", type=int, default=1000, help="GET /schemas page size")
    parser.add_argument("--listing", default="5000,100000", help="versions listed by pages")
    parser.add_argument("--reads", type=int, default=4000, help="requests per kind of read")
    parser.add_argument(
        "--parts",
        default="reads,load,writes,listing",
        help="which parts to run: reads (by kind), load, writes (by subject size), listing",
    )
    args = parser.parse_args()
    cache_bytecode()
    sizes = [int(s) for s in args.sizes.split(",")]
    parts = set(args.parts.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        if "reads" in parts:
            report_reads(Path(tmp), args.reads, args.page)
        data = Path(tmp) / "registry.db"
        if "load" in parts:
            run_loads(data, args.requests)
        if "writes" in parts:
            report_writes(Path(tmp), sizes, args.rounds, args.writes)
        if "listing" in parts:
            report_listing(Path(tmp), args.listing, args.page)


def run_loads(data: Path, requests: int) -> None:
    """Reads and writes at 10 and 50 connections on an instrumented server."""
    with server(data, instrumented=True) as served:
        loads = []
        for round_, connections in enumerate((10, 50)):
            for write in (False, True):
                load = asyncio.run(run_load(served, connections, requests, write, round_))
                print(load.line())
                loads.append(load)
    report_loads(loads)


def report_writes(tmp: Path, sizes: list[int], rounds: int, writes: int) -> None:
    """One registration's cost by subject size, against the smallest size's."""
    serial: dict[int, int] = {}
    with ExitStack() as stack:
        urls = {}
        for size in sizes:
            path = tmp / f"grow-{size}.db"
            fill(path, "grow-value", 0, size)
            serial[size] = size
            urls[size] = stack.enter_context(server(path)).url
        costs = write_costs(urls, serial, rounds, writes)
    floor = costs[sizes[0]]
    for size in sizes:
        print(
            f"write in a subject of {size:6} versions: {costs[size] * 1000:6.2f} ms "
            f"(x{costs[size] / floor:.2f} of {sizes[0]})"
        )


def report_listing(tmp: Path, counts: str, page: int) -> None:
    """A page's mean time while paging through each count of versions, against the first."""
    listings = [int(n) for n in counts.split(",")]
    listing = {}
    for count in listings:
        path = tmp / f"listing-{count}.db"
        fill_listing(path, count)
        with server(path) as served:
            listing[count] = list_cost(served.url, page)
    page_floor = listing[listings[0]]
    for count in listings:
        print(
            f"GET /schemas page of {page} while paging through {count:6} versions: "
            f"{listing[count] * 1000:6.2f} ms (x{listing[count] / page_floor:.2f} of "
            f"{listings[0]})"
        )


if __name__ == "__main__":
    main()
