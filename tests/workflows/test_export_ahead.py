"""The schema files an ``export --history`` into a new directory writes while the
registry is still read, by a process of their own (``FilesAhead``): the same project,
whatever the order."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.registry import SchemaVersion
from reconciler.workflows import (
    EditedFilesError,
    FilesAhead,
    export_ahead,
    exported_files,
    write_specs,
)
from reconciler.workflows.export import MANIFEST, PENDING, ExportWriteError
from reconciler.workflows.export_check import CheckAhead
from reconciler.workflows.live import LiveContext, LiveSubject, RegistryContents


def _version(subject: str, version: int, schema_type: str = "AVRO") -> SchemaVersion:
    if schema_type == "PROTOBUF":
        text = f'syntax = "proto3";\nmessage M{version} {{ int32 a = 1; }}'
    else:
        text = json.dumps({"type": "record", "name": f"R{version}", "doc": subject, "fields": []})
    return SchemaVersion(subject, version, hash((subject, version)) % 10_000, text, schema_type)


# Names that collide once made safe (a space) or case-folded: which one is written
# under the plain name depends on the order the versions are named in.
SUBJECTS = {
    "a b-value": [_version("a b-value", 1)],
    "a_b-value": [_version("a_b-value", 1), _version("a_b-value", 2)],
    "Topic-value": [_version("Topic-value", 1)],
    "topic-value": [_version("topic-value", 1), _version("topic-value", 2, "PROTOBUF")],
    ":.sales:orders-value": [_version(":.sales:orders-value", 1)],
}


def _contents() -> RegistryContents:
    contents = RegistryContents("source")
    for context in (".", ".sales"):
        contents.contexts[context] = LiveContext(context)
    for subject, versions in SUBJECTS.items():
        context, _, name = subject.rpartition(":")
        ctx = contents.contexts[context.lstrip(":") or "."]
        ctx.subjects[name] = LiveSubject(name, tuple(versions))
    return contents


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``into`` forks its writer, as in the CLI's single thread, although this test
    process may hold other threads (left by other tests): the writer only renders and
    writes files, and takes no lock another thread could hold. The check's process
    ``FilesAhead`` forks first is ended after the test: none checks here (see
    test_check_ahead.py)."""
    monkeypatch.setattr(export_ahead.threading, "active_count", lambda: 1)
    forked: list[CheckAhead] = []

    class Recorded(CheckAhead):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            forked.append(self)

    monkeypatch.setattr(export_ahead, "CheckAhead", Recorded)
    yield
    for check in forked:
        check.cancel()


def _written_ahead(root: Path, files: int) -> None:
    """Wait for the writer to have written ``files`` files."""
    deadline = time.monotonic() + 30
    while sum(len(os.listdir(d)) for d in (root / "schemas").glob("*") if d.is_dir()) < files:
        assert time.monotonic() < deadline
        time.sleep(0.01)


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and "cache" not in p.parts
    }


def test_files_written_ahead_in_any_order_make_the_same_project(
    tmp_path: Path, forking: None
) -> None:
    """Pages in the reverse of the specs' order: the files written ahead under a name
    the specs give another version are written again, or removed, by ``write_specs``
    (once the writer is done)."""
    contents = _contents()
    plain, ahead_root = tmp_path / "plain", tmp_path / "ahead"
    expected = write_specs(exported_files(contents, "source", plain, history=True), plain)
    ahead = FilesAhead.into(ahead_root, history=True)
    assert ahead is not None
    for context, versions in [
        (".sales", SUBJECTS[":.sales:orders-value"]),
        (".", SUBJECTS["topic-value"] + SUBJECTS["Topic-value"]),
        (".", SUBJECTS["a_b-value"] + SUBJECTS["a b-value"]),
    ]:
        ahead.page(context, versions)
    ahead.read_done()
    written = write_specs(
        exported_files(contents, "source", ahead_root, history=True), ahead_root, ahead=ahead
    )
    assert written.files == expected.files
    assert _files(ahead_root) == _files(plain)
    assert not (ahead_root / PENDING).exists()
    # Each name's first claim, 3 of the default context's 6: written ahead, and for
    # two of them under the name the specs give another version.
    files, rendered = ahead.written()
    assert len(files) == len(rendered) == 5
    mine = files["schemas/default/a_b-value.v1.avsc"].render()
    assert rendered["schemas/default/a_b-value.v1.avsc"] == mine
    assert written.files["schemas/default/a_b-value.v1.avsc"] != mine
    assert "schemas/default/topic-value.v1.avsc" in files
    assert "schemas/default/topic-value.v1.avsc" not in written.files


