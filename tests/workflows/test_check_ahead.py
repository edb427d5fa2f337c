"""Export's check in the process forked before the read with the writer ahead
(``CheckAhead``): it takes the files the writer wrote from the writer's answer, and
anything but a clean load is checked again in the export's process, as with the
child ``ExportCheck`` forks otherwise. A fork copies only the calling thread, and the
check's process imports and loads, so each export runs in a process of its own
(``_EXPORT``), as the CLI runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_export_ahead import _alive

_EXPORT = """
import json, os, signal, sys
from pathlib import Path

from reconciler.registry import SchemaVersion
from reconciler.spec import SpecErrors
from reconciler.workflows import export_ahead, export_check, exported_files, write_specs
from reconciler.workflows import write_project_file
from reconciler.workflows.live import LiveContext, LiveSubject, RegistryContents

out, how = Path(sys.argv[1]), sys.argv[2]
export_check.FORK_FILES = 10**6 if how == "small" else 0


def record(name, version):
    return json.dumps({"type": "record", "name": f"R{version}", "doc": name, "fields": []})


# Names that collide once case-folded: the pages' order makes the writer write two
# files under names the specs give other versions, and one the specs do not name.
subjects = {
    "Topic-value": [SchemaVersion("Topic-value", 1, 1, record("T", 1), "AVRO")],
    "topic-value": [SchemaVersion("topic-value", v, 1 + v, record("t", v), "AVRO") for v in (1, 2)],
    "b-value": [SchemaVersion("b-value", 1, 9, record("b", 1), "AVRO")],
}
if how == "refused":
    subjects["b-value"] = [SchemaVersion("b-value", 1, 9, '{"type": "nope"}', "AVRO")]
contents = RegistryContents("source")
context = contents.contexts["."] = LiveContext(".")
for subject, versions in subjects.items():
    context.subjects[subject] = LiveSubject(subject, tuple(versions))

parent = os.getpid()
if how == "answer":  # the check's process reads an answer with a file more
    answered = export_ahead.FilesAhead._answered_files

    def more(self):
        return {**answered(self), "schemas/default/more.avsc": b"{}"}

    export_ahead.FilesAhead._answered_files = more
load = export_check._load_written


def loading(out, written, known_valid=None):
    if os.getpid() != parent:  # what the check's process takes as the files
        (out.parent / "taken.json").write_text(json.dumps(sorted(written)))
    return load(out, written, known_valid)


export_check._load_written = loading
check_exported = export_check.check_exported


def checked_again(*args, **kwargs):
    (out.parent / "checked-again").touch()
    return check_exported(*args, **kwargs)


export_check.check_exported = checked_again

ahead = export_ahead.FilesAhead(out)
forked = ahead.check.pid
if how == "killed":
    os.kill(forked, signal.SIGKILL)
if how == "writer failed":
    os.kill(ahead._writer, signal.SIGKILL)
for versions in (subjects["topic-value"], subjects["Topic-value"], subjects["b-value"]):
    ahead.page(".", versions)
ahead.read_done()
checks = []


def start(files, types, coming):
    write_project_file(out, "source", {"url": "http://localhost:1"})
    checks.append(
        export_check.ExportCheck(out, files, types, coming, ahead.check, ahead.written()[1])
    )


written = write_specs(
    exported_files(contents, "source", out, history=True),
    out,
    before_schemas=start,
    schemas_rendered=lambda files: checks[0].rendered(files),
    ahead=ahead,
)
check = checks[0]
in_ahead = check.pid is not None and check.pid == forked
try:
    check.result()
    errors = []
except SpecErrors as exc:
    errors = [str(error) for error in exc.errors]
print(json.dumps({
    "in ahead": in_ahead,
    "process left": os.path.exists(f"/proc/{forked}"),
    "files": sorted(written.files),
    "written ahead": len(ahead.written()[0]),
    "errors": errors,
}))
"""


def _export(tmp_path: Path, how: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _EXPORT, str(tmp_path / "out"), how],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _taken(tmp_path: Path) -> list[str]:
    return list(json.loads((tmp_path / "taken.json").read_text()))


def test_the_check_runs_in_the_process_forked_before_the_read(tmp_path: Path) -> None:
    """It takes exactly the files written, at their paths: the writer's (but those it
    wrote under a name the specs give another version, or none), and the others."""
    result = _export(tmp_path, "loads")
    assert result["in ahead"] is True
    assert result["errors"] == []
    assert result["written ahead"] == 3  # of 4, one of them named again by the export
    assert _taken(tmp_path) == result["files"]
    assert not (tmp_path / "checked-again").exists()
    assert result["process left"] is False


def test_a_project_it_refuses_is_reported_by_the_export_itself(tmp_path: Path) -> None:
    result = _export(tmp_path, "refused")
    assert result["in ahead"] is True
    errors = result["errors"]
    assert isinstance(errors, list) and len(errors) == 1
    assert errors[0].startswith("specs/default.yaml:")
    assert "subject 'b-value'" in errors[0]
    assert (tmp_path / "checked-again").exists()


@pytest.mark.parametrize("how", ["killed", "answer"])
def test_a_check_process_killed_or_not_given_the_files_written_is_checked_again(
    tmp_path: Path, how: str
) -> None:
    """Killed before the check, or given an answer that is not the one the export
    read (a file more): the export checks in its own process."""
    result = _export(tmp_path, how)
    assert result["errors"] == []
    assert (tmp_path / "checked-again").exists()
    assert not (tmp_path / "taken.json").exists()


def test_a_writer_that_failed_leaves_the_check_every_file_from_the_export(
    tmp_path: Path,
) -> None:
    result = _export(tmp_path, "writer failed")
    assert result["in ahead"] is True
    assert result["written ahead"] == 0
    assert result["errors"] == []
    assert _taken(tmp_path) == result["files"]
    assert not (tmp_path / "checked-again").exists()


def test_a_small_export_ends_the_process_and_checks_in_its_own(tmp_path: Path) -> None:
    result = _export(tmp_path, "small")
    assert result["in ahead"] is False
    assert result["process left"] is False
    assert result["errors"] == []
    assert not (tmp_path / "taken.json").exists()


# Its own process: a FilesAhead (with its check's process) whose writer is given no
# page yet; prints the check's pid, then waits.
_KILLED = """
import sys, time
from pathlib import Path
from reconciler.workflows import export_ahead

ahead = export_ahead.FilesAhead(Path(sys.argv[1]))
print(ahead.check.pid, flush=True)
time.sleep(600)
"""


def test_the_check_process_ends_once_the_export_is_killed(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", _KILLED, str(tmp_path / "out")], stdout=subprocess.PIPE, text=True
    ) as export:
        try:
            assert export.stdout is not None
            checker = int(export.stdout.readline())
            assert _alive(checker)
        finally:
            export.send_signal(signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _alive(checker):
        assert time.monotonic() < deadline, "the check's process outlived the export"
        time.sleep(0.01)
    assert not os.path.exists(tmp_path / "out" / ".reconcile")
