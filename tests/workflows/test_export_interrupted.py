"""An export cut short while it writes leaves a directory the next export takes over.

The export runs as a real process whose file-size limit (``RLIMIT_FSIZE``) falls in
the middle of one schema file, so the kernel stops it at that exact write:

- ``killed``: SIGXFSZ with its default action (a sitecustomize puts it back: Python
  ignores it) kills the process there, as a ``kill -9`` would: no handler, no cleanup;
- ``disk full``: Python's own disposition, the write fails with EFBIG, as it would
  with ENOSPC on a full disk, and the command must say so and stop.

Either way a file is left half-written, others may be new, and the record of what
the last export wrote (``.reconcile/export.json``) is the older one, or none. The
next export, without ``--force``, must take that directory over (the half-written
file is its own, not an edit), remove what the interrupted one wrote for a subject
the registry no longer holds, and leave a project that plans no changes.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from reconciler.workflows.export import MANIFEST, PENDING

from .conftest import Registries, cli, exported_once, output, register_record

LIMIT = 4096  # bytes: above every file of the export but the big schema
# Above the listing page of the big schema (compact JSON), below its indented file.
AHEAD_LIMIT = 26_000


def _export_cut_short(
    url: str, out: Path, how: str, tmp_path: Path, *extra: str, limit: int = LIMIT
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1"}
    if how == "killed":
        site = tmp_path / "site"
        site.mkdir(exist_ok=True)
        (site / "sitecustomize.py").write_text(
            "import signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_DFL)\n"
        )
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "reconciler", "export", "--url", url, "--out", str(out), *extra],
        env=env,
        preexec_fn=limited,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("how", ["killed", "disk full"])
@pytest.mark.parametrize(
    "earlier", [False, True], ids=["into an empty directory", "over an export"]
)
def test_the_next_export_takes_over_what_an_interrupted_one_left(
    registries: Registries, tmp_path: Path, how: str, earlier: bool
) -> None:
    url = registries.start("source")
    for subject in ("a-value", "big-value", "c-value"):
        register_record(url, subject, 1)
    out = tmp_path / "exported"
    if earlier:
        assert cli("export", "--url", url, "--out", out).exit_code == 0
    register_record(url, "a-value", 2)
    register_record(url, "big-value", 150)  # ~6 KB: the write that crosses the limit
    big = out / "schemas/default/big-value.avsc"

    cut = _export_cut_short(url, out, how, tmp_path)
    if how == "killed":
        assert cut.returncode == -signal.SIGXFSZ, cut.stderr
    else:
        assert cut.returncode == 1, cut.stderr
        assert "Traceback" not in cut.stderr
        last = cut.stderr.strip().splitlines()[-1]  # after the reading's progress
        assert last.startswith(f"error: could not write {big}: File too large"), cut.stderr
    assert big.stat().st_size == LIMIT  # half-written
    assert (out / "schemas/default/a-value.avsc").is_file()  # written before it

    # What the interrupted export wrote for a subject the registry no longer holds.
    for path in ("/subjects/a-value", "/subjects/a-value?permanent=true"):
        httpx.delete(url + path).raise_for_status()

    again = cli("export", "--url", url, "--out", out)
    assert again.exit_code == 0, output(again)
    assert "changed since the last export" not in output(again)
    assert json.loads(big.read_text())["fields"][149]["name"] == "f149"
    assert not (out / "schemas/default/a-value.avsc").exists()
    assert set(json.loads((out / MANIFEST).read_text())) == {
        "specs/default.yaml",
        "schemas/default/big-value.avsc",
        "schemas/default/c-value.avsc",
    }
    assert cli("plan", out, "--detailed-exitcode").exit_code == 0


def test_a_file_edited_after_an_export_completed_is_still_protected(
    registries: Registries, tmp_path: Path
) -> None:
    """What the interrupted export was writing is taken over; nothing else is."""
    url, out = exported_once(registries, tmp_path, "a-value", "big-value", "c-value")
    register_record(url, "big-value", 150)
    cut = _export_cut_short(url, out, "disk full", tmp_path)
    assert cut.returncode == 1, cut.stderr
    edited = out / "notes.txt"  # a file of the user's, which no export writes
    edited.write_text("mine\n")
    again = cli("export", "--url", url, "--out", out)
    assert again.exit_code == 0, output(again)
    assert edited.read_text() == "mine\n"
    register_record(url, "c-value", 2)
    schema = out / "schemas/default/c-value.avsc"
    schema.write_text(schema.read_text().replace('"R"', '"Edited"'))
    refused = cli("export", "--url", url, "--out", out)
    assert refused.exit_code == 1
    assert f"changed since the last export: {schema}" in refused.stderr


def test_a_record_of_an_interrupted_export_names_only_files_an_export_writes(
    registries: Registries, tmp_path: Path
) -> None:
    """A damaged or tampered record never makes an export remove a file of the user's."""
    url, out = exported_once(registries, tmp_path, "a-value")
    mine, outside = out / "notes.txt", tmp_path / "victim.txt"
    for path in (mine, outside):
        path.write_text("mine\n")
    (out / PENDING).write_text(json.dumps(["notes.txt", "schemas/../../victim.txt"]))
    assert cli("export", "--url", url, "--out", out).exit_code == 0
    assert mine.read_text() == outside.read_text() == "mine\n"
    assert not (out / PENDING).exists()


