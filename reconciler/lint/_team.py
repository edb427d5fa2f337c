"""Rules from the project's own ``conventions.yaml``: fields every record carries, and
documented fields. Each finding names the edit that satisfies it."""

from __future__ import annotations

import re
from typing import Any

from ._conventions import Conventions
from ._source import Emit, Source, quoted


def lint(source: Source, conventions: Conventions, emit: Emit) -> None:
    if source.schema_type == "PROTOBUF":
        _protobuf(source, conventions, emit)
        return
    doc = source.document
    if not isinstance(doc, dict):
        return
    if source.schema_type == "AVRO":
        _avro(source, doc, conventions, emit)
    else:
        _json(source, doc, conventions, emit)


def _wants_required(source: Source, conventions: Conventions) -> bool:
    """Keys are not records of events: the required fields are asked of other subjects."""
    return bool(conventions.required_fields) and not source.subject.endswith("-key")


def _avro(source: Source, doc: dict[str, Any], conventions: Conventions, emit: Emit) -> None:
    if doc.get("type") not in ("record", "error"):
        return
    fields = [f for f in doc.get("fields", []) if isinstance(f, dict)]
    name = str(doc.get("name", ""))
    if _wants_required(source, conventions):
        present = {f.get("name") for f in fields}
        for wanted in conventions.required_fields:
            if wanted.name not in present:
                emit(
                    "REQUIRED_FIELD_MISSING",
                    f"record {name} has no field {wanted.name!r}, which conventions.yaml "
                    "requires on every record",
                    "",
                    [quoted(name)],
                    f"add {wanted.avro()} with a default, to evolve compatibly",
                )
    if conventions.field_docs:
        _avro_docs(doc, "", [], emit)


def _avro_docs(node: Any, pointer: str, needles: list[str], emit: Emit) -> None:
    """Every field of every record, nested ones too."""
    if isinstance(node, list):
        for index, branch in enumerate(node):
            _avro_docs(branch, f"{pointer}/{index}", needles, emit)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind in ("record", "error"):
        record = str(node.get("name", ""))
        here = [*needles, quoted(record)]
        for index, field in enumerate(node.get("fields", [])):
            if not isinstance(field, dict):
                continue
            at = f"{pointer}/fields/{index}"
            name = str(field.get("name", ""))
            if not field.get("doc"):
                emit(
                    "FIELD_DOC_MISSING",
                    f"field {record}.{name} has no doc",
                    at,
                    [*here, quoted(name)],
                    'add "doc": "<what the field holds, its unit or format>"',
                )
            _avro_docs(field.get("type"), f"{at}/type", [*here, quoted(name)], emit)
    elif kind == "array":
        _avro_docs(node.get("items"), f"{pointer}/items", needles, emit)
    elif kind == "map":
        _avro_docs(node.get("values"), f"{pointer}/values", needles, emit)
    elif isinstance(kind, dict | list):
        _avro_docs(kind, f"{pointer}/type", needles, emit)


def _json(source: Source, doc: dict[str, Any], conventions: Conventions, emit: Emit) -> None:
    properties = doc.get("properties")
    if not isinstance(properties, dict):
        return
    if _wants_required(source, conventions):
        for wanted in conventions.required_fields:
            if wanted.name not in properties:
                emit(
                    "REQUIRED_FIELD_MISSING",
                    f"the top-level object has no property {wanted.name!r}, which "
                    "conventions.yaml requires on every record",
                    "",
                    [quoted("properties")],
                    f'add "{wanted.name}": {{"type": "string"}} to properties',
                )
    if conventions.field_docs:
        _json_docs(doc, "", [], emit)


def _json_docs(node: Any, pointer: str, needles: list[str], emit: Emit) -> None:
    if not isinstance(node, dict):
        return
    for name, sub in (node.get("properties") or {}).items():
        at = f"{pointer}/properties/{name}"
        here = [*needles, quoted("properties"), quoted(name)]
        if isinstance(sub, dict) and not sub.get("description"):
            emit(
                "FIELD_DOC_MISSING",
                f"property #{at} has no description",
                at,
                here,
                'add "description": "<what the property holds, its unit or format>"',
            )
        _json_docs(sub, at, here, emit)
    items = node.get("items")
    if isinstance(items, dict):
        _json_docs(items, f"{pointer}/items", needles, emit)


def _protobuf(source: Source, conventions: Conventions, emit: Emit) -> None:
    """The first message is the record (what Confluent's serializers use by default)."""
    file = source.descriptor
    if file is None or not file.message_type or not _wants_required(source, conventions):
        return
    message = file.message_type[0]
    present = {f.name for f in message.field}
    number = max((f.number for f in message.field), default=0)
    for wanted in conventions.required_fields:
        if wanted.name in present:
            continue
        number += 1
        emit(
            "REQUIRED_FIELD_MISSING",
            f"message {message.name} has no field {wanted.name!r}, which conventions.yaml "
            "requires on every record",
            message.name,
            [rf"\bmessage\s+{re.escape(message.name)}\b"],
            f"add `string {wanted.name} = {number};`",
        )
