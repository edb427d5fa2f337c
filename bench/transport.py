"""Does a well-kept HTTP transport now hold the speed of the client's own?

The registry client (reconciler/registry/_client.py) sends every request to an
``httpx.AsyncBaseTransport``; by default its own HTTP/1.1 keep-alive transport
(reconciler/registry/_transport.py). This script plans one project against one
served local registry with each candidate transport in turn, in the same
process and the same run, and prints each one's time as a ratio to the
hand-written transport's:

- ``hand-written``: ``Http11Transport`` (httptools' parser under an asyncio protocol);
- ``httpx``: ``httpx.AsyncHTTPTransport`` (httpcore's pool), 16 connections;
- ``httpx-aiohttp``: ``httpx_aiohttp.AiohttpTransport`` (aiohttp's connector),
  16 connections; left out when the package is not installed
  (``pip install httpx-aiohttp``).

Two measures per transport, each the median of ``--rounds`` (the transports
take turns, so load drifts hit all alike):

- ``snapshot``: what ``reconcile plan`` reads (``engine.snapshot``: paged
  ``GET /schemas`` plus one config read per subject the specs give a level);
- ``plan``: ``make_plan`` whole (spec loading included, which no transport
  changes), as ``reconcile plan`` runs it after start-up.

CPU seconds of this process are printed beside wall seconds: the registry
serves from another process, so the client's share is the CPU figure.

The registry (``--subjects`` x ``--versions``, every fifth subject with its own
compatibility) is built and exported with bench/plan_scale.py's functions and
served by ``reconcile registry serve``, stopped at the end.

Run: ``.venv/bin/python bench/transport.py [--subjects 2000] [--versions 5] [--rounds 5]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

from plan_scale import _export, build, serve

from reconciler.engine import make_plan, open_clients
from reconciler.engine.snapshot import snapshot
from reconciler.registry._transport import Http11Transport
from reconciler.spec import load_project
from reconciler.spec.model import Project, RegistryConfig

CONNECTIONS = 16  # the client's max_concurrency: at most this many requests at once
Factory = Callable[[RegistryConfig], httpx.AsyncBaseTransport]


def transports() -> dict[str, Factory]:
    found: dict[str, Factory] = {
        "hand-written": lambda _: Http11Transport(None, max_idle=CONNECTIONS),
        "httpx": lambda _: httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS),
        ),
    }
    try:
        from httpx_aiohttp import AiohttpTransport
    except ImportError:
        print("httpx-aiohttp: not installed, left out", file=sys.stderr)
    else:
        found["httpx-aiohttp"] = lambda _: AiohttpTransport(
            limits=httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS),
        )
    return found


def _settings(project: Project) -> dict[str, list[tuple[str, str]]]:
    """What the planner reads per context: each subject's level the specs set."""
    managed: dict[str, list[tuple[str, str]]] = {}
    for spec in project.specs:
        managed.setdefault(spec.context, []).extend(
            (name, "compatibility") for name, s in spec.subjects.items() if s.compatibility
        )
    return managed


async def _snapshot(project: Project, factory: Factory) -> tuple[float, float, int]:
    async with open_clients(project, ["bench"], factory) as clients:
        wall, cpu = time.perf_counter(), time.process_time()
        await snapshot(clients["bench"], "bench", _settings(project))
        return (
            time.perf_counter() - wall,
            time.process_time() - cpu,
            clients["bench"].requests_made,
        )


async def _plan(project_dir: Path, factory: Factory) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    project = load_project(project_dir)
    async with open_clients(project, ["bench"], factory) as clients:
        plan = await make_plan(project, clients)
        assert not plan.errors and not plan.actions, "the exported project should match"
        requests = clients["bench"].requests_made
    return time.perf_counter() - wall, time.process_time() - cpu, requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=2000)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    candidates = transports()
    with tempfile.TemporaryDirectory(prefix="bench-transport-") as tmp:
        work = Path(tmp)
        stored = build(work / "registry.db", args.subjects, args.versions)
        process, url = serve(work / "registry.db")
        try:
            project_dir = work / "project"
            asyncio.run(_export(url, project_dir))
            project = load_project(project_dir)
            results: dict[str, dict[str, list[tuple[float, float, int]]]] = {
                name: {"snapshot": [], "plan": []} for name in candidates
            }
            for _ in range(args.rounds):
                for name, factory in candidates.items():
                    results[name]["snapshot"].append(asyncio.run(_snapshot(project, factory)))
                    results[name]["plan"].append(asyncio.run(_plan(project_dir, factory)))
        finally:
            process.terminate()
            process.wait(timeout=10)

    print(
        f"{args.subjects} subjects x {args.versions} versions ({stored} stored), "
        f"median of {args.rounds} rounds; ratio = wall / hand-written's wall"
    )
    floor = {
        measure: statistics.median(w for w, _, _ in results["hand-written"][measure])
        for measure in ("snapshot", "plan")
    }
    for measure in ("snapshot", "plan"):
        for name in candidates:
            runs = results[name][measure]
            wall = statistics.median(w for w, _, _ in runs)
            cpu = statistics.median(c for _, c, _ in runs)
            print(
                f"{measure:8} {name:14} {wall:6.2f} s wall {cpu:6.2f} s cpu "
                f"{runs[0][2]:5d} requests  ratio {wall / floor[measure]:.2f}"
            )


if __name__ == "__main__":
    main()
