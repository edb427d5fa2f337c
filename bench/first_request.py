"""Before the first request and after the last answer: a second plan against the floor.

``bench/floor.py``'s registry and project (built, or reused from ``--workdir``,
served by another process) are reached through a relay in this process, which
notes when the first byte of a request arrives from the client and when the
last byte of an answer has been passed on to it. Each run is a fresh process,
timed from its start, rounds alternated:

- **floor**: ``bench/floor.py``'s minimal client (the standard library, the
  requests a plan needs): its start (the interpreter, asyncio, its list of
  paths) is the least a client does before it can send;
- **plan**: ``reconcile plan DIR``, the second plan of the unchanged project
  (one plan before the rounds, untimed, warms its cache).

Printed for each, median and best: the wall seconds from the process's start
to its first request (and the ratio of the medians to the floor's), from the
last answer to the process's end, and the process's CPU seconds. The relay
slows the middle of a run (every byte passes through it), not its two ends.
A plan's CPU before its first request is measured inside it (docs/performance.md,
"Session 10: before the first request"); this bench needs no change to it.

Run: ``.venv/bin/python bench/first_request.py [--workdir DIR] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _bytecode import cache_bytecode

BENCH = Path(__file__).resolve().parent


class Relay:
    """A TCP relay to ``127.0.0.1:upstream`` on a port of its own, in a thread."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.first: float | None = None  # monotonic: a request's first byte arrived
        self.last: float | None = None  # monotonic: an answer's last byte passed on
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        self.port = 0

        async def serve() -> None:
            server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
            self.port = server.sockets[0].getsockname()[1]
            started.set()
            async with server:
                await server.serve_forever()

        threading.Thread(target=self._loop.run_until_complete, args=(serve(),), daemon=True).start()
        started.wait(10)

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bool
    ) -> None:
        try:
            while data := await reader.read(1 << 16):
                if request and self.first is None:
                    self.first = time.monotonic()
                writer.write(data)
                await writer.drain()
                if not request:
                    self.last = time.monotonic()
        except OSError:
            pass
        finally:
            writer.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        await asyncio.gather(
            self._pipe(reader, upstream_writer, True), self._pipe(upstream_reader, writer, False)
        )


def timed(command: list[str], relay: Relay) -> tuple[float, float, float]:
    """Seconds to the first request, from the last answer to the end, and CPU seconds."""
    relay.first = relay.last = None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    ended = time.monotonic()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    assert relay.first is not None and relay.last is not None, "no request went through"
    return relay.first - started, ended - relay.last, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, help="Keep the registry and the export here.")
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    cache_bytecode()
    sys.path.insert(0, str(BENCH))
    import floor
    import plan_scale

    with tempfile.TemporaryDirectory() as tmp:
        base = args.workdir or Path(tmp)
        folder = base / f"{args.subjects}x{args.versions}"
        folder.mkdir(parents=True, exist_ok=True)
        served = plan_scale.prepare(folder, args.subjects, args.versions)
        try:
            relay = Relay(int(served.url.rsplit(":", 1)[1]))
            url = f"http://127.0.0.1:{relay.port}"
            project_file = served.project / "reconcile.yaml"
            project_file.write_text(project_file.read_text().replace(served.url, url))
            paths = folder / "first-request-paths.txt"
            paths.write_text("\n".join(floor.floor_paths(served.project)))
            commands = {
                "floor": [sys.executable, str(BENCH / "floor.py"), "--floor", url, str(paths)],
                "plan": [sys.executable, "-m", "reconciler", "plan", str(served.project)],
            }
            timed(commands["plan"], relay)  # the second plans' cache
            runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
            print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
            for n in range(args.rounds):
                for name in commands if n % 2 == 0 else reversed(commands):
                    runs[name].append(timed(commands[name], relay))
        finally:
            served.stop()
    floor_first = statistics.median(run[0] for run in runs["floor"])
    print(f"{args.subjects} subjects x {args.versions} versions, {args.rounds} rounds")
    for name, results in runs.items():
        first, tail, cpu = (sorted(column) for column in zip(*results, strict=True))
        print(
            f"  {name:<6} first request {statistics.median(first):.3f} s (best {first[0]:.3f}, "
            f"{statistics.median(first) / floor_first:.2f}x the floor's), "
            f"last answer to end {statistics.median(tail):.3f} s (best {tail[0]:.3f}), "
            f"CPU {statistics.median(cpu):.2f} s"
        )


if __name__ == "__main__":
    main()
