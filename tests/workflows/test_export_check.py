"""Export's check shared with a forked child (``ExportCheck``).

The child loads the project back while the export writes its schema files and
parses those without references; it answers by its exit code only, and anything
but a clean load is checked again in the export's process, whose messages are
reported. A fork copies only the calling thread, and the test process serves its
registries from threads, so the forked paths run in a process of their own
(``_CHECK``), as the CLI runs them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.spec._cache import CACHE_FILE
from reconciler.workflows import ExportCheck

from .conftest import Registries, cli, output, register_record

_CHECK = """
import json, os, signal, sys
from pathlib import Path

from reconciler.compatibility import validate
from reconciler.spec import SpecErrors, _checks
from reconciler.workflows import export_check as export

out, how = Path(sys.argv[1]), sys.argv[2]
written = {
    path.relative_to(out).as_posix(): path.read_bytes()
    for folder in ("specs", "schemas")
    for path in (out / folder).rglob("*")
    if path.is_file()
}
if how.endswith("refused"):
    written["schemas/default/b-value.avsc"] = b'{"type": "nope"}'
types = {relative: "AVRO" for relative in written if relative.endswith(".avsc")}
# "arriving": the child is started with the spec file's bytes alone; the schema files'
# come once rendered (``rendered``), as the CLI's export sends them.
coming = sorted(types) if how.startswith("arriving") else []
export.FORK_FILES = 0
parent = os.getpid()
parsed = out.parent / "parsed-by-the-child"

def counted(*args, **kwargs):
    if os.getpid() != parent:
        with parsed.open("a") as file:
            file.write("parsed\\n")
    return validate(*args, **kwargs)

_checks.validate = counted
check_exported = export.check_exported


def checked_again(*args, **kwargs):
    (out.parent / "checked-again").touch()
    return check_exported(*args, **kwargs)


export.check_exported = checked_again
if how == "killed":
    load = export._load_written

    def killed(*args, **kwargs):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return load(*args, **kwargs)

    export._load_written = killed
given = {relative: data for relative, data in written.items() if relative not in coming}
check = export.ExportCheck(out, given, types, coming)
child = check.pid
if coming:
    check.rendered(written)
if how == "cancelled":
    check.cancel()
    try:
        os.waitpid(child, os.WNOHANG)
        left = True
    except ChildProcessError:
        left = False
    print(json.dumps({"forked": child is not None, "child left": left}))
    sys.exit(0)
if how == "symlink":
    target = out.parent / "elsewhere.avsc"
    target.write_bytes(written["schemas/default/a-value.avsc"])
    (out / "schemas/default/a-value.avsc").unlink()
    (out / "schemas/default/a-value.avsc").symlink_to(target)
try:
    check.result()
    errors = []
except SpecErrors as exc:
    errors = [str(error) for error in exc.errors]
print(json.dumps({"forked": child is not None, "errors": errors}))
"""


def _exported(registries: Registries, tmp_path: Path) -> Path:
    url = registries.start("source")
    for fields, subject in enumerate(("a-value", "b-value", "c-value"), 1):
        register_record(url, subject, fields)
    out = tmp_path / "exported"
    exported = cli("export", "--url", url, "--out", out)
    assert exported.exit_code == 0, output(exported)
    (out / CACHE_FILE).unlink()
    return out


def _check(out: Path, how: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _CHECK, str(out), how],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    assert result["forked"]
    return result


def test_the_child_loads_the_project_with_the_verdicts_made_beside_it(
    registries: Registries, tmp_path: Path
) -> None:
    """The schemas without references are parsed by the export's process; the child,
    which loads the project, parses none of them, and keeps every verdict in the
    parse cache for the first plan."""
    out = _exported(registries, tmp_path)
    assert _check(out, "loads") == {"forked": True, "errors": []}
    assert not (tmp_path / "parsed-by-the-child").exists()
    assert not (tmp_path / "checked-again").exists()
    assert len(json.loads((out / CACHE_FILE).read_text())["valid"]) == 3


def test_a_project_the_child_refuses_is_reported_by_the_export_itself(
    registries: Registries, tmp_path: Path
) -> None:
    out = _exported(registries, tmp_path)
    errors = _check(out, "refused")["errors"]
    assert isinstance(errors, list) and len(errors) == 1
    assert errors[0].startswith("specs/default.yaml:")
    assert "subject 'b-value'" in errors[0]


def test_the_schema_files_written_after_the_fork_reach_the_child(
    registries: Registries, tmp_path: Path
) -> None:
    """The child starts before the schema files are rendered; it resolves them from
    the bytes the export hands over once they are written, parsing none itself."""
    out = _exported(registries, tmp_path)
    assert _check(out, "arriving") == {"forked": True, "errors": []}
    assert not (tmp_path / "parsed-by-the-child").exists()
    assert not (tmp_path / "checked-again").exists()
    assert len(json.loads((out / CACHE_FILE).read_text())["valid"]) == 3


def test_a_schema_file_written_after_the_fork_is_checked(
    registries: Registries, tmp_path: Path
) -> None:
    out = _exported(registries, tmp_path)
    errors = _check(out, "arriving-refused")["errors"]
    assert isinstance(errors, list) and len(errors) == 1
    assert "subject 'b-value'" in errors[0]


def test_a_child_killed_costs_only_its_share(registries: Registries, tmp_path: Path) -> None:
    out = _exported(registries, tmp_path)
    assert _check(out, "killed") == {"forked": True, "errors": []}


def test_a_file_not_where_the_child_took_it_is_checked_again(
    registries: Registries, tmp_path: Path
) -> None:
    """The child takes the bytes given as regular files; once they are written the
    export lists their folders, and a symlink out of the project is found there."""
    out = _exported(registries, tmp_path)
    errors = _check(out, "symlink")["errors"]
    assert errors == [
        "specs/default.yaml:9:13: schema path '../schemas/default/a-value.avsc' resolves "
        "outside the project directory"
    ]


def test_an_export_stopped_before_its_check_leaves_no_child(
    registries: Registries, tmp_path: Path
) -> None:
    out = _exported(registries, tmp_path)
    assert _check(out, "cancelled") == {"forked": True, "child left": False}


@pytest.mark.parametrize("files", [0, 10_000])
def test_in_a_process_with_threads_the_check_runs_in_it(
    registries: Registries, tmp_path: Path, files: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This test process serves its registries from threads: no fork, whatever the size."""
    from reconciler.workflows import export_check as export

    out = _exported(registries, tmp_path)
    monkeypatch.setattr(export, "FORK_FILES", files)
    written = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.yaml")}
    check = ExportCheck(out, written, {})
    assert check.pid is None
    check.result()


_CHANNEL = """
import os, sys
from reconciler.workflows import export_check as export

channel = export._Channel(2)
kept = os.dup(channel._memories[0])  # to see the first message's memory once read
pid = os.fork()
if pid == 0:
    channel.receiving()
    first = channel.receive(bytes)
    second = channel.receive(lambda data: bytes(data).decode())
    ok = first == b"abc" * 1000 and second == "verdicts" and os.fstat(kept).st_size == 0
    os._exit(0 if ok else 1)
channel.sending()
channel.send([b"abc"] * 1000)
channel.send([b"verdicts"])
channel.close()
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def test_the_child_frees_each_message_once_read() -> None:
    """What the export hands the child (the schema files' bytes: ~300 MB at 100,000
    subjects x 5 versions) is freed once the child has copied it out, not held
    until the child's exit."""
    done = subprocess.run([sys.executable, "-c", _CHANNEL], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
