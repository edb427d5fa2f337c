"""The fault-injection scenario: a project, a faulted apply of its saved plan, the checks.

The project has references, two contexts, pinned ids (IMPORT switches and
restores), a mode and config changes and soft deletes. A trial:

1. applies version 1 of the specs to a fresh registry (no faults);
2. saves the plan of version 2 (``plan --out``);
3. applies that saved plan as a real ``reconcile apply`` process through a
   ``FaultProxy`` whose per-request faults come from the trial's seed;
4. checks that every write the registry received is an action of the saved
   plan, and that the exit code told the truth: 0 only if the registries
   match the specs with nothing in IMPORT, and that a failure names every
   subject it left in IMPORT (or did not claim the modes were restored);
5. re-runs apply without faults: it must converge (a final plan exits 0) and
   leave no subject or context in IMPORT, read from the registry itself.

Used by tests/faults/test_faults.py (a few seeds) and bench/fault_soak.py (100).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import httpx
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.localregistry import serve_in_thread

from .proxy import FAULTS, Fault, FaultProxy, Seen

TIMEOUT = 1.0  # the project's request timeout: a stall (STALL_SECONDS) outlasts it
STALL_SECONDS = 1.3


def _record(name: str, *extra: str, namespace: str = "com.acme") -> str:
    fields = [{"name": "id", "type": "string"}]
    fields += [{"name": f, "type": ["null", "string"], "default": None} for f in extra]
    return json.dumps({"type": "record", "name": name, "namespace": namespace, "fields": fields})


MONEY = _record("Money")
ORDER = {
    1: json.dumps(
        {
            "type": "record",
            "name": "Order",
            "namespace": "com.acme",
            "fields": [{"name": "id", "type": "string"}, {"name": "total", "type": "Money"}],
        }
    ),
}
ORDER[2] = json.dumps(
    {
        **json.loads(ORDER[1]),
        "fields": [
            *json.loads(ORDER[1])["fields"],
            {"name": "note", "type": ["null", "string"], "default": None},
        ],
    }
)
PINNED = 4  # new pinned subjects per context in version 2

SCHEMAS = {
    "money.avsc": MONEY,
    "order1.avsc": ORDER[1],
    "order2.avsc": ORDER[2],
    "old.avsc": _record("Old"),
    "ids1.avsc": _record("Ids"),
    "ids2.avsc": _record("Ids", "extra"),
    "invoice1.avsc": _record("Invoice"),
    "invoice2.avsc": _record("Invoice", "extra"),
    "gone.avsc": _record("Gone"),
    **{f"p{n}.avsc": _record(f"P{n}") for n in range(PINNED)},
}

ORDERS_REF = "references: [{name: com.acme.Money, subject: money-value, version: 1}]"
V1 = {
    "default.yaml": f"""
subjects:
  money-value: {{schema: ../schemas/money.avsc}}
  orders-value: {{schema: ../schemas/order1.avsc, {ORDERS_REF}}}
  old-value: {{schema: ../schemas/old.avsc}}
  ids-value:
    versions:
      - {{version: 1, id: 500, schema: ../schemas/ids1.avsc}}
""",
    "billing.yaml": """
context: billing
compatibility: BACKWARD
subjects:
  invoice-value: {schema: ../schemas/invoice1.avsc}
  gone-value: {schema: ../schemas/gone.avsc}
""",
}


def _pinned(prefix: str) -> str:
    """Version 2's new subjects with a pinned id each (the same ids in both contexts)."""
    return "".join(
        f"  {prefix}{n}-value:\n    versions:\n"
        f"      - {{version: 1, id: {520 + n}, schema: ../schemas/p{n}.avsc}}\n"
        for n in range(PINNED)
    )


