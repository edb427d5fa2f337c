"""Apply safety through the CLI: saved plans, interrupted applies, readonly registries."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .conftest import Project, Server

RECORD = '{"type": "record", "name": "R%d", "fields": [{"name": "f", "type": "string"}]}'


def test_a_saved_plan_is_applied_exactly(quickstart: Project, server: Server) -> None:
    saved = quickstart.run("plan", "--out", "plan.json")
    assert saved.returncode == 0, saved.stderr
    applied = quickstart.run("apply", "plan.json", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert quickstart.run("plan", "--detailed-exitcode").returncode == 0


def test_a_stale_saved_plan_is_refused_with_what_changed(
    quickstart: Project, server: Server
) -> None:
    assert quickstart.run("plan", "--out", "plan.json").returncode == 0
    # Someone registers money-value by hand in the meantime.
    money = (quickstart.root / "schemas/money.avsc").read_text()
    httpx.post(server.url + "/subjects/money-value/versions", json={"schema": money})
    writes = len(server.writes())
    refused = quickstart.run("apply", "plan.json", "--auto-approve")
    assert refused.returncode == 1
    assert "changed since the plan was saved" in refused.stderr
    assert "no longer needed: register money-value 1" in refused.stderr
    assert len(server.writes()) == writes


def _pinned_project(project: Project, subjects: int) -> None:
    for n in range(subjects):
        (project.root / f"schemas/r{n}.avsc").parent.mkdir(exist_ok=True)
        (project.root / f"schemas/r{n}.avsc").write_text(RECORD % n)
    lines = ["subjects:"]
    for n in range(subjects):
        lines += [
            f"  s{n}-value:",
            "    versions:",
            f"      - {{version: 1, id: {1000 + n}, schema: ../schemas/r{n}.avsc}}",
        ]
    (project.root / "specs/main.yaml").write_text("\n".join(lines) + "\n")


def _done_steps(project: Project) -> int:
    journals = list((project.root / ".reconcile/journal").glob("*.jsonl"))
    if not journals:
        return 0
    lines = journals[0].read_text().splitlines()
    return sum(1 for line in lines if '"status": "done"' in line)


def test_an_interrupted_apply_is_reported_and_resumed(blank: Project, server: Server) -> None:
    subjects = 60
    _pinned_project(blank, subjects)
    process = blank.start("apply", "--auto-approve")
    # Kill it once every subject is in IMPORT mode and some registrations are done.
    deadline = time.monotonic() + 60
    while _done_steps(blank) < subjects + 10:
        assert process.poll() is None, "apply finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    modes = [httpx.get(f"{server.url}/mode/s{n}-value").json().get("mode") for n in range(3)]
    assert modes == ["IMPORT"] * 3  # the state a killed apply leaves behind

    plan = blank.run("plan", "--output", "json")
    assert "warning: an apply started" in plan.stderr and "stopped after" in plan.stderr
    kinds = [a["kind"] for a in json.loads(plan.stdout)["actions"]]
    assert kinds.count("delete_mode") == subjects  # every temporary IMPORT is restored

    resumed = blank.run("apply", "--auto-approve")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "Apply complete" in resumed.stdout
    assert blank.run("plan", "--detailed-exitcode").returncode == 0
    for n in range(subjects):
        mode = httpx.get(f"{server.url}/mode/s{n}-value?defaultToGlobal=true").json()["mode"]
        assert mode == "READWRITE", n
        version = httpx.get(f"{server.url}/subjects/s{n}-value/versions/1").json()
        assert version["id"] == 1000 + n
    # The journal of the interrupted apply now says who took it over.
    journals = sorted((blank.root / ".reconcile/journal").glob("*.jsonl"))
    assert len(journals) == 2
    assert '"event": "recovered"' in journals[0].read_text()
    assert '"event": "end"' in journals[1].read_text()


def test_a_readonly_registry_is_never_written(blank: Project, server: Server) -> None:
    (blank.root / "reconcile.yaml").write_text(
        'version: 1\nregistries:\n  test: {url: "${SR_URL}", readonly: true}\n'
        "specs: [specs/*.yaml]\n"
    )
    _pinned_project(blank, 2)
    (blank.root / "specs/main.yaml").write_text(
        "compatibility: FULL\nsubjects:\n  s0-value: {schema: ../schemas/r0.avsc}\n"
    )
    planned = blank.run("plan", "--detailed-exitcode")
    assert planned.returncode == 2, planned.stdout + planned.stderr
    assert "readonly" in planned.stdout
    applied = blank.run("apply", "--auto-approve")
    assert applied.returncode == 1
    assert "registry test is readonly (project file); nothing was applied" in applied.stderr
    assert server.writes() == []


# -- the apply session: exit codes, the lock, stale journals ----------------------------


def _invalid_reference_project(project: Project) -> None:
    (project.root / "schemas").mkdir(exist_ok=True)
    (project.root / "schemas/r0.avsc").write_text(RECORD % 0)
    (project.root / "specs/main.yaml").write_text(
        "subjects:\n"
        "  s0-value:\n"
        "    schema: ../schemas/r0.avsc\n"
        "    references: [{name: x, subject: missing-value, version: 3}]\n"
    )


def test_apply_exits_1_when_the_plan_has_errors(blank: Project, server: Server) -> None:
    _invalid_reference_project(blank)
    fresh = blank.run("apply", "--auto-approve")
    assert fresh.returncode == 1, fresh.stdout + fresh.stderr
    assert "Plan failed: 1 error" in fresh.stderr
    saved = blank.run("plan", "--out", "plan.json")
    assert saved.returncode == 1
    from_file = blank.run("apply", "plan.json", "--auto-approve")
    assert from_file.returncode == 1, from_file.stdout + from_file.stderr
    assert "Plan failed: 1 error" in from_file.stderr
    assert server.writes() == []


def _modes(server: Server, subjects: list[str]) -> dict[str, str | None]:
    """Each subject's own mode, read from the registry itself (None: none of its own)."""
    return {s: httpx.get(f"{server.url}/mode/{s}").json().get("mode") for s in subjects}


