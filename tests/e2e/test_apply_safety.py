"""Apply safety through the CLI: saved plans, interrupted applies, readonly registries."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

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
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve"],
        cwd=blank.root,
        env=blank.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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
