"""Load on the local registry's HTTP server: reads and writes under concurrency, and
what one registration costs as a subject grows.

Starts ``reconcile registry serve`` on 127.0.0.1 (a free port, a temporary
database) and prints:

- for 10 and 50 connections, throughput and p50/p99 latency of reads
  (``GET /subjects/{s}/versions/latest``) and of writes (each connection
  registers new versions of its own subject, BACKWARD compatible, so every
  write is checked against the previous version);
- the cost of one registration in a subject of 100, 2,000 and 10,000 versions
  (the median of sequential writes, the sizes taking turns on three servers),
  as milliseconds and as a ratio to the 100-version figure measured in the
  same run (the floor);
- the mean time of a ``GET /schemas`` page of 1,000 while paging through
  5,000 and 100,000 versions (offset += limit, as clients page), likewise.

The subject is filled in process, through the registry's own ``register``
(the same code the server runs), because filling 10,000 versions over HTTP
would be mostly HTTP. Every loop is bounded by a count; the server is stopped
at the end.

Run: ``.venv/bin/python bench/registry_load.py [--requests 40] [--rounds 5]``
(``--sizes 100,2000,10000`` by default).
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
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

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


@contextmanager
def server(data: Path) -> Iterator[str]:
    reconcile = Path(sys.executable).with_name("reconcile")
    proc = subprocess.Popen(
        [str(reconcile), "registry", "serve", "--port", "0", "--data", str(data)],
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
        yield found.group(0)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run_load(url: str, connections: int, requests: int, write: bool, round_: int) -> None:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def worker(n: int) -> None:
            subject = f"load-{round_}-{n}"
            if not write:
                body = {"schema": schema(0)}
                (await client.post(f"/subjects/{subject}/versions", json=body)).raise_for_status()
            for i in range(requests):
                start = time.perf_counter()
                if write:
                    body = {"schema": schema(i + 1)}
                    response = await client.post(f"/subjects/{subject}/versions", json=body)
                else:
                    response = await client.get(f"/subjects/{subject}/versions/latest")
                response.raise_for_status()
                latencies.append(time.perf_counter() - start)

        start, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker(n) for n in range(connections)))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    kind = "writes" if write else "reads"
    print(
        f"{kind:6} {connections:2} connections: {len(latencies) / elapsed:7.0f}/s  "
        f"p50 {percentile(latencies, 0.5) * 1000:6.1f} ms  "
        f"p99 {percentile(latencies, 0.99) * 1000:6.1f} ms  ({len(latencies)} requests; "
        f"the client used {cpu / elapsed:.0%} of a core)"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="requests per connection")
    parser.add_argument("--sizes", default="100,2000,10000", help="subject sizes for write cost")
    parser.add_argument("--writes", type=int, default=10, help="writes per size and round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of writes per size")
    parser.add_argument("--page", type=int, default=1000, help="GET /schemas page size")
    parser.add_argument("--listing", default="5000,100000", help="versions listed by pages")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "registry.db"
        with server(data) as url:
            for round_, connections in enumerate((10, 50)):
                asyncio.run(run_load(url, connections, args.requests, False, round_))
                asyncio.run(run_load(url, connections, args.requests, True, round_))
        serial: dict[int, int] = {}
        with ExitStack() as stack:
            urls = {}
            for size in sizes:
                path = Path(tmp) / f"grow-{size}.db"
                fill(path, "grow-value", 0, size)
                serial[size] = size
                urls[size] = stack.enter_context(server(path))
            costs = write_costs(urls, serial, args.rounds, args.writes)
        floor = costs[sizes[0]]
        for size in sizes:
            print(
                f"write in a subject of {size:6} versions: {costs[size] * 1000:6.2f} ms "
                f"(x{costs[size] / floor:.2f} of {sizes[0]})"
            )
        listings = [int(n) for n in args.listing.split(",")]
        listing = {}
        for count in listings:
            path = Path(tmp) / f"listing-{count}.db"
            fill_listing(path, count)
            with server(path) as url:
                listing[count] = list_cost(url, args.page)
        page_floor = listing[listings[0]]
        for count in listings:
            print(
                f"GET /schemas page of {args.page} while paging through {count:6} versions: "
                f"{listing[count] * 1000:6.2f} ms (x{listing[count] / page_floor:.2f} of "
                f"{listings[0]})"
            )


if __name__ == "__main__":
    main()