def test_an_apply_refuses_while_another_holds_the_lock(blank: Project, server: Server) -> None:
    from reconciler.engine.lock import ApplyLock

    _pinned_project(blank, 2)
    with ApplyLock(blank.root / ".reconcile/journal"):
        refused = blank.run("apply", "--auto-approve")
    assert refused.returncode == 1
    assert f"another apply is in progress: pid {os.getpid()}" in refused.stderr
    assert "nothing was applied" in refused.stderr
    assert server.writes() == []
    applied = blank.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr


# Imports reconciler, says it is ready, waits for the go file, then runs ``reconcile ARGS``:
# two of these start their applies within a millisecond of each other.
_AT_THE_SIGNAL = """
import pathlib, sys, time
from reconciler.cli import main
ready, go = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
ready.touch()
while not go.exists():
    time.sleep(0.001)
sys.argv = ["reconcile", *sys.argv[3:]]
main()
"""


def test_two_applies_started_together_one_applies_the_other_refuses(
    blank: Project, server: Server
) -> None:
    _pinned_project(blank, 60)
    go = blank.root / "go"
    command = ["apply", "--auto-approve"]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _AT_THE_SIGNAL, blank.root / f"ready{n}", go, *command],
            cwd=blank.root,
            env=blank.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(2)
    ]
    deadline = time.monotonic() + 60
    while not all((blank.root / f"ready{n}").exists() for n in range(2)):
        assert time.monotonic() < deadline and all(p.poll() is None for p in processes)
        time.sleep(0.01)
    go.touch()
    outputs = [p.communicate(timeout=120) for p in processes]
    codes = sorted(p.returncode for p in processes)
    # Both started at the signal; on a loaded machine one may still have started only
    # after the other had finished (then it finds nothing to do). When they overlapped,
    # the later one refuses (the lock held: the next test makes sure they overlap).
    assert codes in ([0, 1], [0, 0]), outputs
    if codes == [0, 1]:
        refused = next(e for p, (_, e) in zip(processes, outputs, strict=True) if p.returncode)
        assert b"another apply is in progress" in refused
    registrations = [w for w in server.writes() if w["method"] == "POST"]
    assert len(registrations) == 60  # each subject registered once, by one apply
    assert blank.run("plan", "--detailed-exitcode").returncode == 0


def test_an_apply_started_while_another_runs_refuses(blank: Project, server: Server) -> None:
    """The first apply stopped (SIGSTOP) once it has done a step, holding the lock: a
    second one refuses and writes nothing; the first, continued, applies everything."""
    _pinned_project(blank, 60)
    first = blank.start("apply", "--auto-approve", output=subprocess.PIPE)
    _wait_for_steps(blank.root / ".reconcile" / "journal", 1, first)
    first.send_signal(signal.SIGSTOP)
    try:
        writes = _settled(server)  # what the first had sent before it stopped is answered
        second = blank.run("apply", "--auto-approve")
        assert len(server.writes()) == writes
    finally:
        first.send_signal(signal.SIGCONT)
    out, err = first.communicate(timeout=120)
    assert second.returncode == 1, second.stdout + second.stderr
    assert "another apply is in progress" in second.stderr
    assert first.returncode == 0, out + err
    registrations = [w for w in server.writes() if w["method"] == "POST"]
    assert len(registrations) == 60
    assert blank.run("plan", "--detailed-exitcode").returncode == 0


