"""The floor of a plan: the least a client can do to read what ``reconcile plan`` reads.

It builds, serves and exports a registry of N subjects x 5 versions with
``bench/plan_scale.py`` (``prepare``: the same registry, the same exported
project, the same 1 %-changed copy), then times, each in a fresh process
and as wall seconds from the start of the process to its end:

- **floor**: a minimal client (the standard library only: asyncio streams,
  HTTP/1.1 keep-alive on 16 connections, ``json.loads`` of every body) that
  sends exactly the requests the plan needs: global config and mode, the
  paged ``GET /schemas`` listing (pages one after another, as each page's
  length says whether there is another), and the subject settings the
  planner reads first (``engine.planner.managed_subjects``: every listed
  subject's mode, the compatibility of subjects whose spec sets one). The
  list of paths is worked out before the timed process starts, from the
  project, by the planner's own function; the floor process reads it from a
  file;
- **plan**: ``reconcile plan DIR`` on the unchanged export (no changes), then
  on the 1 %-changed copy (one registration each), as a user runs it. The
  parse cache (``.reconcile/cache/``) is removed first: each one's first run
  parses every schema, the next ones are the second plan of an unchanged
  project (which reads ahead what the first plan read: docs/planning.md,
  "The read-ahead"); with ``--without-read-ahead`` each round also runs that
  second plan with ``RECONCILE_READ_AHEAD=0`` (**plan, no ahead**), an A/B in
  the same round;
- **export floor**: what ``reconcile export --history`` must read, by the same
  minimal client: the context list, global config and mode, the paged
  listing, and each listed subject's config and mode (no API reads them in
  bulk), asked for as soon as the page naming the subject has arrived;
- **export --history**: ``reconcile export DIR --url URL --history`` into an
  empty directory (the registry read, and every version written as specs and
  schema files);
- **export floor, writing**: the export floor that also writes each listed
  version's schema text into a file of its own as its page arrives (bare
  ``os.open``/``os.write``/``os.close``, in the same thread): the least an
  export reads and writes, overlapped as simply as a client can. **This is
  export's own floor**, the one issue 17's "export within 2x of its own floor"
  is measured against (decided in session 14: an export's job is its files, as
  a plan's is its reads; docs/performance.md, "Export's own floor"). The ratio
  to the read-only export floor is printed too, as sessions 5-13 measured it.

Requests are counted by the served registry (its ``/metrics``), so the two
counts are comparable: a plan sending more than the floor says so. The
registry's CPU seconds during each run come from the same ``/metrics``
(``process_cpu_seconds_total``): the client's CPU plus the registry's, against
the wall, says how much of the machine a run used, and so how far overlapping
client work with the registry's can take it (on 2 CPUs the floor alone uses
~1.5 CPU-seconds per wall second). Ratios
are against the best run of the matching floor in the same session (the
plans' against the floor's, the export's against the export floor's), and
against the floor run of the same round (the rounds interleave the floor and
the commands, so a burst of load hits both sides of a pair).

Run: ``.venv/bin/python bench/floor.py [--sizes 10000] [--repeat 3] [--workdir DIR]
[--exports-in /dev/shm]``.
``--workdir`` keeps the registry and the exports for the next run (as
plan_scale.py does). ``--large`` runs 100,000 subjects (minutes of build and
export; never in CI).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).parent))

from _bytecode import cache_bytecode

CONNECTIONS = 16  # the registry client's default pool
NO_READ_AHEAD = {"RECONCILE_READ_AHEAD": "0"}  # docs/planning.md, "The read-ahead"
PAGE = 1000  # the client's listing page size
# The registry client's Accept header (checked by ``bench``). The local registry keeps
# GET answers by path, query and Accept: with the same header the floor and the plan
# find the same kept answers. Without it, at 100,000 subjects (whose answers fill the
# registry's read cache) whichever ran first had its answers kept and the other not:
# the registry's CPU for the floor's reads was 11.4-11.8 s, for the plan's 7.3-8.7 s.
ACCEPT = (
    "application/vnd.schemaregistry.v1+json, "
    "application/vnd.schemaregistry+json; q=0.9, application/json; q=0.5"
)


# -- the floor process: standard library only ---------------------------------------


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str
) -> object:
    """One GET on a keep-alive connection; the decoded JSON body."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: {ACCEPT}\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return json.loads(await reader.readexactly(length))


