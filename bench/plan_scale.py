"""Export and plan at scale: requests, wall seconds and peak memory.

For each size (default 1,000 and 10,000 subjects x 5 versions) it:

1. builds a local registry's SQLite file directly, through the registry's own
   store functions and the compatibility engine's canonical form (what
   registering each version would store, minus 50,000 HTTP round trips):
   Avro records that gain one optional field per version, every tenth one
   referencing a shared ``Money`` record, every fifth with a subject-level
   compatibility;
2. serves it with ``reconcile registry serve`` in another process (a registry
   is another process in real life, and the client's memory is then its own);
3. runs each phase in a fresh Python process, so that its peak RSS is its own:

   - ``export``: read the whole registry and write specs + schema files;
   - ``plan``: load the exported project and plan it (no changes expected);
   - ``plan 1%``: change 1 % of the schema files (a new optional field), plan
     (one registration each expected).

Run: ``.venv/bin/python bench/plan_scale.py [--sizes 1000 10000] [--versions 5]``.
Each phase prints one line; ``--json`` prints them as JSON lines.

``--workdir DIR`` keeps the registry file and the exported projects in
``DIR/<subjects>x<versions>/`` and reuses them on the next run (the build and
the export take most of a 10,000-subject run): only the plans run again, on a
fresh server, and the export line is left out. The 1 % plan then runs on its
own copy of the project (``project-1pct``), changed once. ``--repeat N`` runs
each plan N times (each in a fresh process) and prints every run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _bytecode import cache_bytecode

MONEY = json.dumps(
    {
        "type": "record",
        "name": "Money",
        "namespace": "bench",
        "fields": [{"name": "cents", "type": "long"}, {"name": "currency", "type": "string"}],
    }
)


NO_CONTRACT: dict[str, None] = {"metadata": None, "rule_set": None}  # no data contracts


def avro(n: int, version: int) -> str:
    fields: list[dict[str, object]] = [{"name": "id", "type": "string"}]
    fields += [{"name": f"f{i}", "type": ["null", "long"], "default": None} for i in range(version)]
    if n % 10 == 0:
        fields.append({"name": "price", "type": "bench.Money"})
    return json.dumps({"type": "record", "name": f"Rec{n}", "namespace": "bench", "fields": fields})


def build(db: Path, subjects: int, versions: int) -> int:
    """Write the registry file; return the number of versions stored."""
    from reconciler.compatibility import parse
    from reconciler.localregistry import _store as store
    from reconciler.localregistry._contexts import Subject
    from reconciler.localregistry._requests import Reference
    from reconciler.localregistry._schemas import identity

    money_ref = Reference("bench.Money", "money-value", 1)
    db_store = store.Store(db)
    next_id = 1
    with db_store.write() as conn:
        money = parse("AVRO", MONEY, {}).canonical
        store.insert_schema(
            conn, ".", next_id, "AVRO", money, [], identity("AVRO", money, []), **NO_CONTRACT
        )
        store.insert_version(conn, Subject(".", "money-value"), 1, next_id)
        count = 1
        for n in range(1, subjects):
            subject = Subject(".", f"topic{n}-value")
            refs = [money_ref] if n % 10 == 0 else []
            texts = {"bench.Money": MONEY} if refs else {}
            for version in range(1, versions + 1):
                next_id += 1
                text = parse("AVRO", avro(n, version), texts).canonical
                as_json = [r.to_json() for r in refs]
                store.insert_schema(
                    conn,
                    ".",
                    next_id,
                    "AVRO",
                    text,
                    as_json,
                    identity("AVRO", text, refs),
                    **NO_CONTRACT,
                )
                store.insert_version(conn, subject, version, next_id)
                for ref in refs:
                    store.insert_reference(conn, subject, version, Subject(".", ref.subject), 1)
                count += 1
            if n % 5 == 0:
                store.set_config(conn, subject, {"compatibilityLevel": "FULL"})
    return count


SERVE = (sys.executable, "-m", "reconciler", "registry", "serve")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(db: Path) -> tuple[subprocess.Popen[bytes], str]:
    import httpx  # here: a plan phase's own imports are part of its time

    port = _free_port()
    process = subprocess.Popen(
        [*SERVE, "--port", str(port), "--data", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(url + "/", timeout=1).raise_for_status()
            return process, url
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the registry did not start")


# -- phases, each in its own process ------------------------------------------------


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _export(url: str, out: Path) -> dict[str, object]:
    from reconciler.registry import RegistryClient
    from reconciler.workflows import exported_files, read_registry, write_project_file, write_specs

    async with RegistryClient(url) as client:
        contents = await read_registry(client, "bench")
        requests = client.requests_made
    write_specs(exported_files(contents, "bench", out, history=False), out)
    write_project_file(out, "bench", {"url": url})
    return {"requests": requests, "subjects": contents.subject_count}


async def _plan(out: Path) -> dict[str, object]:
    from reconciler.engine import make_plan, open_clients
    from reconciler.spec import load_project

    project = load_project(out)
    async with open_clients(project, ["bench"]) as clients:
        plan = await make_plan(project, clients)
        requests = clients["bench"].requests_made
    return {
        "requests": requests,
        "actions": len(plan.actions),
        "errors": [p.message for p in plan.errors][:3],
    }


def run_phase(phase: str, url: str, out: Path) -> None:
    started = time.perf_counter()
    result = asyncio.run(_export(url, out) if phase == "export" else _plan(out))
    result.update(seconds=round(time.perf_counter() - started, 2), peak_mib=round(_peak_mib()))
    print(json.dumps(result))


def phase(name: str, url: str, out: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--url", url, "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def change_one_percent(out: Path, subjects: int) -> int:
    """Add an optional field to 1 % of the schema files; return how many changed."""
    changed = 0
    for n in range(1, subjects, 100):
        path = out / "schemas" / "default" / f"topic{n}-value.avsc"
        schema = json.loads(path.read_text())
        schema["fields"].append(
            {"name": "bench_extra", "type": ["null", "string"], "default": None}
        )
        path.write_text(json.dumps(schema, indent=2))
        changed += 1
    return changed


def bench(subjects: int, versions: int, as_json: bool, workdir: Path | None, repeat: int) -> None:
    if workdir is None:
        with tempfile.TemporaryDirectory() as folder:
            run_bench(Path(folder), subjects, versions, as_json, repeat)
    else:
        folder = workdir / f"{subjects}x{versions}"
        folder.mkdir(parents=True, exist_ok=True)
        run_bench(folder, subjects, versions, as_json, repeat)


@dataclass
class Served:
    """A built registry served in another process, and the projects exported from it."""

    process: subprocess.Popen[bytes]
    url: str
    project: Path  # the export, unchanged: a plan of it has nothing to do
    changed: Path  # a copy with 1 % of the schema files changed
    changed_count: str
    header: str  # how the registry came to be: built (how long) or reused
    export: dict[str, object] | None  # the export phase's row, when it ran

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def prepare(folder: Path, subjects: int, versions: int) -> Served:
    """Build (or reuse) the registry in ``folder``, serve it, export it (once), point at it.

    The caller stops the server (``Served.stop``).
    """
    db, out, changed_out = folder / "registry.db", folder / "project", folder / "project-1pct"
    reuse = db.is_file() and (changed_out / "reconcile.yaml").is_file()
    if not reuse:
        for leftover in (db, out, changed_out):
            if leftover.is_dir():
                shutil.rmtree(leftover)
            elif leftover.exists():
                leftover.unlink()
        started = time.perf_counter()
        stored = build(db, subjects, versions)
        header = f"({stored} stored in {time.perf_counter() - started:.1f} s)"
    else:
        header = "(reused)"
    process, url = serve(db)
    export = None
    try:
        if not reuse:
            export = phase("export", url, out)
            shutil.copytree(out, changed_out)
            (changed_out / "changed").write_text(str(change_one_percent(changed_out, subjects)))
        for project in (out, changed_out):
            # The export names the server's URL; a reused one gets this run's.
            project_file = project / "reconcile.yaml"
            text = project_file.read_text()
            project_file.write_text(re.sub(r"http://127\.0\.0\.1:\d+", url, text))
    except BaseException:
        process.kill()
        raise
    changed = (changed_out / "changed").read_text()
    return Served(process, url, out, changed_out, changed, header, export)


def run_bench(folder: Path, subjects: int, versions: int, as_json: bool, repeat: int) -> None:
    served = prepare(folder, subjects, versions)
    header, url = served.header, served.url
    rows: list[tuple[str, dict[str, object]]] = []
    if served.export is not None:
        rows.append(("export", served.export))
    try:
        for _ in range(repeat):
            rows.append(("plan (no changes)", phase("plan", url, served.project)))
        for _ in range(repeat):
            label = f"plan (1% = {served.changed_count} changed)"
            rows.append((label, phase("plan", url, served.changed)))
    finally:
        served.stop()
    if not as_json:
        print(f"{subjects} subjects x {versions} versions {header}")
    for label, row in rows:
        if as_json:
            print(json.dumps({"subjects": subjects, "versions": versions, "phase": label, **row}))
            continue
        extra = f", {row['actions']} actions" if "actions" in row else ""
        errors = f", errors: {row['errors']}" if row.get("errors") else ""
        print(
            f"  {label:<28} {row['requests']:>7} requests {row['seconds']:>8.2f} s "
            f"{row['peak_mib']:>6} MiB peak{extra}{errors}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="One JSON line per phase.")
    parser.add_argument(
        "--workdir", type=Path, help="Keep the registry and the exports here; reuse them."
    )
    parser.add_argument("--repeat", type=int, default=1, help="Runs of each plan phase.")
    parser.add_argument("--phase", choices=["export", "plan"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args.phase, args.url, args.out)
        return
    cache_bytecode()  # after the timed children's branches: not their cost
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    for size in args.sizes:
        bench(size, args.versions, args.json, args.workdir, args.repeat)


if __name__ == "__main__":
    main()
