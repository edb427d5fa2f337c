"""Loading a large spec file: wall seconds and peak memory of ``load_project``.

For each size (default 1,000 and 10,000 subjects) it writes a project the way
``reconcile export`` does (``workflows.write_specs``: one spec file, one
``.avsc`` file per subject; Avro records of 2-6 fields, every tenth
referencing a shared ``Money`` record, every fifth with a subject-level
compatibility), then loads it in a fresh Python process, so that the peak
RSS is the load's own. ``--inline`` puts the schemas inside the spec file as
YAML mappings instead (no schema files: the YAML composer does more work).

``--cache`` loads as ``plan`` does (``parse_cache=True``), each repeat twice:
cold (``.reconcile/`` removed first: every schema parsed, the caches written)
then warm (the project cache reused; ``--warm N``: N warm loads, each in its own
process); each line then gives the load's CPU seconds and its children's (none
today: the forked loads were removed, docs/performance.md). ``--project DIR``
loads that project instead of writing one (``--warm N`` alone: its cache as it
is, no cold load), e.g. the 100,000-subject project of ``bench/floor.py --large``.

``--check`` loads as export's check does (``cache_specs=False``: the specs' locations
made when first read, no project cache written; with ``--project``, cold only).

``--phases`` adds the CPU seconds of the load's steps (the spec files read
and composed, validated, resolved with their schema files, checked with
their schemas' parses, the project cache written) and of the rest (the
project file, the collector's pass when the load's pause ends, imports made
by the load), measured by wrapping each step.

Run: ``.venv/bin/python bench/load_specs.py [--sizes 1000 10000] [--repeat 3] [--inline]
[--cache] [--warm N] [--project DIR] [--phases]``. Each load prints one line; ``--json``
prints them as JSON lines. To compare two checkouts, run it with ``PYTHONPATH=CHECKOUT`` for
each, alternated, each on its own copy of the project (the cache is keyed by the loading code).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _bytecode import cache_bytecode

MONEY = {
    "type": "record",
    "name": "Money",
    "namespace": "bench",
    "fields": [{"name": "cents", "type": "long"}, {"name": "currency", "type": "string"}],
}


def avro(n: int) -> dict[str, object]:
    fields: list[dict[str, object]] = [{"name": "id", "type": "string"}]
    fields += [{"name": f"f{i}", "type": ["null", "long"], "default": None} for i in range(n % 5)]
    if n % 10 == 0:
        fields.append({"name": "price", "type": "bench.Money"})
    return {"type": "record", "name": f"Rec{n}", "namespace": "bench", "fields": fields}


def write_project(root: Path, subjects: int, inline: bool) -> None:
    from reconciler.spec.model import ContextSpec, ReferenceSpec, SubjectSpec
    from reconciler.workflows import export_files, write_project_file, write_specs
    from reconciler.workflows.export import dump_yaml

    money_ref = (ReferenceSpec("bench.Money", "money-value", 1),)
    specs = {"money-value": SubjectSpec("money-value", schema=json.dumps(MONEY))}
    for n in range(1, subjects):
        specs[f"topic{n}-value"] = SubjectSpec(
            f"topic{n}-value",
            schema=json.dumps(avro(n)),
            references=money_ref if n % 10 == 0 else (),
            compatibility="FULL" if n % 5 == 0 else None,
        )
    spec = ContextSpec(path=root, registries=("bench",), context=".", subjects=specs)
    write_project_file(root, "bench", {"url": "http://localhost:8081"})
    if not inline:
        write_specs(export_files((spec,)), root)
        return
    doc: dict[str, object] = {"registry": "bench", "subjects": {}}
    for name, subject in specs.items():
        entry: dict[str, object] = {"schema": json.loads(subject.schema or "")}
        if subject.references:
            entry["references"] = [{"name": "bench.Money", "subject": "money-value", "version": 1}]
        if subject.compatibility:
            entry["compatibility"] = subject.compatibility
        doc["subjects"][name] = entry  # type: ignore[index]
    (root / "specs").mkdir()
    (root / "specs" / "bench.yaml").write_text(dump_yaml(doc), encoding="utf-8")


def _peak_mib() -> float:
    """Peak RSS of this process so far.

    ``VmHWM`` rather than ``ru_maxrss``: the latter survives ``exec`` and so
    starts at the parent's peak (the parent built the project in memory).
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# The load's steps as ``spec._load`` calls them: (module, attribute, phase name). Each
# is imported by the loads that read the spec files, from its own module.
PHASES = (
    ("reconciler.spec._yaml", "load_yaml", "yaml"),
    ("reconciler.spec._validate", "validate", "validate"),
    ("reconciler.spec._specfile", "resolve_spec", "resolve"),
    ("reconciler.spec._checks", "check_all", "checks"),
)


