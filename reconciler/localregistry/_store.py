"""SQLite persistence: tables, transactions and the queries the registry needs.

Every operation runs in its own short transaction on its own connection, so
several apps on one file (threads or processes) are safe: writes take the
database lock up front with ``BEGIN IMMEDIATE`` and therefore see the latest
committed state when they pick the next ID or version.  WAL mode lets readers
run while a writer holds the lock.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._contexts import Subject
from ._protobuf_rows import warn_about_uncompilable_rows

_DDL = """
CREATE TABLE IF NOT EXISTS schemas (
    context     TEXT    NOT NULL,
    id          INTEGER NOT NULL,
    schema_type TEXT    NOT NULL,
    schema      TEXT    NOT NULL,
    refs        TEXT    NOT NULL,
    identity    TEXT    NOT NULL,
    metadata    TEXT,
    rule_set    TEXT,
    PRIMARY KEY (context, id)
);
CREATE INDEX IF NOT EXISTS schemas_identity ON schemas (context, identity);
CREATE TABLE IF NOT EXISTS versions (
    context   TEXT    NOT NULL,
    subject   TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    schema_id INTEGER NOT NULL,
    deleted   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (context, subject, version)
);
-- GET /schemas pages (and versions of an ID) in listing order, without a sort
-- and without touching the table
CREATE INDEX IF NOT EXISTS versions_listing
    ON versions (context, schema_id, subject, version, deleted);
