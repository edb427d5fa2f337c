"""The parse cache: a second load of an unchanged project skips the parses, safely.

Invalidated by content (a schema, a reference, the parser), never by time;
a corrupt, partial or forged cache file is ignored and rewritten; concurrent
writers never leave a partial file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reconciler.spec import SpecErrors, load_project
from reconciler.spec import _cache as cache
from reconciler.spec._cache import CACHE_FILE, ParseCache

from .conftest import ORDER, Write

INVALID = '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "nope"}]}'
PROJECT = {
    "reconcile.yaml": "version: 1\nregistries:\n  local:\n    url: http://localhost:8081\n",
    "specs/app.yaml": textwrap.dedent(
        """\
        registry: local
        subjects:
          order-value:
            schema: ../schemas/order.avsc
          money-value:
            schema: ../schemas/money.avsc
          invoice-value:
            schema: ../schemas/invoice.avsc
            references:
              - {name: bench.Money, subject: money-value, version: latest}
        """
    ),
    "schemas/order.avsc": ORDER,
    "schemas/money.avsc": '{"type": "record", "name": "Money", "namespace": "bench", '
    '"fields": [{"name": "cents", "type": "long"}]}',
    "schemas/invoice.avsc": '{"type": "record", "name": "Invoice", "namespace": "bench", '
    '"fields": [{"name": "total", "type": "bench.Money"}]}',
}


@pytest.fixture(autouse=True)
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The MAC key lives in the user's cache directory: a temporary one here."""
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


def load_cached(root: Path) -> list[str]:
    """Load with the cache; the messages of the errors (none: [])."""
    try:
        load_project(root, parse_cache=True)
    except SpecErrors as exc:
        return [error.message for error in exc.errors]
    return []


def entries(root: Path) -> list[str]:
    return list(json.loads((root / CACHE_FILE).read_text())["valid"])


def test_a_second_load_finds_every_schema_in_the_cache_and_writes_nothing(write: Write) -> None:
    root = write(PROJECT)
    assert load_cached(root) == []
    assert len(entries(root)) == 3
    before = (root / CACHE_FILE).stat()
    opened = ParseCache.open(root)
    for item in entries(root):
        assert opened.known_valid(item)
    assert load_cached(root) == []
    after = (root / CACHE_FILE).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_changed_schema_is_parsed_again(write: Write) -> None:
    root = write(PROJECT)
    assert load_cached(root) == []
    (root / "schemas/order.avsc").write_text(INVALID)
    errors = load_cached(root)
    assert len(errors) == 1 and "order-value" in errors[0] and "nope" in errors[0]
    assert len(entries(root)) == 2  # what the project holds now, nothing older


def test_a_changed_reference_invalidates_the_schema_that_uses_it(write: Write) -> None:
    root = write(PROJECT)
    assert load_cached(root) == []
    # Same invoice text; the type it refers to is now named differently.
    (root / "schemas/money.avsc").write_text(
        '{"type": "record", "name": "Cash", "namespace": "bench", '
        '"fields": [{"name": "cents", "type": "long"}]}'
    )
    errors = load_cached(root)
    assert len(errors) == 1 and "invoice-value" in errors[0] and "bench.Money" in errors[0]


def test_another_parser_is_another_cache(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write(PROJECT)
    assert load_cached(root) == []
    monkeypatch.setattr(cache, "_code_digest", lambda: "another version of the parser")
    assert ParseCache.open(root).known_valid(entries(root)[0]) is False
    assert load_cached(root) == []
    assert json.loads((root / CACHE_FILE).read_text())["code"] == "another version of the parser"


def forge(root: Path, key: bytes) -> None:
    """A cache file saying the (invalid) order schema parses, signed with ``key``."""
    text = (root / "schemas/order.avsc").read_text()
    code = cache._code_digest()
    valid = [cache.entry("AVRO", text, ())]
    doc = {"code": code, "mac": cache._mac(key, code, valid), "valid": valid}
    (root / CACHE_FILE).parent.mkdir(parents=True, exist_ok=True)
    (root / CACHE_FILE).write_text(json.dumps(doc))


@pytest.mark.parametrize(
    "damage",
    [
        "garbage",
        "partial",
        "forged with another key",
        "unsigned",
    ],
)
def test_a_damaged_or_foreign_cache_is_ignored_and_rewritten(write: Write, damage: str) -> None:
    root = write({**PROJECT, "schemas/order.avsc": INVALID})
    assert len(load_cached(root)) == 1
    path = root / CACHE_FILE
    good = path.read_text()
    if damage == "garbage":
        path.write_bytes(b"\x00\xff not json")
    elif damage == "partial":
        path.write_text(good[: len(good) // 2])
    elif damage == "forged with another key":
        forge(root, b"k" * 32)  # e.g. committed to the project by a pull request
    else:
        doc = json.loads(good)
        doc["valid"].append(cache.entry("AVRO", INVALID, ()))
        path.write_text(json.dumps(doc))
    errors = load_cached(root)
    assert len(errors) == 1 and "order-value" in errors[0]  # still parsed, still refused
    assert sorted(entries(root)) == sorted(json.loads(good)["valid"])


def test_the_verdict_of_the_right_key_is_trusted(write: Write) -> None:
    """The other side of the forgery test: the MAC is what decides, not the content."""
    root = write({**PROJECT, "schemas/order.avsc": INVALID})
    key = cache._secret()
    assert key is not None
    forge(root, key)
    assert load_cached(root) == []


def test_a_load_that_cannot_reuse_the_project_cache_still_uses_the_verdicts(
    write: Write,
) -> None:
    """The CI case: ``project.bin`` stale (here: a schema changed), ``schemas.json`` kept.
    The verdicts are still consulted: a verdict of the right key is trusted, not parsed."""
    root = write(PROJECT)
    assert load_cached(root) == []
    assert (root / cache.PROJECT_CACHE_FILE).is_file()
    (root / "schemas/order.avsc").write_text(INVALID)
    key = cache._secret()
    assert key is not None
    forge(root, key)
    assert load_cached(root) == []


def test_without_a_usable_user_cache_nothing_is_cached(
    write: Write, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    root = write(PROJECT)
    assert load_cached(root) == []
    assert not (root / CACHE_FILE).exists()


WRITER = """
import sys
from pathlib import Path
from reconciler.spec._cache import ParseCache

root, tag = Path(sys.argv[1]), sys.argv[2]
for round in range(40):
    cache = ParseCache.open(root)
    for n in range(200):
        cache.add(f"{tag}{round % 2}-{n:04}")
    cache.save()
"""


def test_concurrent_writers_never_leave_a_partial_file(tmp_path: Path) -> None:
    """Two processes saving different verdicts while this one reads: whole files only."""
    root, copy = tmp_path / "project", tmp_path / "copy"
    root.mkdir()
    (copy / CACHE_FILE).parent.mkdir(parents=True)
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(root), tag]) for tag in ("a", "b")
    ]
    seen = set()
    try:
        while any(w.poll() is None for w in writers):
            if (root / CACHE_FILE).exists():
                data = (root / CACHE_FILE).read_bytes()
                valid = json.loads(data)["valid"]  # a partial file would not decode
                assert len(valid) == 200
                seen.add(valid[0][:2])
                (copy / CACHE_FILE).write_bytes(data)
                assert ParseCache.open(copy).known_valid(valid[0])  # and it authenticates
    finally:
        for w in writers:
            w.wait(timeout=60)
    assert [w.returncode for w in writers] == [0, 0]
    assert seen  # the reads overlapped the writes