PINNED_DEFAULT = _pinned("p")
PINNED_BILLING = _pinned("b")
V2 = {
    "default.yaml": f"""
subjects:
  money-value: {{schema: ../schemas/money.avsc, mode: READONLY}}
  orders-value: {{schema: ../schemas/order2.avsc, compatibility: FULL, {ORDERS_REF}}}
  old-value: {{delete: soft}}
  ids-value:
    versions:
      - {{version: 1, id: 500, schema: ../schemas/ids1.avsc}}
      - {{version: 2, id: 510, schema: ../schemas/ids2.avsc}}
{PINNED_DEFAULT}""",
    "billing.yaml": f"""
context: billing
compatibility: FULL
subjects:
  invoice-value: {{schema: ../schemas/invoice2.avsc}}
  gone-value: {{delete: soft}}
{PINNED_BILLING}""",
}
CONTEXTS = (".", ".billing")
# Every subject the specs name: a subject switched to IMPORT whose registration
# never ran has a mode but no versions, and ``GET /subjects`` does not list it.
SUBJECTS = [
    "money-value",
    "orders-value",
    "old-value",
    "ids-value",
    ":.billing:invoice-value",
    ":.billing:gone-value",
    *(f"p{n}-value" for n in range(PINNED)),
    *(f":.billing:b{n}-value" for n in range(PINNED)),
]


def write_project(root: Path, specs: dict[str, str]) -> None:
    (root / "specs").mkdir(parents=True, exist_ok=True)
    (root / "schemas").mkdir(exist_ok=True)
    (root / "reconcile.yaml").write_text(
        "version: 1\n"
        f'registries:\n  test: {{url: "${{SR_URL}}", timeout: {TIMEOUT}}}\n'
        "specs: [specs/*.yaml]\nmax_deletes: 10\n"
    )
    for name, text in SCHEMAS.items():
        (root / "schemas" / name).write_text(text)
    for name, text in specs.items():
        (root / "specs" / name).write_text(text)


