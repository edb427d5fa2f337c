"""The file a plan keeps its registrations' answers in (spec/_results.py).

Read whole and authenticated or not at all: a partial, corrupt or foreign file
(another key, another code) gives nothing; what a plan used is what is written,
and a plan that used what was there writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import reconciler.compatibility
import reconciler.confluent
from reconciler.spec import ResultCache, _results

CODE = (reconciler.compatibility,)


@pytest.fixture(autouse=True)
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


def _kept(root: Path, **entries: object) -> None:
    cache = ResultCache(root, CODE, ("avro",))
    for item, value in entries.items():
        assert cache.get(item) is None
        cache.put(item, value)
    cache.save()


def test_what_a_plan_used_is_found_by_the_next_and_not_written_again(tmp_path: Path) -> None:
    _kept(tmp_path, a=[True, [1], []], b=True)
    path = tmp_path / _results.RESULTS_FILE
    before = path.stat()
    cache = ResultCache(tmp_path, CODE, ("avro",))
    assert cache.get("a") == [True, [1], []]
    assert cache.get("b") is True
    cache.save()
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    # A plan that used only one of them keeps only that one.
    cache = ResultCache(tmp_path, CODE, ("avro",))
    assert cache.get("b") is True
    cache.save()
    assert ResultCache(tmp_path, CODE, ("avro",)).get("a") is None


@pytest.mark.parametrize("damage", ["partial", "corrupt", "empty"])
def test_a_damaged_file_is_ignored_and_written_anew(tmp_path: Path, damage: str) -> None:
    _kept(tmp_path, a=True)
    path = tmp_path / _results.RESULTS_FILE
    data = path.read_bytes()
    path.write_bytes(
        {"partial": data[:-5], "corrupt": data.replace(b"true", b"fals"), "empty": b""}[damage]
    )
    assert ResultCache(tmp_path, CODE, ("avro",)).get("a") is None
    _kept(tmp_path, a=True)
    assert ResultCache(tmp_path, CODE, ("avro",)).get("a") is True


def test_a_file_of_other_code_or_another_key_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _kept(tmp_path, a=True)
    assert ResultCache(tmp_path, (reconciler.confluent,), ("avro",)).get("a") is None
    assert ResultCache(tmp_path, CODE, ("avro", "deepdiff")).get("a") is None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    assert ResultCache(tmp_path, CODE, ("avro",)).get("a") is None


def test_the_file_holds_at_most_max_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_results, "MAX_ENTRIES", 2)
    _kept(tmp_path, a=True, b=True, c=True)
    cache = ResultCache(tmp_path, CODE, ("avro",))
    assert [cache.get(item) for item in "abc"] == [True, True, None]


def test_without_a_key_nothing_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    _kept(tmp_path, a=True)
    assert not (tmp_path / _results.RESULTS_FILE).exists()