async def _floor(url: str, paths: list[str]) -> tuple[int, float]:
    """Send the listing and ``paths``; the requests sent and the listing's wall seconds."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    queue = deque(paths)
    sent = 0
    started = time.perf_counter()
    listed = 0.0

    async def listing() -> None:
        nonlocal sent, listed
        reader, writer = await asyncio.open_connection(host, port)
        offset = 0
        while True:
            page = await _request(
                reader, writer, parts.netloc, f"/schemas?offset={offset}&limit={PAGE}"
            )
            sent += 1
            if not isinstance(page, list) or len(page) != PAGE:
                break
            offset += PAGE
        listed = time.perf_counter() - started
        writer.close()

    async def worker() -> None:
        nonlocal sent
        reader, writer = await asyncio.open_connection(host, port)
        while queue:
            await _request(reader, writer, parts.netloc, queue.popleft())
            sent += 1
        writer.close()

    await asyncio.gather(listing(), *(worker() for _ in range(CONNECTIONS - 1)))
    return sent, listed


def floor_process(url: str, paths_file: str) -> None:
    paths = Path(paths_file).read_text().split("\n")
    sent, listed = asyncio.run(_floor(url, paths))
    print(json.dumps({"requests": sent, "listing_seconds": round(listed, 2)}))


async def _export_floor(url: str, out: Path | None = None) -> int:
    """What an export reads: contexts, global settings, the listing, each subject's
    config and mode (queued as each page names new subjects). The requests sent.

    ``out``: also write each listed version's schema text into a file of its own there
    as its page arrives (bare os.open/os.write/os.close in the same thread): the least
    an export writes, overlapped with its reads as simply as a client can."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    for path in ("/contexts", "/config", "/mode"):
        queue.put_nowait(path)
    sent = 0
    workers = CONNECTIONS - 1

    async def listing() -> None:
        nonlocal sent
        reader, writer = await asyncio.open_connection(host, port)
        offset, seen = 0, set()
        while True:
            page = await _request(
                reader, writer, parts.netloc, f"/schemas?offset={offset}&limit={PAGE}"
            )
            sent += 1
            assert isinstance(page, list)
            if out is not None:
                for number, item in enumerate(page, offset):
                    handle = os.open(out / str(number), os.O_WRONLY | os.O_CREAT | os.O_EXCL)
                    os.write(handle, item["schema"].encode())
                    os.close(handle)
            for item in page:
                subject = item["subject"]
                if subject not in seen:
                    seen.add(subject)
                    queue.put_nowait(f"/config/{quote(subject, safe='')}")
                    queue.put_nowait(f"/mode/{quote(subject, safe='')}")
            if len(page) != PAGE:
                break
            offset += PAGE
        for _ in range(workers):
            queue.put_nowait(None)
        writer.close()

    async def worker() -> None:
        nonlocal sent
        reader, writer = await asyncio.open_connection(host, port)
        while (path := await queue.get()) is not None:
            await _request(reader, writer, parts.netloc, path)
            sent += 1
        writer.close()

    await asyncio.gather(listing(), *(worker() for _ in range(workers)))
    return sent


