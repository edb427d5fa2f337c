"""Stored Protobuf texts that do not compile: rows written before a printer fix.

Before the fix, a schema registered from tab-indented source (or with
multi-byte text before a type name on its line) was stored with type names cut
from the source at the wrong columns (``  ; y = 2;`` for ``Y y = 2;``): every
read returned text that does not compile and the subject could take no other
version. The registry cannot repair such a row (the source is gone), so when a
store is opened the affected IDs are named, per context, in a warning on the
``reconciler.localregistry`` logger (stderr when logging is not configured).

Compiling every stored Protobuf schema on each open would cost about a
millisecond a schema, so only texts with a line the printer cannot have
written are compiled; a damaged name always gives such a line, because the
misplaced cut takes in the following `` name = N`` or stops short of the name.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from typing import TYPE_CHECKING

from reconciler.compatibility import InvalidSchemaError, parse
from reconciler.confluent import Reference

from ._contexts import Subject

if TYPE_CHECKING:
    from ._store import Store

_log = logging.getLogger("reconciler.localregistry")

_NAME = r"\.?[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*"
_TYPE = rf"(?:{_NAME}|map<\w+, {_NAME}>)"
_OPTIONS = r"(?: \[.*\])?"
_OPTION_NAME = r"(?:\([\w.]+\)|\w+)(?:\.(?:\([\w.]+\)|\w+))*"
_STRING = r'"(?:[^"\\]|\\.)*"'
# Every line the Protobuf printers write (reconciler.compatibility._protocanon,
# _protoprint and _protonorm), multi-line option values included: a field or value
# whose options open a bracket, one option, aggregate field or list element a line,
# and their closing brackets.
_PRINTED_LINE = re.compile(
    "|".join(
        (
            r"(?:syntax|edition|package|import|option|extensions|reserved) .*;",
            r"(?:message|enum|oneof|service) \w+ \{\}?",
            r"\};?",
            rf"extend {_TYPE} \{{",
            r"(?:(?:optional|required|repeated) )?group \w+ = \d+ \{",
            rf"(?:(?:optional|required|repeated) )?{_TYPE} \w+ = \d+{_OPTIONS};",
            rf"\w+ = -?\d+{_OPTIONS};",
            rf"rpc \w+ \((?:stream )?{_NAME}\) returns \((?:stream )?{_NAME}\)(?:;| \{{)",
            rf"(?:(?:optional|required|repeated) )?{_TYPE} \w+ = \d+ \[.*",
            r"\w+ = -?\d+ \[.*",
            rf"(?:option )?{_OPTION_NAME} = .*",
            r"\[?[\w.]+\]?: .*",
            rf"(?:{_STRING}|-?[\w.+-]+|\{{|\[)?,?",
            r"\]?\}?\]?[;,]?",
        )
    )
)


def _printer_could_have_written(text: str) -> bool:
    lines = (line.strip() for line in text.splitlines())
    return all(_PRINTED_LINE.fullmatch(line) for line in lines if line)


def _compiles(conn: sqlite3.Connection, context: str, text: str, refs: str) -> bool:
    from ._schemas import referenced_texts  # _schemas imports the store

    try:
        references = [Reference.from_json(r) for r in json.loads(refs)]
        texts = referenced_texts(conn, Subject(context, ""), references)
    except Exception:  # a reference that does not resolve is not this check's finding
        return True
    try:
        parse("PROTOBUF", text, texts)
    except InvalidSchemaError:
        return False
    return True


def uncompilable_ids(conn: sqlite3.Connection) -> dict[str, list[int]]:
    """IDs of stored Protobuf schemas whose text does not compile, by context."""
    found: dict[str, list[int]] = {}
    rows = conn.execute(
        "SELECT context, id, schema, refs FROM schemas WHERE schema_type = 'PROTOBUF' "
        "ORDER BY context, id"
    )
    for context, schema_id, text, refs in rows.fetchall():
        if not _printer_could_have_written(text) and not _compiles(conn, context, text, refs):
            found.setdefault(context, []).append(schema_id)
    return found


def warn_about_uncompilable_rows(store: Store) -> None:
    """Name, in one warning, the stored Protobuf schemas whose text does not compile."""
    with store.read() as conn:
        found = uncompilable_ids(conn)
    if not found:
        return
    named = "; ".join(
        f"context {context or '.'!r}: {'ids' if len(ids) > 1 else 'id'} " + ", ".join(map(str, ids))
        for context, ids in found.items()
    )
    _log.warning(
        "%s: stored Protobuf schema text that does not compile (%s). It was cut from "
        "tab-indented source by an earlier version; register those schemas again from "
        "their source (under new IDs) and delete the damaged versions.",
        store.path,
        named,
    )
