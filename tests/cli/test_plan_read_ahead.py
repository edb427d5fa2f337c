"""``reconcile plan`` reads ahead what the last plan read (cli/_read_ahead.py): the same
plan as without, byte for byte, whatever changed in the registry since; the remembered
targets are authenticated and hold no credentials."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from served_process import free_port, serve

from reconciler.localregistry import serve_in_thread
from reconciler.registry import RegistryClient

from .conftest import V1, reconcile, write_project

READS = Path(".reconcile/cache/reads.json")
AUTH = ", auth: {basic: {username: user, password: '${USERPW}'}}"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(tmp_path / "served.db") as url:
        yield url


def _project(root: Path, url: str, subjects: int, auth: str = "") -> Path:
    specs = "".join(
        f"  s{n}-value: {{schema: ../schemas/order.avsc, mode: READWRITE}}\n"
        for n in range(subjects)
    )
    return write_project(
        root,
        {
            "reconcile.yaml": f"version: 1\nregistries:\n  dev: {{url: '{url}'{auth}}}\n",
            "specs/orders.yaml": f"compatibility: BACKWARD\nsubjects:\n{specs}",
            "schemas/order.avsc": V1,
        },
    )


async def _change(url: str) -> None:
    async with RegistryClient(url) as client:
        await client.delete_subject("s0-value")
        await client.register("extra-value", V1)
        await client.set_mode("READONLY", "s2-value")
        await client.set_config("NONE")


def _plan(project: Path, env: dict[str, str], ahead: bool) -> str:
    result = reconcile(
        "plan", ".", "-o", "json", cwd=project, env={**env, "RECONCILE_READ_AHEAD": str(int(ahead))}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_plans_with_and_without_read_ahead_are_the_same(
    project: Path, served: str, tmp_path: Path
) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "user-cache"), "USERPW": "s3cret"}
    _project(project, served, 4, AUTH)
    applied = reconcile("apply", ".", "--auto-approve", cwd=project, env=env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    _plan(project, env, ahead=True)  # remembers
    kept = (project / READS).read_bytes()
    unchanged = (project / READS).stat().st_mtime_ns
    _plan(project, env, ahead=True)  # the same reads: the file is left as it is
    assert (project / READS).stat().st_mtime_ns == unchanged
    assert b"/mode/s3-value" in kept and b"s3cret" not in kept and b"user" not in kept

    # The registry changes behind the remembered list (a subject deleted, one added, a
    # mode and the global level changed), and the specs too (one more subject).
    asyncio.run(_change(served))
    _project(project, served, 5, AUTH)

    stamp = (project / READS).stat().st_mtime_ns
    with_ahead = _plan(project, env, ahead=True)
    without = _plan(project, env, ahead=False)
    assert json.loads(with_ahead)["actions"]  # the changes are planned
    assert with_ahead == without
    assert (project / READS).stat().st_mtime_ns != stamp  # s4's reads now remembered too
    assert b"/mode/s4-value" in (project / READS).read_bytes()


def test_a_tampered_or_foreign_file_is_ignored(project: Path, served: str, tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "user-cache")}
    _project(project, served, 2)
    assert reconcile("apply", ".", "--auto-approve", cwd=project, env=env).returncode == 0
    first = _plan(project, env, ahead=True)
    path = project / READS
    mac, body = path.read_bytes().split(b"\n", 1)
    path.write_bytes(mac + b"\n" + body.replace(b"/mode/s1-value", b"/subjects/s1-value"))
    assert _plan(project, env, ahead=True) == first
    assert b"/mode/s1-value" in path.read_bytes()  # written anew
    foreign = {"XDG_CACHE_HOME": str(tmp_path / "another-user")}
    assert _plan(project, foreign, ahead=True) == first


# An edit that leaves the project with an error: its file, what it replaces, with
# what, and what the plan then reports.
ERRORS = [
    pytest.param("specs/orders.yaml", "BACKWARD", "SIDEWAYS", "SIDEWAYS", id="in-a-spec"),
    pytest.param(
        "schemas/order.avsc", '"string"', '"strin"', "invalid Avro schema", id="in-a-schema"
    ),
]


@pytest.mark.parametrize(("edited", "old", "new", "reported"), ERRORS)
def test_a_project_with_spec_errors_contacts_no_registry(
    project: Path, tmp_path: Path, edited: str, old: str, new: str, reported: str
) -> None:
    """Even with reads remembered: the read-ahead starts only once the project is known
    to load without errors. An edited project is not proven by the kept one: it loads in
    full, and its read-ahead starts only once that load found no error (an invalid
    level by the spec's validation, a schema file that no longer parses by the load's
    checks), before any request."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "user-cache")}
    log = tmp_path / "requests.log"
    with serve_in_thread(tmp_path / "served.db", request_log=log) as url:
        _project(project, url, 2)
        assert reconcile("apply", ".", "--auto-approve", cwd=project, env=env).returncode == 0
        _plan(project, env, ahead=True)
        _plan(project, env, ahead=True)  # warm: reads remembered, the project kept
        assert (project / READS).is_file()
        before = log.read_text()
        path = project / edited
        path.write_text(path.read_text().replace(old, new))
        result = reconcile("plan", ".", cwd=project, env=env)
        assert result.returncode == 1 and reported in result.stderr
        assert log.read_text() == before


