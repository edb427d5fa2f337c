"""GET /schemas: every page is a slice of the one big listing, in the documented order.

The pages come from one SQL query each (ORDER BY ... LIMIT ... OFFSET ...);
the oracle here is the listing as the registry computed it before: every
version read in order and filtered in Python with ``prefix_matcher``.
"""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import httpx
import pytest

from reconciler.localregistry import create_app
from reconciler.localregistry._contexts import Subject, prefix_matcher
from reconciler.localregistry._store import _LAYOUT_VERSION as LAYOUT_VERSION

from .conftest import _CurrentApp
from .helpers import avro_record, register

PREFIXES = [None, "", ":*:", ":*:a", "a", "ab", ":.ctx:", ":.ctx:a", ":.", ":.ct", ":.:", "zz"]


def _populate(sr: httpx.Client) -> None:
    """Several contexts, shared IDs, soft-deleted versions and a soft-deleted subject."""
    assert sr.put("/config", json={"compatibility": "NONE"}).status_code == 200
    for context in (":.ctx:", ":.ctx2:"):
        assert sr.put(f"/config/{context}", json={"compatibility": "NONE"}).status_code == 200
    names = ["b-value", "a-value", "ab-value", ":.ctx:a-value", ":.ctx:b-value", ":.ctx2:a"]
    for round_, (index, name) in itertools.product(range(4), enumerate(names)):
        register(sr, name, avro_record(f"R{round_}", ("f", "int")))  # IDs shared across subjects
        register(sr, name, avro_record(f"S{round_}_{index}", ("g", "long")))
    for subject, version in [("a-value", 3), ("b-value", 8), (":.ctx:a-value", 1)]:
        assert sr.delete(f"/subjects/{subject}/versions/{version}").status_code == 200
    assert sr.delete("/subjects/ab-value").status_code == 200


def _oracle(db: Path, prefix: str | None, deleted: bool, latest_only: bool) -> list[tuple]:
    matches = prefix_matcher(":*:" if prefix is None else prefix)
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT context, subject, version, schema_id FROM versions "
            "WHERE (? OR deleted=0) ORDER BY context, schema_id, subject, version",
            (deleted,),
        ).fetchall()
    found = [r for r in rows if matches(Subject(r[0], r[1]))]
    if latest_only:
        latest: dict[tuple[str, str], int] = {}
        for context, subject, version, _ in found:
            latest[context, subject] = max(version, latest.get((context, subject), 0))
        found = [r for r in found if latest[r[0], r[1]] == r[2]]
    return [(Subject(c, s).qualified, v, i) for c, s, v, i in found]


def _listing(sr: httpx.Client, **params: object) -> list[dict]:
    response = sr.get("/schemas", params={k: v for k, v in params.items() if v is not None})
    assert response.status_code == 200, response.text
    return response.json()


def test_pages_are_slices_of_the_whole_listing(sr: httpx.Client, db_path: Path) -> None:
    _populate(sr)
    for prefix, deleted, latest_only in itertools.product(PREFIXES, [False, True], [False, True]):
        flags = {"deleted": str(deleted).lower(), "latestOnly": str(latest_only).lower()}
        whole = _listing(sr, subjectPrefix=prefix, **flags)
        assert [(s["subject"], s["version"], s["id"]) for s in whole] == _oracle(
            db_path, prefix, deleted, latest_only
        ), (prefix, deleted, latest_only)
        for size in (1, 2, 3, 7, len(whole) or 1, len(whole) + 5):
            pages = [
                _listing(sr, subjectPrefix=prefix, offset=offset, limit=size, **flags)
                for offset in range(0, len(whole) + size, size)
            ]
            assert [s for page in pages for s in page] == whole, (prefix, size)
            assert all(len(page) == size for page in pages[: len(whole) // size])


def test_listing_keeps_offset_and_limit_edge_cases(sr: httpx.Client) -> None:
    _populate(sr)
    whole = _listing(sr)
    assert _listing(sr, limit=-1) == whole
    assert _listing(sr, limit=0) == []
    assert _listing(sr, offset=-3, limit=2) == whole[:2]
    assert _listing(sr, offset=len(whole)) == []
    assert _listing(sr, offset=4) == whole[4:]


_LAYOUT_1_INDEX = "CREATE INDEX versions_id ON versions (context, schema_id)"


@pytest.mark.parametrize("layout", [0, 1])
def test_older_files_get_the_listing_index(
    _shared_server: tuple[str, _CurrentApp], _client: httpx.Client, tmp_path: Path, layout: int
) -> None:
    _url, current = _shared_server
    path = tmp_path / "old.db"
    current.app = create_app(path)
    try:
        _populate(_client)
        before = _listing(_client, deleted="true")
        with sqlite3.connect(path) as conn:
            conn.execute("DROP INDEX versions_listing")
            conn.execute(_LAYOUT_1_INDEX)
            conn.execute(f"PRAGMA user_version={layout}")
        current.app = create_app(path)
        with sqlite3.connect(path) as conn:
            indexes = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")
            }
            assert conn.execute("PRAGMA user_version").fetchone()[0] == LAYOUT_VERSION
        assert "versions_listing" in indexes and "versions_id" not in indexes
        assert _listing(_client, deleted="true") == before
    finally:
        current.app = None


def test_paging_on_after_a_write_sees_the_new_listing(sr: httpx.Client) -> None:
    """Pages are cut after the key where the previous page ended (keyset), but a write
    in between must not leave the next page on a stale key: it is the new listing's
    slice at that offset, as an OFFSET query would give."""
    _populate(sr)
    first = _listing(sr, offset=0, limit=5)
    assert len(first) == 5
    # a version that sorts before the end of the first page shifts everything after it
    assert (
        sr.delete(f"/subjects/{first[0]['subject']}/versions/{first[0]['version']}").status_code
        == 200
    )
    assert _listing(sr, offset=5, limit=5) == _listing(sr)[5:10]
    # and a cursor is only used for the filters it was computed with
    assert _listing(sr, offset=0, limit=4, subjectPrefix="a") == _listing(sr, subjectPrefix="a")[:4]
    assert _listing(sr, offset=4, limit=4, deleted="true") == _listing(sr, deleted="true")[4:8]
    assert (
        _listing(sr, offset=4, limit=4, subjectPrefix="a") == _listing(sr, subjectPrefix="a")[4:8]
    )