def write_floor_process(exported: str) -> None:
    """The least an export's writing costs here: its files' bytes, read first (not
    timed), created again by the bare system calls in a directory beside it."""
    source = Path(exported)
    files = {p.relative_to(source): p.read_bytes() for p in source.rglob("*") if p.is_file()}
    target = source.with_name(source.name + "-written")
    shutil.rmtree(target, ignore_errors=True)
    system = resource.getrusage(resource.RUSAGE_SELF).ru_stime
    started = time.perf_counter()
    for folder in {relative.parent for relative in files}:
        (target / folder).mkdir(parents=True, exist_ok=True)
    for relative, data in files.items():
        handle = os.open(target / relative, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        os.write(handle, data)
        os.close(handle)
    seconds = time.perf_counter() - started
    system = resource.getrusage(resource.RUSAGE_SELF).ru_stime - system
    print(json.dumps({"files": len(files), "seconds": seconds, "system": system}))


def export_floor_process(url: str, out: str | None = None) -> None:
    folder = None if out is None else Path(out)
    if folder is not None:
        folder.mkdir(parents=True)
    print(json.dumps({"requests": asyncio.run(_export_floor(url, folder))}))


# -- the parent: what the floor sends, and the timed runs ----------------------------


def floor_paths(project_dir: Path) -> list[str]:
    """The settings reads a plan of ``project_dir`` sends before any diff (one registry)."""
    from reconciler.engine.planner import managed_subjects, specs_for
    from reconciler.spec import load_project

    project = load_project(project_dir, environ={})
    (registry,) = project.registries
    paths = ["/config", "/mode"]
    for context, settings in managed_subjects(specs_for(project, registry)).items():
        if context != ".":
            raise SystemExit("the floor covers the default context only (as the bench builds)")
        for subject, what in sorted(settings):
            paths.append(
                f"/{'config' if what == 'compatibility' else 'mode'}/{quote(subject, safe='')}"
            )
    return paths


def served_counters(url: str) -> tuple[int, float]:
    """Requests the registry has answered so far, and its process's CPU seconds
    (its ``/metrics``: the request counter and prometheus-client's process collector)."""
    import httpx

    requests, cpu = 0.0, 0.0
    for line in httpx.get(url + "/metrics", timeout=10).text.splitlines():
        if line.startswith("reconciler_http_requests_total{"):
            requests += float(line.rsplit(" ", 1)[1])
        elif line.startswith("process_cpu_seconds_total "):
            cpu = float(line.rsplit(" ", 1)[1])
    return int(requests), cpu


@dataclass
class Run:
    seconds: float  # wall
    cpu: float  # the process's own CPU seconds (user + system), not the registry's
    registry_cpu: float  # the served registry's CPU seconds meanwhile (0.01 s steps)
    requests: int
    output: str


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], url: str, env: dict[str, str] | None = None) -> Run:
    """Wall and CPU seconds of ``command`` in a fresh process (``env``: more environment
    variables), the registry's CPU seconds meanwhile, and the requests it sent."""
    before, registry_cpu = served_counters(url)
    cpu = _children_cpu()
    started = time.perf_counter()
    environ = None if env is None else {**os.environ, **env}
    done = subprocess.run(command, capture_output=True, text=True, env=environ)
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu
    if done.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    after, registry_after = served_counters(url)
    # The first /metrics read is counted by the second.
    return Run(seconds, cpu, registry_after - registry_cpu, after - before - 1, done.stdout)