CREATE TABLE IF NOT EXISTS references_ (
    context     TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    ref_subject TEXT    NOT NULL,
    ref_version INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS references_target
    ON references_ (context, ref_subject, ref_version);
-- a version's own references, replaced when the version is written or removed
CREATE INDEX IF NOT EXISTS references_referrer
    ON references_ (context, subject, version);
-- one row, bumped by every write transaction: what GET /schemas cursors were
-- computed against (see ListingCursors)
CREATE TABLE IF NOT EXISTS generation (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    n   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS id_counters (
    context TEXT PRIMARY KEY,
    last_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS contexts (
    context TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS config (
    context TEXT NOT NULL,
    subject TEXT NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (context, subject)
);
CREATE TABLE IF NOT EXISTS mode (
    context TEXT NOT NULL,
    subject TEXT NOT NULL,
    mode    TEXT NOT NULL,
    PRIMARY KEY (context, subject)
);
"""

# PRAGMA user_version of the current layout: 1 added schemas.metadata and
# schemas.rule_set (data contracts); 2 replaced the index versions_id
# (context, schema_id) by versions_listing, which also covers the listing
# order; 3 stores Avro text as Java's printer writes it (see
# _schemas.rewrite_avro_text); 4 as well with Java's doubles (1.0E21) and a
# float field's textual default read as a number; 5 stores Protobuf text as
# Confluent's printer writes Wire's parse (_schemas.rewrite_protobuf_text); 6
# writes the smallest doubles as Java does (4.9E-324: _schemas.rewrite_smallest_doubles).
# Files of an older layout are migrated on open.
_LAYOUT_VERSION = 6

# How long a statement waits for another process's lock before SQLITE_BUSY.
_BUSY_TIMEOUT_MS = 30_000

# The global scope of config and mode (``/config``, ``/mode``) is stored under
# this context, which no qualified subject can name (context names start with
# a dot).
GLOBAL = Subject("", "")


@dataclass(frozen=True)
class StoredSchema:
    context: str
    id: int
    schema_type: str
    schema: str
    references: list[dict[str, object]]
    metadata: dict[str, Any] | None = None
    rule_set: dict[str, Any] | None = None


# A row of a GET /schemas page: qualified subject, version, schema id, then the
# schema's type, text, references, metadata and rule set (JSON texts; the
# metadata and rule set may be None, and all five are None without a schema row).
ListedVersion = tuple[str, int, int, str | None, str, str, str | None, str | None]


@dataclass(frozen=True)
class StoredVersion:
    subject: Subject
    version: int
    schema_id: int
    deleted: bool


class Store:
    """A small pool of connections on one SQLite file.

    Each transaction borrows a connection for its duration, so no connection
    is ever used by two threads at once.  Keeping connections open matters:
    closing the last connection of a WAL database checkpoints and removes the
    WAL file, which made every request several milliseconds slower.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._idle: list[sqlite3.Connection] = []
        # never writes, so its PRAGMA data_version moves with every commit (data_version)
        self._watch: sqlite3.Connection | None = None
        self._watch_lock = threading.Lock()
        # Writers of this process queue here rather than in SQLite's busy
        # handler, which sleeps in growing steps (up to 100 ms) and let the
        # unlucky writer of 50 wait seconds; other processes still meet the
        # database lock and its busy timeout.
        self._write_lock = threading.Lock()
        self._no_wait = _NoWait()
        self.cursors = ListingCursors()
        with self.read_one() as conn:  # one statement, outside any transaction
            conn.execute("PRAGMA journal_mode=WAL")
        with self.write() as conn:
            for statement in _DDL.split(";"):
                if statement.strip():
                    conn.execute(statement)
            # files written before the contexts table existed
            conn.execute("INSERT OR IGNORE INTO contexts SELECT DISTINCT context FROM versions")
            conn.execute("INSERT OR IGNORE INTO generation (one, n) VALUES (1, 0)")
            _migrate(conn)
        warn_about_uncompilable_rows(self)

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=_BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        # In WAL mode, NORMAL syncs at checkpoints instead of every commit: a
        # crashed process loses nothing, a power cut may lose the last commits,
        # which is the right trade for a development registry.
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def data_version(self) -> int:
        """A number that changes whenever anyone commits to the file: a write of this
        process or of another one (SQLite's ``PRAGMA data_version``, asked on a
        connection that never writes, which sees every commit as another's)."""
        with self._watch_lock:
            if self._watch is None:
                self._watch = self._open()
            return int(self._watch.execute("PRAGMA data_version").fetchone()[0])

    def read(self) -> _Borrowed:
        """A consistent snapshot for a group of reads."""
        return _Borrowed(self, begin=True)

    def read_one(self) -> _Borrowed:
        """A connection for a read of one statement, which is its own consistent
        snapshot: no transaction around it (BEGIN and ROLLBACK were a third of the
        store's time in a small read)."""
        return _Borrowed(self, begin=False)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction holding the database lock from its start.

        Inside ``without_waiting()``, the block's first write transaction raises
        ``WouldWait`` (before anything is read or written) instead of waiting for
        the lock; any later one waits, so that a block that gave up has done nothing.
        """
        waits = not self._no_wait.active
        if not self._write_lock.acquire(blocking=waits):
            raise WouldWait
        try:
            with _Borrowed(self, begin=False) as conn:  # begun by hand: immediate or not
                _begin(conn, waits)
                self._no_wait.active = False
                try:
                    yield conn
                    conn.execute("UPDATE generation SET n = n + 1")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
        finally:
            self._write_lock.release()

    @contextmanager
    def without_waiting(self) -> Iterator[None]:
        """The first write transaction this thread starts in this block does not wait for
        the lock: when this process's writer thread or another process holds it, it
        raises ``WouldWait``."""
        self._no_wait.active = True
        try:
            yield
        finally:
            self._no_wait.active = False


class _Borrowed:
    """A pooled connection for the block, in a read transaction if ``begin``.

    A class rather than ``@contextmanager`` generators (two per read, with the
    pool's lock taken twice: about half of a small read's time in the store).
    ``list.pop`` and ``list.append`` are atomic, so no connection is handed to
    two threads at once.
    """

    __slots__ = ("begin", "conn", "store")

    def __init__(self, store: Store, *, begin: bool) -> None:
        self.store = store
        self.begin = begin

    def __enter__(self) -> sqlite3.Connection:
        try:
            conn = self.store._idle.pop()
        except IndexError:
            conn = self.store._open()
        self.conn = conn
        if self.begin:
            try:
                conn.execute("BEGIN")
            except BaseException:
                self.store._idle.append(conn)
                raise
        return conn

    def __exit__(self, *exc: object) -> None:
        try:
            if self.begin:
                self.conn.execute("ROLLBACK")
        finally:
            self.store._idle.append(self.conn)


class WouldWait(Exception):
    """A write inside ``Store.without_waiting`` found the write lock taken; nothing was done."""


class _NoWait(threading.local):
    active = False


def _begin(conn: sqlite3.Connection, waits: bool) -> None:
    if waits:
        conn.execute("BEGIN IMMEDIATE")
        return
    conn.execute("PRAGMA busy_timeout=0")
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        # the primary code: SQLITE_BUSY_RECOVERY and the like are busy too
        if exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY:
            raise WouldWait from exc
        raise
    finally:
        conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a file written by an older version of this module to the current layout.

    Runs inside the opening write transaction, so two processes opening the
    same old file cannot both add the columns.
    """
    layout = conn.execute("PRAGMA user_version").fetchone()[0]
    if layout >= _LAYOUT_VERSION:
        return
    if layout < 1:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(schemas)")}
        for column in ("metadata", "rule_set"):
            if column not in columns:
                conn.execute(f"ALTER TABLE schemas ADD COLUMN {column} TEXT")
    # versions_listing was created with the other tables; its prefix did this one's job
    conn.execute("DROP INDEX IF EXISTS versions_id")
    if layout < 4:
        from ._schemas import rewrite_avro_text  # it parses, with this module's queries

        rewrite_avro_text(conn)
    if layout < 5:
        from ._schemas import rewrite_protobuf_text

        rewrite_protobuf_text(conn)
    if layout < 6:
        from ._schemas import rewrite_smallest_doubles

        rewrite_smallest_doubles(conn)
    conn.execute(f"PRAGMA user_version={_LAYOUT_VERSION}")


# -- schemas -------------------------------------------------------------------


def _json_or_none(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _dumps_or_none(doc: object) -> str | None:
    return None if doc is None else json.dumps(doc)


def _schema_row(row: tuple[str, int, str, str, str, str | None, str | None]) -> StoredSchema:
    return StoredSchema(
        row[0],
        row[1],
        row[2],
        row[3],
        # most schemas have no references: skip the JSON parser for them
        [] if row[4] == "[]" else json.loads(row[4]),
        _json_or_none(row[5]),
        _json_or_none(row[6]),
    )


def get_schema(conn: sqlite3.Connection, context: str, schema_id: int) -> StoredSchema | None:
    row = conn.execute(
        "SELECT context, id, schema_type, schema, refs, metadata, rule_set FROM schemas "
        "WHERE context=? AND id=?",
        (context, schema_id),
    ).fetchone()
    return _schema_row(row) if row else None


def find_schema_id(conn: sqlite3.Connection, context: str, identity: str) -> int | None:
    # Without the hint SQLite answers min(id) by walking the primary key of the
    # whole context (milliseconds at thousands of schemas).
    row = conn.execute(
        "SELECT min(id) FROM schemas INDEXED BY schemas_identity WHERE context=? AND identity=?",
        (context, identity),
    ).fetchone()
    return row[0]


def insert_schema(
    conn: sqlite3.Connection,
    context: str,
    schema_id: int,
    schema_type: str,
    schema: str,
    references: list[dict[str, object]],
    identity: str,
    metadata: dict[str, Any] | None,
    rule_set: dict[str, Any] | None,
) -> None:
    conn.execute(
        "INSERT INTO schemas (context, id, schema_type, schema, refs, identity, metadata, "
        "rule_set) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            context,
            schema_id,
            schema_type,
            schema,
            json.dumps(references),
            identity,
            _dumps_or_none(metadata),
            _dumps_or_none(rule_set),
        ),
    )
    bump_id_counter(conn, context, schema_id)


def next_id(conn: sqlite3.Connection, context: str) -> int:
    row = conn.execute("SELECT last_id FROM id_counters WHERE context=?", (context,)).fetchone()
    return (row[0] if row else 0) + 1


def bump_id_counter(conn: sqlite3.Connection, context: str, schema_id: int) -> None:
    """IDs are never handed out twice, even after an imported higher ID."""
    conn.execute(
        "INSERT INTO id_counters (context, last_id) VALUES (?, ?) "
        "ON CONFLICT (context) DO UPDATE SET last_id = max(last_id, excluded.last_id)",
        (context, schema_id),
    )


# -- versions ------------------------------------------------------------------


def _version_row(row: tuple[str, str, int, int, int]) -> StoredVersion:
    return StoredVersion(Subject(row[0], row[1]), row[2], row[3], bool(row[4]))


_VERSION_COLUMNS = "context, subject, version, schema_id, deleted"


def versions_of(
    conn: sqlite3.Connection, subject: Subject, *, deleted: bool = False
) -> list[StoredVersion]:
    """Versions of a subject, oldest first; soft-deleted ones only when asked."""
    rows = conn.execute(
        f"SELECT {_VERSION_COLUMNS} FROM versions WHERE context=? AND subject=? "
        "AND (? OR deleted=0) ORDER BY version",
        (subject.context, subject.name, deleted),
    ).fetchall()
    return [_version_row(r) for r in rows]


def latest_version(
    conn: sqlite3.Connection, subject: Subject, *, deleted: bool = False
) -> StoredVersion | None:
    """The highest version of a subject (live unless ``deleted``): one primary-key probe."""
    row = conn.execute(
        f"SELECT {_VERSION_COLUMNS} FROM versions WHERE context=? AND subject=? "
        "AND (? OR deleted=0) ORDER BY version DESC LIMIT 1",
        (subject.context, subject.name, deleted),
    ).fetchone()
    return _version_row(row) if row else None


def versions_holding(
    conn: sqlite3.Connection, subject: Subject, schema_id: int
) -> list[StoredVersion]:
    """The versions of ``subject`` that use schema ``schema_id`` (soft-deleted ones too),
    oldest first: an index range of ``versions_listing``, however many versions the
    subject has."""
    rows = conn.execute(
        f"SELECT {_VERSION_COLUMNS} FROM versions WHERE context=? AND schema_id=? AND subject=? "
        "ORDER BY version",
        (subject.context, schema_id, subject.name),
    ).fetchall()
    return [_version_row(r) for r in rows]


def find_version(
    conn: sqlite3.Connection, subject: Subject, identity: str, *, deleted: bool
) -> StoredVersion | None:
    """The latest version of ``subject`` whose schema has ``identity`` (live unless ``deleted``).

    The identity index gives the schemas (usually one), ``versions_listing``
    their versions in this subject: a registration or lookup costs the same
    at 10 versions as at 10,000.
    """
    row = conn.execute(
        "SELECT v.context, v.subject, v.version, v.schema_id, v.deleted "
        # CROSS JOIN and the hints fix the plan: identity first, then versions_listing
        # (left to itself, SQLite walks every version of the subject)
        "FROM schemas s INDEXED BY schemas_identity CROSS JOIN versions v INDEXED BY "
        "versions_listing ON v.context = s.context AND v.schema_id = s.id "
        "WHERE s.context=? AND s.identity=? AND v.subject=? AND (? OR v.deleted=0) "
        "ORDER BY v.version DESC LIMIT 1",
        (subject.context, identity, subject.name, deleted),
    ).fetchone()
    return _version_row(row) if row else None


def get_version(conn: sqlite3.Connection, subject: Subject, version: int) -> StoredVersion | None:
    row = conn.execute(
        f"SELECT {_VERSION_COLUMNS} FROM versions WHERE context=? AND subject=? AND version=?",
        (subject.context, subject.name, version),
    ).fetchone()
    return _version_row(row) if row else None


def versions_with_id(
    conn: sqlite3.Connection, context: str, schema_id: int, *, deleted: bool = False
) -> list[StoredVersion]:
    rows = conn.execute(
        f"SELECT {_VERSION_COLUMNS} FROM versions WHERE context=? AND schema_id=? "
        "AND (? OR deleted=0) ORDER BY subject, version",
        (context, schema_id, deleted),
    ).fetchall()
    return [_version_row(r) for r in rows]


# a subject's qualified name (see _contexts.Subject.qualified)
_QUALIFIED = (
    "CASE WHEN v.context = '.' THEN v.subject ELSE ':' || v.context || ':' || v.subject END"
)


# The listing order's key of a version: (context, schema_id, subject, version).
ListingKey = tuple[str, int, str, int]


class ListingCursors:
    """Where recent ``GET /schemas`` pages ended, so that the next page starts there.

    The API pages by offset, and an SQL OFFSET walks every skipped entry:
    paging through N versions cost O(N^2). A client that pages on (offset +=
    limit, as every client does) asks for the offset where the previous page
    ended; its key is remembered here with the filters and the store's
    generation, and the next page is an index range after that key. Any write
    bumps the generation, so a cursor never outlives the listing it was
    computed on; a request without a cursor falls back to OFFSET.
    """

    _MAX = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[tuple[object, ...], ListingKey] = {}

    def get(self, where: tuple[object, ...]) -> ListingKey | None:
        with self._lock:
            return self._keys.get(where)

    def put(self, where: tuple[object, ...], key: ListingKey) -> None:
        with self._lock:
            self._keys.pop(where, None)
            self._keys[where] = key
            if len(self._keys) > self._MAX:
                del self._keys[next(iter(self._keys))]


def schema_page(
    conn: sqlite3.Connection,
    *,
    context: str | None,
    name_prefix: str,
    qualified_prefix: str,
    deleted: bool,
    latest_only: bool,
    offset: int,
    limit: int,
    cursors: ListingCursors | None = None,
) -> list[ListedVersion]:
    """One page of ``GET /schemas``: versions by context, ID, subject and version.

    Filters: ``context`` (None for all), subject names starting with
    ``name_prefix`` and qualified names starting with ``qualified_prefix``,
    soft-deleted versions only with ``deleted``, and with ``latest_only``
    only each subject's highest version among those.  ``limit < 0`` is no
    limit.  The page is cut in the covering index ``versions_listing``
    before its schemas are joined, so a page costs its own rows plus a walk
    over the skipped index entries, not a load of the whole listing; only the
    filters that apply are in the SQL, as each one is evaluated on every
    skipped entry.  A version whose schema row is missing comes with a
    schema type of None.  Rows come as the plain tuples SQLite gives (the
    qualified subject built in SQL): a page of 1,000 built no objects per
    row, which was half the time of the request.  With ``cursors``, a page
    that starts where a remembered page ended starts from that key instead
    of skipping ``offset`` entries (see ``ListingCursors``).
    """
    offset = max(offset, 0)
    generation = conn.execute("SELECT n FROM generation").fetchone()[0]
    filters = (generation, context, name_prefix, qualified_prefix, deleted, latest_only)
    after = cursors.get((*filters, offset)) if cursors is not None and offset else None
    where = ["1"]
    if context is not None:
        where.append("v.context = :context")
    if not deleted:
        where.append("v.deleted = 0")
    if name_prefix:
        where.append("substr(v.subject, 1, length(:name)) = :name")
    if qualified_prefix:
        where.append(f"substr({_QUALIFIED}, 1, length(:qualified)) = :qualified")
    if latest_only:
        where.append(
            "NOT EXISTS (SELECT 1 FROM versions w WHERE w.context = v.context "
            "AND w.subject = v.subject AND w.version > v.version"
            + ("" if deleted else " AND w.deleted = 0")
            + ")"
        )
    if after is not None:
        where.append("(v.context, v.schema_id, v.subject, v.version) > (:c, :i, :s, :v)")
    rows = conn.execute(
        f"SELECT {_QUALIFIED}, v.version, v.schema_id, s.schema_type, s.schema, s.refs, "
        "s.metadata, s.rule_set, v.context, v.subject FROM ("
        "SELECT context, subject, version, schema_id, deleted FROM versions v "
        f"WHERE {' AND '.join(where)} "
        "ORDER BY v.context, v.schema_id, v.subject, v.version LIMIT :limit OFFSET :offset"
        ") v LEFT JOIN schemas s ON s.context = v.context AND s.id = v.schema_id "
        "ORDER BY v.context, v.schema_id, v.subject, v.version",
        {
            "context": context,
            "name": name_prefix,
            "qualified": qualified_prefix,
            "limit": limit,
            "offset": 0 if after is not None else offset,
            **(dict(zip("cisv", after, strict=True)) if after is not None else {}),
        },
    ).fetchall()
    if cursors is not None and rows and limit > 0 and len(rows) == limit:
        last = rows[-1]
        cursors.put((*filters, offset + len(rows)), (last[8], last[2], last[9], last[1]))
    return [row[:8] for row in rows]


def subjects(
    conn: sqlite3.Connection, context: str | None, *, deleted: bool = False
) -> list[Subject]:
    rows = conn.execute(
        "SELECT DISTINCT context, subject FROM versions WHERE (? IS NULL OR context=?) "
        "AND (? OR deleted=0) ORDER BY context, subject",
        (context, context, deleted),
    ).fetchall()
    return [Subject(r[0], r[1]) for r in rows]


def contexts(conn: sqlite3.Connection) -> list[str]:
    """Every context that ever held a subject; like Confluent's, they are never removed."""
    rows = conn.execute("SELECT context FROM contexts ORDER BY context").fetchall()
    return [r[0] for r in rows]


def next_version(conn: sqlite3.Connection, subject: Subject) -> int:
    """One more than the highest version, soft-deleted ones included (as Confluent)."""
    row = conn.execute(
        "SELECT max(version) FROM versions WHERE context=? AND subject=?",
        (subject.context, subject.name),
    ).fetchone()
    return (row[0] or 0) + 1


def insert_version(
    conn: sqlite3.Connection, subject: Subject, version: int, schema_id: int, *, new: bool = False
) -> None:
    """Insert or (IMPORT mode only) overwrite a version, as Confluent's store does.

    ``new``: the version is above every version of the subject, soft-deleted
    ones included, so there is neither a row nor references to replace (a
    version's references go with it, see ``hard_delete_version``).
    """
    previous = None if new else get_version(conn, subject, version)
    conn.execute("INSERT OR IGNORE INTO contexts (context) VALUES (?)", (subject.context,))
    if not new:
        conn.execute(
            "DELETE FROM references_ WHERE context=? AND subject=? AND version=?",
            (subject.context, subject.name, version),
        )
    conn.execute(
        "INSERT OR REPLACE INTO versions (context, subject, version, schema_id) "
        "VALUES (?, ?, ?, ?)",
        (subject.context, subject.name, version, schema_id),
    )
    if previous is not None:
        _drop_if_unused(conn, subject.context, previous.schema_id)


def soft_delete_version(conn: sqlite3.Connection, subject: Subject, version: int) -> None:
    conn.execute(
        "UPDATE versions SET deleted=1 WHERE context=? AND subject=? AND version=?",
        (subject.context, subject.name, version),
    )


def hard_delete_version(conn: sqlite3.Connection, subject: Subject, version: int) -> None:
    """Remove a version; its schema goes too once no version uses it (the ID is not reused)."""
    row = conn.execute(
        "SELECT schema_id FROM versions WHERE context=? AND subject=? AND version=?",
        (subject.context, subject.name, version),
    ).fetchone()
    conn.execute(
        "DELETE FROM versions WHERE context=? AND subject=? AND version=?",
        (subject.context, subject.name, version),
    )
    conn.execute(
        "DELETE FROM references_ WHERE context=? AND subject=? AND version=?",
        (subject.context, subject.name, version),
    )
    if row is not None:
        _drop_if_unused(conn, subject.context, row[0])


def _drop_if_unused(conn: sqlite3.Connection, context: str, schema_id: int) -> None:
    conn.execute(
        "DELETE FROM schemas WHERE context=? AND id=? AND NOT EXISTS "
        "(SELECT 1 FROM versions WHERE context=? AND schema_id=?)",
        (context, schema_id, context, schema_id),
    )


# -- references ----------------------------------------------------------------


def insert_reference(
    conn: sqlite3.Connection, referrer: Subject, version: int, target: Subject, target_version: int
) -> None:
    conn.execute(
        "INSERT INTO references_ (context, subject, version, ref_subject, ref_version) "
        "VALUES (?, ?, ?, ?, ?)",
        (referrer.context, referrer.name, version, target.name, target_version),
    )


def referrers(conn: sqlite3.Connection, target: Subject, version: int) -> list[int]:
    """IDs of live (not soft-deleted) schema versions that reference ``target``."""
    rows = conn.execute(
        "SELECT DISTINCT v.schema_id FROM references_ r JOIN versions v "
        "ON v.context=r.context AND v.subject=r.subject AND v.version=r.version "
        "WHERE r.context=? AND r.ref_subject=? AND r.ref_version=? AND v.deleted=0 "
        "ORDER BY v.schema_id",
        (target.context, target.name, version),
    ).fetchall()
    return [r[0] for r in rows]


# -- config and mode -----------------------------------------------------------


def get_config(conn: sqlite3.Connection, scope: Subject) -> dict[str, object] | None:
    row = conn.execute(
        "SELECT body FROM config WHERE context=? AND subject=?", (scope.context, scope.name)
    ).fetchone()
    return json.loads(row[0]) if row else None


def set_config(conn: sqlite3.Connection, scope: Subject, body: dict[str, object]) -> None:
    conn.execute(
        "INSERT INTO config (context, subject, body) VALUES (?, ?, ?) "
        "ON CONFLICT (context, subject) DO UPDATE SET body=excluded.body",
        (scope.context, scope.name, json.dumps(body)),
    )


def delete_config(conn: sqlite3.Connection, scope: Subject) -> None:
    conn.execute("DELETE FROM config WHERE context=? AND subject=?", (scope.context, scope.name))


def get_mode(conn: sqlite3.Connection, scope: Subject) -> str | None:
    row = conn.execute(
        "SELECT mode FROM mode WHERE context=? AND subject=?", (scope.context, scope.name)
    ).fetchone()
    return row[0] if row else None


def set_mode(conn: sqlite3.Connection, scope: Subject, mode: str) -> None:
    conn.execute(
        "INSERT INTO mode (context, subject, mode) VALUES (?, ?, ?) "
        "ON CONFLICT (context, subject) DO UPDATE SET mode=excluded.mode",
        (scope.context, scope.name, mode),
    )


def delete_mode(conn: sqlite3.Connection, scope: Subject) -> None:
    conn.execute("DELETE FROM mode WHERE context=? AND subject=?", (scope.context, scope.name))


def delete_modes_under(conn: sqlite3.Connection, context: str | None) -> None:
    """Every mode stored in ``context`` (None: every mode, the global one included)."""
    if context is None:
        conn.execute("DELETE FROM mode")
    else:
        conn.execute("DELETE FROM mode WHERE context=?", (context,))
