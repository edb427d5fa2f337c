"""kill -9 of ``reconcile apply`` and ``reconcile migrate --preserve-ids`` at seeded points.

Each run goes through a proxy that adds a little latency to every request, so
that the kill lands inside the apply (between any two steps) rather than after
it. After the kill, a plain re-run must take the journal over, converge and
leave nothing in IMPORT, with exit codes that say so.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from reconciler.localregistry import serve_in_thread

from .conftest import Staged
from .proxy import Fault, FaultProxy, Seen
from .scenario import cli, in_import, reconcile

LATENCY = 0.03


def _forward(seen: Seen) -> Fault:
    return Fault.FORWARD


def _done_steps(journal_dir: Path) -> int:
    journals = sorted(journal_dir.glob("*.jsonl"))
    return journals[-1].read_text().count('"status": "done"') if journals else 0


def _kill_after(command: list[str], cwd: Path, url: str, journal_dir: Path, steps: int) -> None:
    """Start ``reconcile COMMAND`` against ``url``; kill -9 it once ``steps`` steps are done."""
    process = _run_until(command, cwd, url, journal_dir, steps)
    process.send_signal(signal.SIGKILL)
    process.wait()


def _run_until(
    command: list[str], cwd: Path, url: str, journal_dir: Path, steps: int
) -> subprocess.Popen[bytes]:
    """Start ``reconcile COMMAND`` against ``url``; return once ``steps`` steps are done."""
    already = len(list(journal_dir.glob("*.jsonl")))
    env = {**os.environ, "SR_URL": url, "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", *command],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(list(journal_dir.glob("*.jsonl"))) <= already or _done_steps(journal_dir) < steps:
        assert process.poll() is None, "it finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.002)
    return process


@pytest.mark.parametrize("seed", [7])
def test_apply_killed_at_a_random_step_then_run_again(staged: Staged, seed: int) -> None:
    total = len(staged.plan["actions"])
    point = random.Random(seed).randrange(1, total - 1)
    journal_dir = staged.root / ".reconcile/journal"
    with FaultProxy(staged.url, _forward, latency=LATENCY) as proxy:
        _kill_after(
            ["apply", "plan.json", "--auto-approve"], staged.root, proxy.url, journal_dir, point
        )
    killed = sorted(journal_dir.glob("*.jsonl"))[-1]
    assert '"event": "end"' not in killed.read_text()

    rerun = reconcile(staged.root, staged.url, "apply", "--force-import", "--auto-approve")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "stopped after" in rerun.stderr
    assert '"event": "recovered"' in killed.read_text()
    assert in_import(staged.url) == []
    assert cli(staged.root, staged.url, "plan", "--force-import", "--detailed-exitcode")[0] == 0


SUBJECTS = 12  # enough for a kill inside the IMPORT window; each costs requests at latency


def _source_project(root: Path) -> None:
    (root / "specs").mkdir(parents=True)
    (root / "reconcile.yaml").write_text(
        'version: 1\nregistries:\n  source: {url: "${SR_URL}"}\nspecs: [specs/*.yaml]\n'
    )
    lines = ["subjects:"]
    for n in range(SUBJECTS):
        schema = json.dumps({"type": "record", "name": f"R{n}", "fields": []})
        lines += [
            f"  s{n}-value:",
            "    versions:",
            f"      - {{version: 1, id: {100 + 3 * n}, schema: '{schema}'}}",
        ]
    (root / "specs/main.yaml").write_text("\n".join(lines) + "\n")


def test_migrate_killed_in_its_import_window_then_run_again(tmp_path: Path) -> None:
    source_root = tmp_path / "source"
    _source_project(source_root)
    work = tmp_path / "migration"
    work.mkdir()
    journal_dir = work / ".reconcile/journal"
    with (
        serve_in_thread(tmp_path / "source.db") as source,
        serve_in_thread(tmp_path / "target.db") as target,
    ):
        code, output = cli(source_root, source, "apply", "--auto-approve")
        assert code == 0, output
        with FaultProxy(target, _forward, latency=LATENCY) as proxy:
            command = ["migrate", str(work), "--from", source, "--to", proxy.url]
            # Killed once IMPORT is set on every subject and a few are registered.
            _kill_after(
                [*command, "--preserve-ids", "--auto-approve"],
                work,
                proxy.url,
                journal_dir,
                SUBJECTS + 3,
            )
        subjects = [f"s{n}-value" for n in range(SUBJECTS)]
        modes = {s: httpx.get(f"{target}/mode/{s}").json().get("mode") for s in subjects}
        assert set(modes.values()) == {"IMPORT"}  # the state a killed migration leaves

        again = subprocess.run(
            [
                sys.executable,
                "-m",
                "reconciler",
                "migrate",
                str(work),
                "--from",
                source,
                "--to",
                target,
                "--preserve-ids",
                "--auto-approve",
            ],
            cwd=work,
            env={**os.environ, "NO_COLOR": "1"},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert again.returncode == 0, again.stdout + again.stderr
        assert "stopped after" in again.stderr
        assert f"Verified: {SUBJECTS} versions" in again.stdout
        modes = {s: httpx.get(f"{target}/mode/{s}").json().get("mode") for s in subjects}
        assert set(modes.values()) == {None}
        ids = {s: httpx.get(f"{target}/subjects/{s}/versions/1").json()["id"] for s in subjects}
        assert ids == {f"s{n}-value": 100 + 3 * n for n in range(SUBJECTS)}


def _record_versions(name: str) -> tuple[str, str]:
    """An empty record and its second version with an optional field: compatible."""
    optional = {"name": "b", "type": ["null", "string"], "default": None}
    return (
        json.dumps({"type": "record", "name": name, "fields": []}),
        json.dumps({"type": "record", "name": name, "fields": [optional]}),
    )


A1, A2 = _record_versions("Held")
# case -> (context, subject as the registry names it, the spec's context-level lines,
#          the spec lines of held-value, what the write after the temporary switch is)
READONLY_CASES = {
    # the subject's own READONLY (set by hand, no spec sets it) lifted for a registration
    "own-readonly-registration": ("", "held-value", "", "{schema: ../held2.avsc}", "POST"),
    # a context-level READONLY lifted at subject level for a soft delete of a version
    "context-readonly-delete": (
        ".billing",
        ":.billing:held-value",
        "mode: READONLY\n",
        "\n    versions:\n      - {schema: ../held1.avsc, delete: soft}"
        "\n      - {schema: ../held2.avsc}",
        "DELETE",
    ),
}


@pytest.mark.parametrize("case", list(READONLY_CASES))
def test_apply_killed_inside_a_temporary_readwrite_then_planned_and_run_again(
    tmp_path: Path, case: str
) -> None:
    """A READONLY subject opened for one write is never left writable by a killed apply.

    The kill lands after the temporary READWRITE reached the registry and before its
    restore: the next plan sees it (exit 2, with the interrupted apply's warning),
    and the next apply restores the mode and reads it back.
    """
    context, subject, context_lines, held, method = READONLY_CASES[case]
    root = tmp_path / "project"
    (root / "specs").mkdir(parents=True)
    (root / "held1.avsc").write_text(A1)
    (root / "held2.avsc").write_text(A2)
    (root / "reconcile.yaml").write_text(
        'version: 1\nregistries:\n  test: {url: "${SR_URL}"}\nspecs: [specs/*.yaml]\n'
    )
    where = f"context: '{context}'\n" if context else ""
    (root / "specs/main.yaml").write_text(
        f"{where}{context_lines}subjects:\n  held-value: {held}\n"
    )
    journal_dir = root / ".reconcile/journal"
    with serve_in_thread(tmp_path / "registry.db") as url:
        for schema in (A1, A2) if method == "DELETE" else (A1,):
            assert httpx.post(f"{url}/subjects/{subject}/versions", json={"schema": schema})
        level = f"/mode/:{context}:" if context else f"/mode/{subject}"
        assert httpx.put(url + level, json={"mode": "READONLY"}).is_success
        own_before = httpx.get(f"{url}/mode/{subject}").json().get("mode")

        def hold_the_write(seen: Seen) -> Fault:
            return Fault.HOLD if seen.method == method else Fault.FORWARD

        with FaultProxy(url, hold_the_write) as proxy:
            _kill_after(["apply", "--auto-approve"], root, proxy.url, journal_dir, 1)
        assert httpx.get(f"{url}/mode/{subject}").json().get("mode") == "READWRITE"

        code, output = cli(root, url, "plan", "--detailed-exitcode")
        assert code == 2, output
        assert "stopped after" in output
        rerun = reconcile(root, url, "apply", "--auto-approve")
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert httpx.get(f"{url}/mode/{subject}").json().get("mode") == own_before
        assert cli(root, url, "plan", "--detailed-exitcode")[0] == 0
        killed = sorted(journal_dir.glob("*.jsonl"))[0]
        assert '"event": "recovered"' in killed.read_text()


def test_drift_during_an_apply_and_after_it_was_killed(tmp_path: Path) -> None:
    """While an apply holds a subject in its temporary IMPORT, drift says that an apply
    is in progress and does not call its IMPORT drift; once that apply is killed, drift
    reports the IMPORT as left by an interrupted apply, which the next apply repairs."""
    root = tmp_path / "project"
    (root / "specs").mkdir(parents=True)
    (root / "held1.avsc").write_text(A1)
    (root / "reconcile.yaml").write_text(
        'version: 1\nregistries:\n  test: {url: "${SR_URL}"}\nspecs: [specs/*.yaml]\n'
    )
    (root / "specs/main.yaml").write_text(
        "subjects:\n  held-value:\n    versions:\n"
        "      - {version: 1, id: 42, schema: ../held1.avsc}\n"
    )
    journal_dir = root / ".reconcile/journal"
    with serve_in_thread(tmp_path / "registry.db") as url:

        def hold_the_write(seen: Seen) -> Fault:
            return Fault.HOLD if seen.method == "POST" else Fault.FORWARD

        with FaultProxy(url, hold_the_write) as proxy:
            process = _run_until(["apply", "--auto-approve"], root, proxy.url, journal_dir, 1)
            try:
                assert httpx.get(f"{url}/mode/held-value").json().get("mode") == "IMPORT"
                code, output = cli(root, url, "drift")
                assert "an apply is in progress" in output and f"pid {process.pid}" in output
                assert "mode is IMPORT" not in output, output
                assert code == 2, output  # the version it is registering is not there yet
                code, markdown = cli(root, url, "drift", "-o", "markdown")
                assert code == 2 and "**Note:** an apply is in progress" in markdown, markdown
            finally:
                process.send_signal(signal.SIGKILL)
                process.wait()

        code, output = cli(root, url, "drift")
        assert code == 2, output
        assert "held-value: mode is IMPORT" in output and "interrupted apply" in output
        assert "reconcile apply" in output
        code, markdown = cli(root, url, "drift", "-o", "markdown")
        assert code == 2 and "**Note:** an apply started" in markdown, markdown
        rerun = reconcile(root, url, "apply", "--auto-approve")
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert httpx.get(f"{url}/mode/held-value").json().get("mode") is None
        assert cli(root, url, "drift")[0] == 0


B1, B2 = _record_versions("Tail")
# where the kill lands in the plan set_mode IMPORT, register v1 (id 7), delete_mode,
# register v2: the write held by the proxy, and the steps done when it is held
PINNED_TAIL_KILLS = {
    "before-the-pinned-registration": ("POST", 1),  # IMPORT set, nothing registered
    "before-the-import-ends": ("DELETE", 2),  # version 1 in with id 7, still in IMPORT
}


@pytest.mark.parametrize("case", list(PINNED_TAIL_KILLS))
def test_a_pinned_history_with_an_unpinned_tail_killed_inside_its_import_window(
    tmp_path: Path, case: str
) -> None:
    """The pinned versions go in under a temporary IMPORT that ends before the tail is
    registered (tests/engine/test_id_spaces.py): an apply killed inside that window
    leaves the subject in IMPORT; the next apply ends the IMPORT before it registers
    the tail, which the registry would otherwise refuse, and keeps the pinned id."""
    method, done = PINNED_TAIL_KILLS[case]
    root = tmp_path / "project"
    (root / "specs").mkdir(parents=True)
    (root / "b1.avsc").write_text(B1)
    (root / "b2.avsc").write_text(B2)
    (root / "reconcile.yaml").write_text(
        'version: 1\nregistries:\n  test: {url: "${SR_URL}"}\nspecs: [specs/*.yaml]\n'
    )
    (root / "specs/main.yaml").write_text(
        "subjects:\n  b-value:\n    versions:\n"
        "      - {version: 1, id: 7, schema: ../b1.avsc}\n"
        "      - {version: 2, schema: ../b2.avsc}\n"
    )
    journal_dir = root / ".reconcile/journal"
    with serve_in_thread(tmp_path / "registry.db") as url:

        def hold(seen: Seen) -> Fault:
            return Fault.HOLD if seen.method == method else Fault.FORWARD

        with FaultProxy(url, hold) as proxy:
            _kill_after(["apply", "--auto-approve"], root, proxy.url, journal_dir, done)
        assert httpx.get(f"{url}/mode/b-value").json().get("mode") == "IMPORT"
        versions = httpx.get(f"{url}/subjects/b-value/versions")
        assert versions.json() == [1] if method == "DELETE" else versions.status_code == 404

        code, output = cli(root, url, "plan", "--detailed-exitcode")
        assert code == 2, output
        assert "stopped after" in output
        rerun = reconcile(root, url, "apply", "--auto-approve")
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert "stopped after" in rerun.stderr
        assert in_import(url) == []
        assert httpx.get(f"{url}/mode/b-value").status_code == 404  # no mode of its own
        ids = [httpx.get(f"{url}/subjects/b-value/versions/{v}").json()["id"] for v in (1, 2)]
        assert ids[0] == 7 and ids[1] != 7, ids
        assert cli(root, url, "plan", "--detailed-exitcode")[0] == 0
        killed = sorted(journal_dir.glob("*.jsonl"))[0]
        assert '"event": "recovered"' in killed.read_text()
