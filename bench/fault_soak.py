"""Soak the apply path under injected faults: N seeded trials, counts printed.

Each trial (tests/faults/scenario.py) applies version 1 of a project with
references, two contexts, pinned ids, a mode, config changes and deletes to a
fresh local registry, then applies the saved plan of version 2 as a real
``reconcile apply`` process through a loopback proxy that gives each request,
with probability ``--rate``, one fault: 500, 503, 429 with Retry-After, a
reset before or after forwarding, or a stall past the client's timeout (the
request lands late). Then a re-run without faults.

Printed: the faults injected by kind, the faulted applies' exit codes, how
many left subjects in IMPORT (each must have said so), the stalled requests
that landed after apply ended, and the broken promises (must be 0): a write
outside the saved plan, an exit code that lied, a re-run that did not
converge, anything left in IMPORT after it.

Run: ``.venv/bin/python bench/fault_soak.py [--trials 100] [--rate 0.12] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.faults.scenario import run_trial


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--rate", type=float, default=0.12, help="fault probability per request")
    parser.add_argument("--seed", type=int, default=1, help="seed of the first trial")
    args = parser.parse_args()

    faults: Counter[str] = Counter()
    exits: Counter[int] = Counter()
    writes = left = late = 0
    broken: list[str] = []
    started = time.monotonic()
    for seed in range(args.seed, args.seed + args.trials):
        with tempfile.TemporaryDirectory(prefix="fault-soak-") as workdir:
            result = run_trial(Path(workdir), seed, args.rate)
        faults.update(result.faults)
        exits[result.exit_code] += 1
        writes += result.writes
        left += bool(result.left_in_import)
        late += result.landed_late
        broken += [f"seed {seed}: {p}" for p in result.problems]
        injected = ", ".join(f"{k} {v}" for k, v in sorted(result.faults.items()) if k != "forward")
        print(
            f"trial {seed}: exit {result.exit_code}, {result.writes} writes, faults: {injected}; "
            f"left in IMPORT {len(result.left_in_import)}, landed late {result.landed_late}, "
            f"{len(result.problems)} broken promise(s)",
            flush=True,
        )
    requests = sum(faults.values())
    print(f"\n{args.trials} trials in {time.monotonic() - started:.0f} s, rate {args.rate}")
    print(f"requests through the proxy: {requests}, writes reaching the registry: {writes}")
    print("faults injected: " + ", ".join(f"{k} {v}" for k, v in sorted(faults.items())))
    print("faulted apply exit codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(exits.items())))
    print(f"faulted applies that left subjects in IMPORT (and said so): {left}")
    print(f"stalled requests that landed after apply ended: {late}")
    print(f"broken promises: {len(broken)}")
    for line in broken:
        print(f"  {line}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
