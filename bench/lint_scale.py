"""Linting a large project: seconds, findings and peak memory of ``reconcile lint``'s engine.

For each size (default 1,000 and 10,000 subjects) it writes the project of
``bench/load_specs.py`` (one spec file, one ``.avsc`` per subject, Avro
records of 2-6 fields, every tenth referencing a shared record), loads it,
and times ``reconciler.lint.lint`` on it in a fresh process (the load is
timed separately: it is ``load_specs.py``'s figure; the peak memory includes
it). Every rule runs on every subject; that project breaks only one, once
(COMPATIBILITY_UNSET: the context sets no level), so the time is the rules'
walk, not the printing of findings.

Run: ``.venv/bin/python bench/lint_scale.py [--sizes 1000 10000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bytecode import cache_bytecode
from load_specs import _peak_mib, write_project


def _lint(root: str) -> None:
    """Child process: load, then lint once; print one JSON line."""
    from reconciler.lint import lint
    from reconciler.spec import load_project

    project = load_project(Path(root), environ={})
    start = time.perf_counter()
    report = lint(project)
    seconds = time.perf_counter() - start
    subjects = sum(len(spec.subjects) for spec in project.specs)
    print(
        json.dumps(
            {
                "subjects": subjects,
                "lint_seconds": seconds,
                "findings": len(report.findings),
                "peak_mib": _peak_mib(),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--repeat", type=int, default=1, help="fresh processes per size")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _lint(args.child)
        return
    cache_bytecode()  # after the timed children's branches: not their cost
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            write_project(Path(tmp), size, inline=False)
            for _ in range(args.repeat):
                out = subprocess.run(
                    [sys.executable, __file__, "--child", tmp],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                line = json.loads(out.stdout)
                print(
                    f"{line['subjects']:>7,} subjects: lint {line['lint_seconds']:.2f} s, "
                    f"{line['findings']:,} findings, peak {line['peak_mib']:.0f} MiB"
                )


if __name__ == "__main__":
    main()