def bench(
    folder: Path,
    subjects: int,
    versions: int,
    repeat: int,
    with_export: bool,
    with_plan: bool,
    without_read_ahead: bool = False,
    exports_in: Path | None = None,
) -> None:
    """``exports_in``: where the exports and the writing floor write (a folder of
    their own there, removed after), instead of ``folder``."""
    import plan_scale

    from reconciler.registry._client import _ACCEPT

    if _ACCEPT != ACCEPT:
        raise SystemExit("bench/floor.py: ACCEPT is not the registry client's Accept header")
    served = plan_scale.prepare(folder, subjects, versions)
    place = folder if exports_in is None else Path(tempfile.mkdtemp(dir=exports_in))
    try:
        paths_file = folder / "floor-paths.txt"
        paths_file.write_text("\n".join(floor_paths(served.project)))
        floor_cmd = [sys.executable, __file__, "--floor", served.url, str(paths_file)]
        plan = [sys.executable, "-m", "reconciler", "plan"]
        # Each export into a directory of its own, the earlier ones removed after the
        # timed runs: creating files right after deleting 50,000 costs this VM's ext4
        # (mounted with discard) several times more system time.
        exports = [place / f"export-history-{n}" for n in range(repeat)]
        trash = folder / "trash"
        trash.mkdir(exist_ok=True)
        for old in folder.glob("export-history*"):
            old.rename(trash / f"{old.name}-{time.time_ns()}")
        export_floor_cmd = [sys.executable, __file__, "--export-floor", served.url]
        writing_floor_cmd = [*export_floor_cmd, "--writing"]
        export = [sys.executable, "-m", "reconciler", "export"]
        export_args = ["--url", served.url, "--history"]
        runs: dict[str, list[Run]] = {}
        written: list[dict[str, float]] = []
        if with_plan:
            runs |= {"floor": [], "plan": [], "plan 1%": []}
            if without_read_ahead:
                runs |= {"plan, no ahead": []}
        if with_export:
            runs |= {"export floor": [], "export --history": [], "export floor, writing": []}
        for project in (served.project, served.changed):  # the first plans parse everything
            shutil.rmtree(project / ".reconcile" / "cache", ignore_errors=True)
        for n in range(repeat):  # interleaved, so that a burst of load hits all of them
            if with_plan:
                runs["floor"].append(timed(floor_cmd, served.url))
                runs["plan"].append(timed([*plan, str(served.project)], served.url))
                if without_read_ahead:  # the same second plan, in the same round
                    runs["plan, no ahead"].append(
                        timed([*plan, str(served.project)], served.url, NO_READ_AHEAD)
                    )
                runs["plan 1%"].append(timed([*plan, str(served.changed)], served.url))
            if with_export:
                runs["export floor"].append(timed(export_floor_cmd, served.url))
                runs["export --history"].append(
                    timed([*export, str(exports[n]), *export_args], served.url)
                )
                runs["export floor, writing"].append(
                    timed([*writing_floor_cmd, str(exports[n]) + "-floor"], served.url)
                )
                files = subprocess.run(
                    [sys.executable, __file__, "--write-floor", str(exports[n])],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                written.append(json.loads(files.stdout))
    finally:
        served.stop()
        shutil.rmtree(trash, ignore_errors=True)
        if exports_in is not None:
            shutil.rmtree(place, ignore_errors=True)
    floors = {label: min(run.seconds for run in runs[label]) for label in runs if "floor" in label}
    print(f"{subjects} subjects x {versions} versions {served.header}", flush=True)
    for label, results in runs.items():
        if "floor" in label and label != "floor":
            floor = label  # the export floors against themselves
        else:
            floor = "export floor" if label.startswith("export") else "floor"
        seconds = ", ".join(f"{run.seconds:.2f}" for run in results)
        ratios = ", ".join(f"{run.seconds / floors[floor]:.2f}x" for run in results)
        # Each run against its own round's floor (run just before it): the floor's walls
        # vary by up to 1.7x between rounds on an idle 2-CPU VM, so a ratio to the best
        # floor mixes the machine's drift into the figure.
        paired = ", ".join(
            f"{run.seconds / beside.seconds:.2f}x"
            for run, beside in zip(results, runs[floor], strict=True)
        )
        cpu = ", ".join(f"{run.cpu:.2f}" for run in results)
        registry_cpu = ", ".join(f"{run.registry_cpu:.2f}" for run in results)
        requests = sorted({run.requests for run in results})
        print(
            f"  {label:<16} {requests} requests, wall {seconds} s ({ratios} the {floor}; "
            f"{paired} the round's), "
            f"client CPU {cpu} s, registry CPU {registry_cpu} s",
            flush=True,
        )
    if with_export:
        writing = runs["export floor, writing"]
        print(
            "  export --history against its own floor (the export floor that also writes "
            "each version's file as its page arrives; the target: within 2x): "
            + ", ".join(
                f"{run.seconds / floors['export floor, writing']:.2f}x the best, "
                f"{run.seconds / beside.seconds:.2f}x the round's"
                for run, beside in zip(runs["export --history"], writing, strict=True)
            )
        )
    for files in written:
        print(
            f"  the export's {files['files']:.0f} files written again (bare os.open/os.write, "
            f"a new directory): wall {files['seconds']:.2f} s, system CPU {files['system']:.2f} s"
        )
    if with_plan:
        listings = [json.loads(run.output)["listing_seconds"] for run in runs["floor"]]
        print(f"  paged listing of {subjects * versions} versions (in the floor): {listings} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, help="Keep the registry and the exports here.")
    parser.add_argument("--large", action="store_true", help="100,000 subjects (slow).")
    parser.add_argument(
        "--exports-in",
        type=Path,
        metavar="DIR",
        help="Write the exports and the writing floor's files under DIR (e.g. /dev/shm: "
        "the file system's cost least, as docs/performance.md measures), not the workdir.",
    )
    parser.add_argument(
        "--no-export", action="store_true", help="Leave out the export and its floor."
    )
    parser.add_argument(
        "--export-only", action="store_true", help="Leave out the plans and their floor."
    )
    parser.add_argument(
        "--without-read-ahead",
        action="store_true",
        help="Also run each round's second plan with RECONCILE_READ_AHEAD=0 (an A/B).",
    )
    parser.add_argument("--floor", nargs=2, metavar=("URL", "PATHS"), help=argparse.SUPPRESS)
    parser.add_argument("--export-floor", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--writing", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--write-floor", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        floor_process(*args.floor)
        return
    if args.write_floor:
        write_floor_process(args.write_floor)
        return
    if args.export_floor:
        export_floor_process(args.export_floor, args.writing)
        return
    cache_bytecode()  # after the timed children's branches: not their cost
    sizes = [100_000] if args.large else args.sizes
    phases = (not args.no_export, not args.export_only, args.without_read_ahead)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    for size in sizes:
        if args.workdir is None:
            with tempfile.TemporaryDirectory() as tmp:
                bench(Path(tmp), size, args.versions, args.repeat, *phases, args.exports_in)
        else:
            folder = args.workdir / f"{size}x{args.versions}"
            folder.mkdir(parents=True, exist_ok=True)
            bench(folder, size, args.versions, args.repeat, *phases, args.exports_in)


if __name__ == "__main__":
    main()