def test_what_the_writer_could_not_write_is_written_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forking: None
) -> None:
    """The writer stops at a file it cannot write: it has written nothing as far as
    the export knows, and ``write_specs`` writes all (and would meet the error itself)."""
    contents = _contents()
    parent = os.getpid()
    write = export_ahead.write_file

    def failing(path: str, data: bytes, flags: int, folder: int | None = None) -> None:
        if os.getpid() != parent and path == "topic-value.v2.proto":
            raise OSError(28, "full")
        write(path, data, flags, folder)

    monkeypatch.setattr(export_ahead, "write_file", failing)
    ahead = FilesAhead.into(tmp_path, history=True)
    assert ahead is not None
    ahead.page(".", SUBJECTS["topic-value"] + SUBJECTS["a_b-value"])
    ahead.page(".", SUBJECTS["Topic-value"])
    ahead.read_done()
    assert ahead.written() == ({}, {})
    assert (tmp_path / "schemas/default/topic-value.v1.avsc").is_file()  # before the failure
    written = write_specs(
        exported_files(contents, "source", tmp_path, history=True), tmp_path, ahead=ahead
    )
    assert _files(tmp_path) == {
        **{r: data for r, data in written.files.items()},
        MANIFEST.as_posix(): (tmp_path / MANIFEST).read_bytes(),
    }


def test_a_writer_killed_leaves_every_file_to_the_export(tmp_path: Path, forking: None) -> None:
    contents = _contents()
    plain, root = tmp_path / "plain", tmp_path / "ahead"
    expected = write_specs(exported_files(contents, "source", plain, history=True), plain)
    ahead = FilesAhead.into(root, history=True)
    assert ahead is not None
    assert ahead._writer is not None
    os.kill(ahead._writer, signal.SIGKILL)
    for context, versions in [
        (".", SUBJECTS["topic-value"]),
        (".sales", SUBJECTS[":.sales:orders-value"]),
    ]:
        ahead.page(context, versions)  # the writer is gone: nothing to hand them to
    assert ahead.written() == ({}, {})
    written = write_specs(exported_files(contents, "source", root, history=True), root, ahead=ahead)
    assert written.files == expected.files
    assert _files(root) == _files(plain)


def test_an_export_cut_short_while_writing_ahead_is_taken_over(
    tmp_path: Path, forking: None
) -> None:
    """Each page's files are recorded as pending before they are written: a record
    cut short in its last line names files none of which was written."""
    contents = _contents()
    ahead = FilesAhead.into(tmp_path, history=True)
    assert ahead is not None
    ahead.page(".", SUBJECTS["topic-value"])
    assert len(ahead.written()[0]) == 2
    with (tmp_path / PENDING).open("ab") as record:
        record.write(b'["schemas/default/Topic-va')  # the next page's line, cut short
    half = tmp_path / "schemas/default/topic-value.v2.proto"
    half.write_bytes(half.read_bytes()[:10])
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs/default.yaml").write_text("# half an earlier spec\n")  # not pending
    with pytest.raises(EditedFilesError):  # not written ahead: never overwritten
        write_specs(exported_files(contents, "source", tmp_path, history=True), tmp_path)
    (tmp_path / "specs/default.yaml").unlink()
    written = write_specs(exported_files(contents, "source", tmp_path, history=True), tmp_path)
    assert half.read_bytes() == written.files["schemas/default/topic-value.v2.proto"]
    assert set(json.loads((tmp_path / MANIFEST).read_text())) == set(written.files)