def _settled(server: Server) -> int:
    """The registry's count of writes once it has not changed for 0.5 s."""
    count, since = len(server.writes()), time.monotonic()
    deadline = since + 30
    while time.monotonic() - since < 0.5:
        assert time.monotonic() < deadline
        time.sleep(0.05)
        now = len(server.writes())
        if now != count:
            count, since = now, time.monotonic()
    return count


def _journal_of(project: Project, plan: dict, steps: int, pid: int) -> Path:
    """A journal as an apply with ``pid`` leaves it when killed after ``steps`` steps."""
    directory = project.root / ".reconcile/journal"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"20260101T000000.000000Z-{pid}.jsonl"
    start = {
        "event": "start",
        "time": "2026-01-01T00:00:00.000+00:00",
        "user": "someone",
        "host": socket.gethostname(),
        "pid": pid,
        "recovers": [],
        "plan": plan,
    }
    lines = [json.dumps(start)]
    for index in range(steps):
        lines.append(json.dumps({"event": "step", "index": index, "status": "started"}))
        lines.append(json.dumps({"event": "step", "index": index, "status": "done"}))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_stale_journal_whose_pid_was_reused_does_not_block(
    blank: Project, server: Server
) -> None:
    _pinned_project(blank, 3)
    planned = blank.run("plan", "--output", "json")
    plan = json.loads(planned.stdout)
    assert [a["kind"] for a in plan["actions"]][:3] == ["set_mode"] * 3
    # The apply set IMPORT on s0-value, then died; its pid now belongs to a live,
    # unrelated process (the registry server).
    httpx.put(f"{server.url}/mode/s0-value", json={"mode": "IMPORT"})
    journal = _journal_of(blank, plan, 1, server.process.pid)

    applied = blank.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "another apply is in progress" not in applied.stderr
    assert "stopped after 1 of" in applied.stderr
    assert _modes(server, ["s0-value", "s1-value", "s2-value"]) == dict.fromkeys(
        ["s0-value", "s1-value", "s2-value"]
    )
    assert '"event": "recovered"' in journal.read_text()


def test_an_apply_killed_after_its_last_step_is_taken_over_by_a_run_with_nothing_to_do(
    blank: Project, server: Server
) -> None:
    _pinned_project(blank, 2)
    plan = json.loads(blank.run("plan", "--output", "json").stdout)
    applied = blank.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    for path in (blank.root / ".reconcile/journal").glob("*.jsonl"):
        path.unlink()
    # Every step done, no ``end``: killed between its last step and the end record.
    journal = _journal_of(blank, plan, len(plan["actions"]), 999_999)

    again = blank.run("apply", "--auto-approve")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "stopped after" in again.stderr  # reported once, by the run that takes it over
    assert '"event": "recovered"' in journal.read_text()
    quiet = blank.run("plan", "--detailed-exitcode")
    assert quiet.returncode == 0 and "warning" not in quiet.stderr, quiet.stderr


def _wait_for_steps(path_glob: Path, done: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        journals = list(path_glob.glob("*.jsonl"))
        text = journals[0].read_text() if journals else ""
        if text.count('"status": "done"') >= done:
            return
        assert process.poll() is None, "apply finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_recovery_reads_the_journal_directory_apply_writes(
    blank: Project, server: Server, tmp_path: Path
) -> None:
    subjects = 40
    _pinned_project(blank, subjects)
    journal_dir = tmp_path / "elsewhere"
    process = blank.start("apply", "--auto-approve", "--journal", str(journal_dir))
    _wait_for_steps(journal_dir, subjects + 5, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    names = [f"s{n}-value" for n in range(subjects)]
    # Killed after its 45th step of 120 (IMPORT set on all 40, then registrations): on
    # a loaded machine it may have gone on a little before the kill (restoring a mode
    # or more), but not through the 75 steps left.
    assert "IMPORT" in _modes(server, names).values()

    resumed = blank.run("apply", "--auto-approve", "--journal", str(journal_dir))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "stopped after" in resumed.stderr
    assert set(_modes(server, names).values()) == {None}
    assert blank.run("plan", "--detailed-exitcode").returncode == 0