def _kill_while_planning(project: Path, db: Path, env: dict[str, str]) -> str:
    """Plan against a registry process stopped before the plan starts (its connections
    are accepted by the kernel, nothing is answered) and killed (SIGKILL) while the plan
    waits: what the plan reports."""
    port = free_port()
    process = serve(db, port)
    try:
        _project(project, f"http://127.0.0.1:{port}", 2)
        os.kill(process.pid, signal.SIGSTOP)
        plan = subprocess.Popen(
            [sys.executable, "-m", "reconciler", "plan", "."],
            cwd=project,
            env={"PATH": os.environ.get("PATH", ""), "NO_COLOR": "1", **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        time.sleep(1.0)  # the plan has loaded and sent (ahead, or its own first reads)
        os.kill(process.pid, signal.SIGKILL)
        output, _ = plan.communicate(timeout=120)
        assert plan.returncode == 1, output
        return output.replace(str(port), "PORT")
    finally:
        process.kill()
        process.wait()


def test_a_registry_killed_during_the_read_ahead(project: Path, tmp_path: Path) -> None:
    """The plan reports what it reports without read-ahead."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "user-cache")}
    with serve_in_thread(tmp_path / "served.db") as url:
        _project(project, url, 2)
        assert reconcile("apply", ".", "--auto-approve", cwd=project, env=env).returncode == 0
    db = tmp_path / "served.db"
    _plan_on(project, db, env)  # remembered, for a registry on another port
    assert (project / READS).is_file()
    with_ahead = _kill_while_planning(project, db, env)
    without = _kill_while_planning(project, db, {**env, "RECONCILE_READ_AHEAD": "0"})
    # Which of the two first reads (global config and mode, sent at once) fails last
    # depends on the retries' random jitter, with read-ahead or without: the report
    # names one of them.
    first_reads = re.compile(r"\(GET /(config|mode)\)$", re.MULTILINE)
    assert first_reads.search(with_ahead) and first_reads.search(without)
    assert "connection refused after 5 attempts" in with_ahead
    assert first_reads.sub("(GET ...)", with_ahead) == first_reads.sub("(GET ...)", without)


def _plan_on(project: Path, db: Path, env: dict[str, str]) -> None:
    port = free_port()
    process = serve(db, port)
    try:
        _project(project, f"http://127.0.0.1:{port}", 2)
        _plan(project, env, ahead=True)
        _plan(project, env, ahead=True)  # warm: the read-ahead starts once proven
    finally:
        process.kill()
        process.wait()


def _remembered(project: Path) -> dict[str, list[str]]:
    reads: dict[str, list[str]] = json.loads((project / READS).read_bytes().split(b"\n", 1)[1])[
        "reads"
    ]
    return reads


def test_nothing_is_read_ahead_from_a_url_failed_over_from(
    project: Path, served: str, tmp_path: Path
) -> None:
    """A plan whose client failed over to the next of ``urls`` sent its first URL only the
    reads before it failed: the next plan reads nothing ahead from that URL, and a plan
    that URL answers alone is remembered whole again."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "user-cache")}
    _project(project, served, 2)
    assert reconcile("apply", ".", "--auto-approve", cwd=project, env=env).returncode == 0
    _plan(project, env, ahead=True)
    assert "/mode/s1-value" in _remembered(project)["dev"]
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there: refused
    path = project / "reconcile.yaml"
    path.write_text(f"version: 1\nregistries:\n  dev: {{urls: ['{down}', '{served}']}}\n")
    _plan(project, env, ahead=True)  # remembered for the first URL: refused, failed over
    assert "dev" not in _remembered(project)
    path.write_text(f"version: 1\nregistries:\n  dev: {{urls: ['{served}', '{down}']}}\n")
    _plan(project, env, ahead=True)
    assert "/mode/s1-value" in _remembered(project)["dev"]
