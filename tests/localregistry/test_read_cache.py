"""GET answers kept between requests (``_read_cache``) are never older than the last
commit to the data file, whoever made it: this server, or another process serving
the same file."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from reconciler.localregistry import _read_cache, serve_in_thread
from reconciler.localregistry._read_cache import Kept, ReadCache
from reconciler.localregistry._routes import Reply
from reconciler.localregistry._store import Store

from .helpers import other_process

SCHEMA = '{"type":"record","name":"R","fields":[{"name":"a","type":"long"%s}]}'


def _reads(client: httpx.Client) -> list[tuple[int, object]]:
    """What a plan reads of one subject, as (status, body)."""
    paths = [
        "/mode/s-value",
        "/config/s-value",
        "/subjects/s-value/versions",
        "/subjects/s-value/versions/latest",
        "/schemas?subjectPrefix=s-value",
        "/mode",
    ]
    return [(r.status_code, r.json()) for r in (client.get(p) for p in paths)]


def test_reads_see_every_write_of_another_process_on_the_same_file(tmp_path: Path) -> None:
    db = tmp_path / "registry.db"
    Store(db)  # created before two processes open it
    with (
        other_process(db) as other_url,
        serve_in_thread(db) as mine_url,
        httpx.Client(base_url=other_url, timeout=30) as other,
        httpx.Client(base_url=mine_url, timeout=30) as mine,
    ):
        for step in range(4):
            before = _reads(mine)
            assert _reads(mine) == before  # now answered from the kept answers
            mode = ["READONLY", "READWRITE"][step % 2]
            level = ["FULL", "NONE"][step % 2]
            assert other.put("/mode/s-value", json={"mode": "READWRITE"}).status_code == 200
            assert other.put("/config/s-value", json={"compatibility": level}).status_code == 200
            if step % 2:
                body = {"schema": SCHEMA % f', "default": {step}'}
                assert other.post("/subjects/s-value/versions", json=body).status_code == 200
            assert other.put("/mode/s-value", json={"mode": mode}).status_code == 200
            after = _reads(mine)
            assert after == _reads(other)
            assert after[0] == (200, {"mode": mode})
            assert after[1] == (200, {"compatibilityLevel": level})
            assert after != before


def test_reads_see_this_servers_own_writes(tmp_path: Path) -> None:
    with (
        serve_in_thread(tmp_path / "registry.db") as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        for step in range(3):
            before = _reads(client)
            level = ["FULL", "NONE", "BACKWARD"][step]
            assert client.put("/config/s-value", json={"compatibility": level}).status_code == 200
            body = {"schema": SCHEMA % f', "default": {step}'}
            assert client.post("/subjects/s-value/versions", json=body).status_code == 200
            after = _reads(client)
            assert after[1] == (200, {"compatibilityLevel": level})
            assert after[2] == (200, list(range(1, step + 2)))
            assert after != before


def test_kept_answers_stay_within_their_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_read_cache, "MAX_BYTES", 10_000)
    cache = ReadCache(Store(tmp_path / "registry.db"))
    for n in range(200):
        key = (f"/mode/s{n}".encode(), b"", None, None)
        found, version = cache.lookup(key)
        assert found is None
        cache.keep(key, version, Kept(Reply(b"x" * 100, 404), "application/json", None))
    assert cache._bytes <= 10_000
    # the first are kept; once the budget is spent the later are not
    assert cache.lookup((b"/mode/s0", b"", None, None))[0] is not None
    assert cache.lookup((b"/mode/s199", b"", None, None))[0] is None
    big = Kept(Reply(b"x" * _read_cache.MAX_BODY, 200), "application/json", None)
    found, version = cache.lookup((b"/schemas", b"", None, None))
    cache.keep((b"/schemas", b"", None, None), version, big)
    assert cache.lookup((b"/schemas", b"", None, None))[0] is None
    error = Kept(Reply(b"{}", 500), "application/json", None)
    cache.keep((b"/error", b"", None, None), version, error)
    assert cache.lookup((b"/error", b"", None, None))[0] is None


def test_a_scan_larger_than_the_budget_still_finds_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan asks for the same answers in the same order on every run. When they do
    not all fit, the second run must still find those that were kept (dropping the
    oldest to make room would have dropped each just before it was asked for)."""
    monkeypatch.setattr(_read_cache, "MAX_BYTES", 50 * (100 + _read_cache._OVERHEAD))
    cache = ReadCache(Store(tmp_path / "registry.db"))
    keys = [(f"/mode/s{n}".encode(), b"", None, None) for n in range(200)]
    found = []
    for _ in range(2):  # two runs of the same scan, no commit between them
        for key in keys:
            kept, version = cache.lookup(key)
            found.append(kept is not None)
            if kept is None:
                cache.keep(key, version, Kept(Reply(b"x" * 100, 404), "application/json", None))
    assert not any(found[:200])
    assert sum(found[200:]) == 50


class _CountingStore(Store):
    asked = 0

    def data_version(self) -> int:
        self.asked += 1
        return super().data_version()


def test_requests_that_came_before_the_files_version_was_read_share_it(tmp_path: Path) -> None:
    """The file's version is read once for the requests that had all come before it was
    read; a request that came after a commit reads it again and so sees the commit."""
    store = _CountingStore(tmp_path / "registry.db")
    cache = ReadCache(store)
    key = (b"/mode/s-value", b"", None, None)
    came = time.monotonic_ns()
    _, version = cache.lookup(key, came)
    cache.keep(key, version, Kept(Reply(b"{}", 404), "application/json", None))
    assert store.asked == 1
    assert cache.lookup(key, came)[0] is not None  # came before the version was read
    assert store.asked == 1
    with store.write() as conn:  # a commit
        conn.execute("INSERT INTO mode VALUES ('.', 's-value', 'READONLY')")
    assert cache.lookup(key, time.monotonic_ns()) == (None, version + 1)  # came after it
    assert store.asked == 2
    cache.lookup(key)  # no time of arrival (an in-process transport): read every time
    assert store.asked == 3


def test_the_server_tells_when_each_request_came(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int | None] = []
    lookup = ReadCache.lookup

    def spy(self: ReadCache, key: _read_cache.Key, arrived: int | None = None) -> object:
        seen.append(arrived)
        return lookup(self, key, arrived)

    monkeypatch.setattr(ReadCache, "lookup", spy)
    with (
        serve_in_thread(tmp_path / "registry.db") as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        before = time.monotonic_ns()
        client.get("/mode/s-value")
        client.get("/mode/s-value")
    assert len(seen) == 2
    assert all(isinstance(t, int) and before < t < time.monotonic_ns() for t in seen)