def test_an_export_of_one_context_keeps_what_a_cut_short_one_wrote_in_the_others(
    registries: Registries, tmp_path: Path
) -> None:
    url = registries.start("source")
    register_record(url, "a-value", 1)
    register_record(url, ":.sales:big-value", 150)
    out = tmp_path / "exported"
    cut = _export_cut_short(url, out, "disk full", tmp_path)
    assert cut.returncode == 1, cut.stderr
    assert (out / "schemas/default/a-value.avsc").is_file()  # the default context's, written
    cut = _export_cut_short(url, out, "disk full", tmp_path, "--context", "sales")  # again
    assert cut.returncode == 1, cut.stderr
    sales = cli("export", "--url", url, "--out", out, "--context", "sales")
    assert sales.exit_code == 0, output(sales)
    register_record(url, "a-value", 2)
    again = cli("export", "--url", url, "--out", out)
    assert again.exit_code == 0, output(again)
    assert not (out / PENDING).exists()
    assert cli("plan", out, "--detailed-exitcode").exit_code == 0


@pytest.mark.parametrize("how", ["killed", "disk full"])
def test_an_export_with_history_cut_short_while_it_writes_ahead_is_taken_over(
    registries: Registries, tmp_path: Path, how: str
) -> None:
    """Into a new directory, ``--history`` writes the schema files as the listing's
    pages arrive (``FilesAhead``), by a process of their own: cut short there (its
    process killed, or its write refused), the export writes every file itself and
    stops or dies at that write all the same, and the next one takes over. (The
    limit lets the page through, in memory the export hands the writer: memory
    files count against it too.)"""
    url = registries.start("source")
    for subject, fields in (("a-value", 1), ("big-value", 1), ("big-value", 400), ("c-value", 1)):
        register_record(url, subject, fields)
    out = tmp_path / "exported"
    big = out / "schemas/default/big-value.v2.avsc"

    cut = _export_cut_short(url, out, how, tmp_path, "--history", limit=AHEAD_LIMIT)
    if how == "killed":
        assert cut.returncode == -signal.SIGXFSZ, cut.stderr
    else:
        assert cut.returncode == 1, cut.stderr
        assert "Traceback" not in cut.stderr
        last = cut.stderr.strip().splitlines()[-1]
        assert last.startswith(f"error: could not write {big}: File too large"), cut.stderr
    assert big.stat().st_size == AHEAD_LIMIT  # half-written
    assert (out / "schemas/default/a-value.v1.avsc").is_file()  # written before it

    again = cli("export", "--url", url, "--out", out, "--history")
    assert again.exit_code == 0, output(again)
    assert "changed since the last export" not in output(again)
    assert json.loads(big.read_text())["fields"][149]["name"] == "f149"
    assert not (out / PENDING).exists()
    assert cli("plan", out, "--detailed-exitcode").exit_code == 0


@pytest.mark.parametrize(
    "record",
    [b"", b'["schemas/default/old.avsc"]\n', b'["schemas/default/old.avsc"]\n["schemas/def'],
    ids=["none", "whole", "its last line cut short"],
)
def test_what_an_export_writes_is_on_record_before_its_first_write(
    tmp_path: Path, record: bytes
) -> None:
    """Added to the record left there (by an export cut short, or the writer ahead) in a
    line of its own: after a line cut short too, which stays unread."""
    from reconciler.workflows import export_files, write_specs
    from reconciler.workflows.export import _pending

    from .test_yaml_writer import bench_spec

    if record:
        (tmp_path / PENDING).parent.mkdir()
        (tmp_path / PENDING).write_bytes(record)
    files = export_files((bench_spec(3, contracts=False),))

    class Stop(Exception):
        pass

    def cut_short(*args: object) -> None:
        assert (tmp_path / "specs/default.yaml").is_file()  # written: on record before
        assert _pending(tmp_path) == {*files.specs, *files.schemas} | (
            {"schemas/default/old.avsc"} if record else set()
        )
        raise Stop

    with pytest.raises(Stop):
        write_specs(files, tmp_path, before_schemas=cut_short)
