"""Schema parsing with references, through the product's compatibility engine."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import replace

from reconciler.compatibility import InvalidSchemaError, ParsedSchema, java_double_text, parse
from reconciler.confluent import Reference

from . import _errors as errors
from . import _store as store
from ._contexts import Subject, parse_subject
from ._contracts import Contract
from ._requests import LATEST


def reference_target(referrer: Subject, ref_subject: str) -> Subject:
    """A reference's subject lives in the referrer's context unless it is qualified."""
    target = parse_subject(ref_subject)
    if ref_subject.startswith(":."):
        return target
    return Subject(referrer.context, target.name)


def resolve_version(
    conn: sqlite3.Connection, target: Subject, version: int
) -> store.StoredVersion | None:
    """The referenced version, soft-deleted ones included (as Confluent resolves them)."""
    if version == LATEST:
        live = store.versions_of(conn, target)
        return live[-1] if live else None
    return store.get_version(conn, target, version)


def referenced_texts(
    conn: sqlite3.Connection, referrer: Subject, references: list[Reference]
) -> dict[str, str]:
    """Name -> schema text of every reference, transitively, dependencies first.

    Avro resolves names in definition order, so a referenced schema's own
    references must come before it.
    """
    out: dict[str, str] = {}

    def visit(owner: Subject, refs: list[Reference], seen: tuple[tuple[str, int], ...]) -> None:
        for ref in refs:
            target = reference_target(owner, ref.subject)
            found = resolve_version(conn, target, ref.version)
            if found is None:
                raise errors.invalid_schema(
                    f"Invalid schema: no schema reference found for subject "
                    f'"{ref.subject}" and version {ref.version}'
                )
            key = (target.qualified, found.version)
            if key in seen:
                continue
            stored = store.get_schema(conn, target.context, found.schema_id)
            if stored is None:
                raise errors.store_error(f"Schema {found.schema_id} is missing from the store")
            visit(target, [Reference.from_json(r) for r in stored.references], (*seen, key))
            out.setdefault(ref.name, stored.schema)

    visit(referrer, references, ())
    return out


def parse_schema(
    conn: sqlite3.Connection,
    subject: Subject,
    schema_type: str,
    text: str,
    references: list[Reference],
) -> ParsedSchema:
    texts = referenced_texts(conn, subject, references)
    try:
        return parse(schema_type, text, texts)
    except InvalidSchemaError as exc:
        raise errors.invalid_schema(
            f"Invalid schema {text} with refs {[r.to_json() for r in references]} "
            f"of type {schema_type}, details: {exc}"
        ) from exc
    except Exception as exc:  # a parser bug must still be the client's 422, not a 500
        raise errors.invalid_schema(
            f"Invalid schema of type {schema_type}, details: {exc}"
        ) from exc


def parse_stored(
    conn: sqlite3.Connection, subject: Subject, stored: store.StoredSchema
) -> ParsedSchema:
    return parse_schema(
        conn,
        subject,
        stored.schema_type,
        stored.schema,
        [Reference.from_json(r) for r in stored.references],
    )


def identity(
    schema_type: str,
    text: str,
    references: list[Reference],
    metadata: Contract | None = None,
    rule_set: Contract | None = None,
) -> str:
    """Same type, stored text, references, metadata and rule set -> same ID within a context.

    Confluent's lookup hash (``MD5.ofSchema``) covers metadata and rule set,
    so the same text with another data contract is another schema with its
    own ID.  Without either, the hash is the one files written before data
    contracts were supported hold.
    """
    parts: list[object] = [schema_type, text, [r.to_json() for r in references]]
    if metadata is not None or rule_set is not None:
        parts += [metadata, rule_set]
    payload = json.dumps(parts, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def stored_identity(stored: store.StoredSchema) -> str:
    return identity(
        stored.schema_type,
        stored.schema,
        [Reference.from_json(r) for r in stored.references],
        stored.metadata,
        stored.rule_set,
    )


def _rewrite(conn: sqlite3.Connection, schema_type: str) -> None:
    """Rows of ``schema_type`` not in their canonical or normalized form get the canonical
    one, with its identity hash, keeping IDs and versions; rows that do not parse stay."""
    rows = conn.execute("SELECT context, id FROM schemas WHERE schema_type = ?", (schema_type,))
    for context, schema_id in rows.fetchall():
        stored = store.get_schema(conn, context, schema_id)
        if stored is None:
            continue
        try:
            parsed = parse_stored(conn, Subject(context, ""), stored)
        except errors.ErrorResponse:
            continue
        if stored.schema in (parsed.normalized, parsed.canonical):
            continue
        text = parsed.canonical
        conn.execute(
            "UPDATE schemas SET schema = ?, identity = ? WHERE context = ? AND id = ?",
            (text, stored_identity(replace(stored, schema=text)), context, schema_id),
        )


def rewrite_protobuf_text(conn: sqlite3.Connection) -> None:
    """Layout 5: Protobuf text in the earlier canonical layout gets Confluent's.

    The canonical form is now Confluent's printer over Wire's parse
    (``reconciler.compatibility._protocanon``). A stored row is the earlier
    printer's text, the source being gone, so it is printed again from that
    text: its ID and versions stay, and registering the stored text, or a
    source that the earlier printer wrote back the same way, finds it. Rows
    stored normalized keep their text (that form did not change), rows that do
    not parse are left for the open-time warning. Two rows that now print the
    same keep both their IDs (never merged); a registration of that text
    answers the lower one, as a lookup of any identity does.
    """
    _rewrite(conn, "PROTOBUF")


# A JSON string (skipped) or one of the doubles whose text changed in layout 6.
_STRING_OR_SMALLEST = re.compile(r'"(?:[^"\\]|\\.)*"|-?[1-9]\.0E-32[2-4](?![0-9])')


def _smallest_doubles() -> dict[str, str]:
    """The texts layout 5 wrote for the doubles whose Java text has two digits where
    Python's shortest has one (``5.0E-324`` -> ``4.9E-324``), by old text; only the
    smallest subnormals: elsewhere the nearest two digits are the digit and a zero."""
    renamed = {}
    for exponent in range(-324, -321):
        for digit in range(1, 10):
            value = float(f"{digit}e{exponent}")
            if value == 0:  # below half the smallest double
                continue
            shortest, _, power = repr(value).partition("e")
            old = f"{shortest[0]}.0E{int(power)}"
            for sign in ("", "-"):
                if len(shortest) == 1 and java_double_text(value) != old:
                    renamed[sign + old] = sign + java_double_text(value)
    return renamed


def rewrite_smallest_doubles(conn: sqlite3.Connection) -> None:
    """Layout 6: ``Double.MIN_VALUE`` and a few other subnormal doubles as Java writes
    them (``4.9E-324``; layouts 4 and 5 wrote ``5.0E-324``).

    Only Avro rows holding one of those texts as a JSON number change, in
    whichever form they were stored (canonical or normalized: the number's text
    is all that differs), with their identity hash; IDs and versions stay, so
    the same schema registered again finds them.
    """
    renamed = _smallest_doubles()

    def new_text(match: re.Match[str]) -> str:
        return renamed.get(match[0], match[0])

    rows = conn.execute(
        "SELECT context, id FROM schemas WHERE schema_type = 'AVRO' AND schema LIKE '%.0E-32%'"
    )
    for context, schema_id in rows.fetchall():
        stored = store.get_schema(conn, context, schema_id)
        if stored is None:
            continue
        text = _STRING_OR_SMALLEST.sub(new_text, stored.schema)
        if text != stored.schema:
            conn.execute(
                "UPDATE schemas SET schema = ?, identity = ? WHERE context = ? AND id = ?",
                (text, stored_identity(replace(stored, schema=text)), context, schema_id),
            )


def rewrite_avro_text(conn: sqlite3.Connection) -> None:
    """Layout 3: Avro text stored in the ``avro`` package's key order gets Java's.

    The canonical form (what a registration without ``normalize`` stores) is
    now Avro Java's printer, as Confluent's. Rows in the old canonical form are
    rewritten with their identity hash, keeping their IDs and versions, so the
    same schema registered again (in either form) finds them. Rows stored in
    the normalized form (sorted keys) and rows that do not parse are left as
    they are.
    """
    _rewrite(conn, "AVRO")