def _time_phases() -> dict[str, float]:
    """Wrap the load's steps to add up their CPU seconds (in the dict returned)."""
    import importlib

    from reconciler.spec._cache import ProjectCache

    spent: dict[str, float] = {}

    def timed(function: Any, name: str) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - start

        return wrapper

    for module, attribute, name in PHASES:
        owner = importlib.import_module(module)
        setattr(owner, attribute, timed(getattr(owner, attribute), name))
    ProjectCache.save = timed(ProjectCache.save, "cache write")  # type: ignore[method-assign]
    return spent


def _load(root: str, cache: str, phases: bool, check: bool) -> None:
    """Child process: load once and print one JSON line."""
    from reconciler.spec import load_project

    if cache == "cold":
        shutil.rmtree(Path(root) / ".reconcile", ignore_errors=True)
    spent = _time_phases() if phases else None
    before = _peak_mib()
    start, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    project = load_project(
        Path(root), environ={}, parse_cache=cache != "none", cache_specs=not check
    )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = _peak_mib()
    subjects = sum(len(spec.subjects) for spec in project.specs)
    result = {
        "subjects": subjects,
        "cache": cache,
        "seconds": seconds,
        "cpu": cpu,
        "children_cpu": _children_cpu() - children,
        "rss_before": before,
        "peak": peak,
    }
    if spent is not None:
        # The project file's YAML and validation count in "yaml" and "validate" too.
        result["phases"] = {**spent, "rest": cpu - sum(spent.values())}
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--repeat", type=int, default=1, help="fresh processes per size")
    parser.add_argument("--inline", action="store_true", help="schemas inside the spec file")
    parser.add_argument("--cache", action="store_true", help="cold then warm, as plan loads")
    parser.add_argument("--warm", type=int, default=None, help="warm loads after each cold one")
    parser.add_argument("--project", type=Path, help="load this project, not a written one")
    parser.add_argument("--phases", action="store_true", help="CPU of the load's steps")
    parser.add_argument("--check", action="store_true", help="as export's check loads")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-cache", default="none", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _load(args.child, args.child_cache, args.phases, args.check)
        return
    cache_bytecode()  # after the timed children's branches: not their cost
    if args.project is not None:
        for _ in range(args.repeat):
            caches = ["cold"] if args.warm is None or args.check else []
            warm = [] if args.check else ["warm"] * (args.warm or 1)
            _run(args.project.resolve(), None, caches + warm, args)
        return
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            write_project(root, size, args.inline)
            for _ in range(args.repeat):
                caches = ["cold"] + ["warm"] * (args.warm or 1) if args.cache else ["none"]
                _run(root, size, caches, args)


def _run(root: Path, size: int | None, caches: list[str], args: argparse.Namespace) -> None:
    for cache in caches:
        child = [sys.executable, __file__, "--child", str(root), "--child-cache", cache]
        out = subprocess.run(
            child + ["--phases"] * args.phases + ["--check"] * args.check,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result = {"size": size, "inline": args.inline, **json.loads(out)}
        if args.json:
            print(json.dumps(result), flush=True)
            continue
        print(
            f"{result['subjects']:>6} subjects{' (inline)' if args.inline else ''}"
            f"{'' if cache == 'none' else ', ' + cache}{' (check)' * args.check}: "
            f"{result['seconds']:6.2f} s, CPU {result['cpu']:.2f} s "
            f"(children {result['children_cpu']:.2f} s), "
            f"peak RSS {result['peak']:.0f} MiB "
            f"({result['rss_before']:.0f} MiB before loading)"
            + "".join(
                f"\n    {name:12} {seconds:6.3f} s"
                for name, seconds in result.get("phases", {}).items()
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