def reconcile(root: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``reconcile ARGS`` as a real process, against ``url``."""
    env = {**os.environ, "SR_URL": url, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def cli(root: Path, url: str, command: str, *args: str) -> tuple[int, str]:
    """``reconcile COMMAND ROOT ARGS`` in this process (setup and checks: no process start)."""
    runner = CliRunner()
    result = runner.invoke(
        main,
        [command, str(root), *args],
        env={"SR_URL": url, "NO_COLOR": "1", "COLUMNS": "200"},
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout + result.stderr


def in_import(url: str) -> list[str]:
    """Every subject or context (or the registry) whose own mode is IMPORT, read directly."""
    found = []
    if httpx.get(f"{url}/mode").json().get("mode") == "IMPORT":
        found.append("(global)")
    for context in CONTEXTS:
        prefix = "" if context == "." else f":{context}:"
        if prefix and httpx.get(f"{url}/mode/{prefix}").json().get("mode") == "IMPORT":
            found.append(f"(context {context})")
        params = {"subjectPrefix": prefix, "deleted": "true"} if prefix else {"deleted": "true"}
        listed = httpx.get(f"{url}/subjects", params=params).json()
        named = [s for s in SUBJECTS if s.startswith(prefix) and (prefix or ":" not in s)]
        for subject in sorted(set(listed) | set(named)):
            if (
                subject not in found
                and httpx.get(f"{url}/mode/{subject}").json().get("mode") == "IMPORT"
            ):
                found.append(subject)
    return found


def planned_writes(plan: dict) -> set[tuple[str, str]]:
    """(kind of write, subject-or-level) for each action of a saved plan."""
    writes = set()
    for action in plan["actions"]:
        kind = action["kind"]
        target = action["target"]
        if kind == "register":
            writes.add(("register", target))
        elif kind in ("set_mode", "delete_mode"):
            writes.add(("mode", target))
        elif kind == "set_compatibility":
            writes.add(("config", target))
        else:
            writes.add(("delete", target))
    return writes


def write_of(method: str, path: str) -> tuple[str, str] | None:
    """What a request the registry received wrote (None for reads and lookups)."""
    parts = [unquote(p) for p in path.strip("/").split("/")]
    if method == "GET" or parts[0] in ("compatibility",):
        return None
    if parts[0] == "subjects" and method == "POST":
        return ("register", parts[1]) if parts[-1] == "versions" else None
    if parts[0] == "subjects" and method == "DELETE":
        return ("delete", parts[1])
    if parts[0] in ("mode", "config"):
        target = parts[1] if len(parts) > 1 else ""
        if target.endswith(":") and target.startswith(":"):
            target = f":{target.strip(':')}:"  # a context level: ':.billing:'
        return ("mode" if parts[0] == "mode" else "config", target)
    return (method.lower(), path)


class RandomFaults:
    """Per request, a fault with probability ``rate`` (stalls rarer: each costs seconds)."""

    def __init__(self, seed: int, rate: float) -> None:
        self.random = random.Random(seed)
        self.rate = rate
        self.counts: Counter[str] = Counter()

    def __call__(self, seen: Seen) -> Fault:
        fault = Fault.FORWARD
        if self.random.random() < self.rate:
            weights = [0.1 if f is Fault.STALL else 1.0 for f in FAULTS]
            fault = self.random.choices(FAULTS, weights)[0]
        self.counts[fault.value] += 1
        return fault


@dataclass
class TrialResult:
    seed: int
    exit_code: int
    faults: Counter[str]
    writes: int
    problems: list[str] = field(default_factory=list)  # broken promises: must stay empty
    left_in_import: list[str] = field(default_factory=list)  # after the faulted apply
    landed_late: int = 0  # stalled requests that reached the registry after apply ended


def _log_lines(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line]


def run_trial(workdir: Path, seed: int, rate: float = 0.12) -> TrialResult:
    """One trial in ``workdir`` (created); its broken promises are in ``problems``."""
    root = workdir / "project"
    log = workdir / "requests.jsonl"
    faults = RandomFaults(seed, rate)
    with ExitStack() as stack:
        url = stack.enter_context(serve_in_thread(workdir / "registry.db", request_log=log))
        write_project(root, V1)
        code, output = cli(root, url, "apply", "--auto-approve")
        assert code == 0, output
        write_project(root, V2)
        code, output = cli(root, url, "plan", "--force-import", "--out", str(root / "plan.json"))
        assert code == 0, output
        plan = json.loads((root / "plan.json").read_text())
        allowed = planned_writes(plan)

        proxy = stack.enter_context(FaultProxy(url, faults, stall=STALL_SECONDS))
        before = len(_log_lines(log))
        applied = reconcile(root, proxy.url, "apply", "plan.json", "--auto-approve")
        ended = time.monotonic()
        proxy.settle()
        writes = [w for w in _log_lines(log)[before:] if write_of(w["method"], w["path"])]
        result = TrialResult(seed, applied.returncode, faults.counts, len(writes))
        result.landed_late = sum(1 for s in proxy.seen if s.landed and s.landed > ended)
        output = applied.stdout + applied.stderr
        for write in writes:
            what = write_of(write["method"], write["path"])
            if what not in allowed:
                result.problems.append(f"a write outside the saved plan: {what}")
        left = in_import(url)
        result.left_in_import = left
        late_modes = any(
            s.landed and s.landed > ended and s.method == "PUT" and "/mode" in s.path
            for s in proxy.seen
        )
        if applied.returncode == 0:
            code, _ = cli(root, url, "plan", "--force-import", "--detailed-exitcode")
            if code != 0 and not late_modes:
                result.problems.append(f"apply exited 0 but a plan exits {code}")
            if left and not late_modes:
                result.problems.append(f"apply exited 0 leaving {left} in IMPORT")
        elif applied.returncode == 1:
            if left and not late_modes:
                unnamed = [s for s in left if s not in output]
                if unnamed:
                    result.problems.append(f"apply failed without naming {unnamed} in IMPORT")
                if "temporary modes were restored" in output:
                    result.problems.append(f"apply said the modes were restored; {left} are not")
        else:
            result.problems.append(f"apply exited {applied.returncode}: {output[-500:]}")

        rerun = reconcile(root, url, "apply", "--force-import", "--auto-approve")
        if rerun.returncode != 0:
            result.problems.append(f"the re-run exited {rerun.returncode}: {rerun.stderr[-500:]}")
        final = reconcile(root, url, "plan", "--detailed-exitcode")
        if final.returncode != 0:
            result.problems.append(
                f"the final plan exits {final.returncode}: {final.stdout[-500:]}"
            )
        still = in_import(url)
        if still:
            result.problems.append(f"left in IMPORT after the re-run: {still}")
    return result