def test_only_an_export_with_history_into_a_new_directory_writes_ahead(
    tmp_path: Path, forking: None
) -> None:
    assert FilesAhead.into(tmp_path / "new", history=False) is None
    for there in ("reconcile.yaml", "specs", "schemas", ".reconcile"):
        root = tmp_path / there.strip(".")
        (root / there).mkdir(parents=True)
        assert FilesAhead.into(root, history=True) is None
    ahead = FilesAhead.into(tmp_path / "new", history=True)
    assert ahead is not None
    ahead.read_done()
    assert ahead.written() == ({}, {})


def test_what_was_written_ahead_is_removed_when_the_read_fails(
    tmp_path: Path, forking: None
) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    ahead = FilesAhead.into(tmp_path, history=True)
    assert ahead is not None
    ahead.page(".", SUBJECTS["topic-value"])
    ahead.page(".sales", SUBJECTS[":.sales:orders-value"])
    _written_ahead(tmp_path, 3)
    ahead.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_file_that_could_not_be_written_ahead_is_met_by_the_export(
    tmp_path: Path, forking: None
) -> None:
    contents = _contents()
    ahead = FilesAhead.into(tmp_path, history=True)
    assert ahead is not None
    (tmp_path / "schemas").write_text("a file where the folder goes\n")
    ahead.page(".", SUBJECTS["topic-value"])
    assert ahead.written() == ({}, {})
    with pytest.raises(ExportWriteError, match=r"could not write .*schemas/default"):
        write_specs(
            exported_files(contents, "source", tmp_path, history=True), tmp_path, ahead=ahead
        )


def test_with_other_threads_running_nothing_is_written_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fork copies the calling thread only: with others alive (an MCP server's, say),
    every file is left to ``write_specs``."""
    monkeypatch.setattr(export_ahead.threading, "active_count", lambda: 2)
    assert FilesAhead.into(tmp_path / "ahead", history=True) is None


# Its own process: a FilesAhead whose writer is slowed to a file per 2 ms by the
# injected ``_create``, over 5,000 versions; prints the writer's pid, then waits.
KILLED_DRIVER = """
import os, sys, time
from pathlib import Path
from reconciler.registry import SchemaVersion
from reconciler.workflows import export_ahead

write = export_ahead.write_file
def slow(*args):
    time.sleep(0.002)
    write(*args)
export_ahead.write_file = slow
ahead = export_ahead.FilesAhead(Path(sys.argv[1]))
versions = [SchemaVersion(f"s{n}-value", 1, n, '"string"', "AVRO") for n in range(5000)]
ahead.page(".", versions)
print(ahead._writer, flush=True)
time.sleep(600)
"""


def test_the_writer_stops_once_the_export_is_killed(tmp_path: Path) -> None:
    """``kill -9`` of the export alone: its writer does not go on writing beside whatever
    runs next in that directory (the next export takes the files named pending over)."""
    import subprocess
    import sys

    root = tmp_path / "out"
    with subprocess.Popen(
        [sys.executable, "-c", KILLED_DRIVER, str(root)], stdout=subprocess.PIPE, text=True
    ) as export:
        try:
            assert export.stdout is not None
            writer = int(export.stdout.readline())
            _written_ahead(root, 50)  # the writer is writing
        finally:
            export.send_signal(signal.SIGKILL)
    folder = root / "schemas" / "default"
    deadline = time.monotonic() + 5
    while _alive(writer):
        assert time.monotonic() < deadline, "the writer outlived the export"
        time.sleep(0.01)
    assert len(os.listdir(folder)) < 5000


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, an orphan's end not yet reaped by init, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
