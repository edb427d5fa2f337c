"""Format-independent entry points; each format lives in its own module."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from reconciler.confluent import versions_checked

from ._types import (
    LEVELS,
    SCHEMA_TYPES,
    InvalidSchemaError,
    Message,
    ParsedSchema,
    Result,
    SchemaFormat,
    bounded_depth,
)

if TYPE_CHECKING:
    from google.protobuf.descriptor_pb2 import FileDescriptorProto

    from ._types import Difference


def _format(schema_type: str) -> SchemaFormat:
    """The format of ``schema_type`` (its module's ``FORMAT``), imported on first use
    (protoc is heavy)."""
    if schema_type == "AVRO":
        from ._avro import FORMAT as AVRO

        return AVRO
    if schema_type == "JSON":
        from ._jsonschema import FORMAT as JSON

        return JSON
    if schema_type == "PROTOBUF":
        from ._protobuf import FORMAT as PROTOBUF

        return PROTOBUF
    raise InvalidSchemaError(f"unknown schema type {schema_type!r}")


def parse(schema_type: str, text: str, references: Mapping[str, str] | None = None) -> ParsedSchema:
    """Parse and validate ``text``; raise ``InvalidSchemaError`` with a reason."""
    if schema_type not in SCHEMA_TYPES:
        raise InvalidSchemaError(f"unknown schema type {schema_type!r}")
    with bounded_depth():
        return _format(schema_type).parse(text, dict(references or {}))


def validate(schema_type: str, text: str, references: Mapping[str, str] | None = None) -> None:
    """Raise ``InvalidSchemaError`` exactly when ``parse`` would, with the same message;
    cheaper where only that verdict is wanted (Avro: nothing of the parse is kept)."""
    if schema_type != "AVRO":
        parse(schema_type, text, references)
        return
    from ._avro import validate as validate_avro

    with bounded_depth():
        validate_avro(text, dict(references or {}))


def invalid_defaults(parsed: ParsedSchema) -> list[str]:
    """Why a registry would refuse to register ``parsed`` for its field defaults (AVRO only).

    Confluent validates Avro defaults the way Java's Avro parser does, and only
    for a schema being registered, not for those it already holds; each
    problem reads like Java's ("Invalid default for field f: "x" not a "int"").
    """
    if parsed.schema_type != "AVRO":
        return []
    from ._avro_defaults import invalid_defaults as check_defaults

    references = [json.loads(text) for text in parsed.references.values()]
    return check_defaults(json.loads(parsed.text), references)


def avro_named_types(doc: Any) -> dict[str, tuple[dict[str, Any], str | None]]:
    """The named types a decoded Avro document defines, by full name, each with the
    namespace its own definitions use (for tools that walk the JSON, like the linter)."""
    from ._avro_defaults import named_types

    return named_types(doc, [])


def formatted(parsed: ParsedSchema, schema_format: str) -> str:
    """Confluent's ``ParsedSchema.formattedString(format)``, as its reads with
    ``?format=`` answer: AVRO ``resolved`` (references written out), PROTOBUF
    ``serialized`` (base64 ``FileDescriptorProto``) and ``ignore_extensions``, in
    any case; any other format (and any for JSON) is the canonical text."""
    chosen = schema_format.strip().lower()
    if parsed.schema_type == "AVRO" and chosen == "resolved":
        from ._avro import resolved

        return resolved(parsed)
    if parsed.schema_type == "PROTOBUF" and chosen in ("serialized", "ignore_extensions"):
        from ._protobuf import serialized, without_extensions

        return serialized(parsed) if chosen == "serialized" else without_extensions(parsed)
    return parsed.canonical


def protobuf_file(parsed: ParsedSchema) -> FileDescriptorProto:
    """The ``FileDescriptorProto`` protoc made of a parsed PROTOBUF schema (for linting)."""
    if parsed.schema_type != "PROTOBUF":
        raise ValueError(f"a {parsed.schema_type} schema has no Protobuf file descriptor")
    from . import _protobuf

    return _protobuf.file_descriptor(parsed)


def protobuf_leading_zeros(text: str) -> list[str]:
    """Field and enum numbers and range bounds a PROTOBUF schema's ``text`` writes with
    leading zeros (``010``), as written: Confluent (Wire) and this package read them
    in decimal, protoc in octal (for linting)."""
    from ._protowire import decimal_with_leading_zeros

    return decimal_with_leading_zeros(text)


def diff(
    schema_type: str,
    old: str | ParsedSchema,
    new: str | ParsedSchema,
    references: Mapping[str, str] | None = None,
) -> list[Difference]:
    """Every change from ``old`` to ``new``, compatible or not, in Confluent's terms.

    JSON Schema and Protobuf give Confluent's difference names and locations
    (``TYPE_CHANGED #/properties/x``, ``FIELD_REMOVED #/Order/3``); Avro, which
    has no such list in Confluent, gives the reader/writer incompatibilities of
    ``new`` reading data written with ``old``.
    """
    if schema_type not in SCHEMA_TYPES:
        raise InvalidSchemaError(f"unknown schema type {schema_type!r}")
    fmt = _format(schema_type)
    refs = dict(references or {})
    with bounded_depth():
        old_p = old if isinstance(old, ParsedSchema) else fmt.parse(old, refs)
        new_p = new if isinstance(new, ParsedSchema) else fmt.parse(new, refs)
        return fmt.diff(old_p, new_p)


def check(
    schema_type: str,
    new: str | ParsedSchema,
    previous: Sequence[str | ParsedSchema],
    level: str,
    references: Mapping[str, str] | None = None,
) -> Result:
    """Check ``new`` against ``previous`` (oldest first) under ``level``.

    Non-transitive levels compare with the latest previous version only, as
    Confluent does. Each message names the version it breaks (1-based index
    into ``previous`` unless the caller maps it).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown compatibility level {level!r}")
    with bounded_depth():
        return _check(_format(schema_type), new, previous, level, dict(references or {}))


def _check(
    fmt: SchemaFormat,
    new: str | ParsedSchema,
    previous: Sequence[str | ParsedSchema],
    level: str,
    refs: dict[str, str],
) -> Result:
    new_p = new if isinstance(new, ParsedSchema) else fmt.parse(new, refs)
    prev_p = [p if isinstance(p, ParsedSchema) else fmt.parse(p, refs) for p in previous]
    if level == "NONE" or not prev_p:
        return Result(True)
    indexed = versions_checked(level, list(enumerate(prev_p, start=1)))
    base = level.removesuffix("_TRANSITIVE")
    messages: list[Message] = []
    for number, old in reversed(indexed):
        if base in ("BACKWARD", "FULL"):
            messages += _reader_writer(fmt, reader=new_p, writer=old, version=number)
        if base in ("FORWARD", "FULL"):
            messages += _reader_writer(fmt, reader=old, writer=new_p, version=number)
    return Result(not messages, tuple(messages))


_PAIRS: OrderedDict[tuple[str, str, str, str, str], list[Message]] = OrderedDict()
_PAIRS_MAX = 4096
_PAIRS_LOCK = threading.Lock()  # the local registry may check from several threads


def _reader_writer(
    fmt: SchemaFormat, reader: ParsedSchema, writer: ParsedSchema, version: int
) -> list[Message]:
    """The format's verdict for one pair, remembered by texts and references.

    A plan checks the same pairs again and again (every subject, every run of
    the local registry); the verdict depends only on the two schemas. The key
    is each side's text and references (not the canonical forms, which a
    check does not otherwise need to print).
    """
    key = (
        reader.schema_type,
        reader.text,
        repr(sorted(reader.references.items())),
        writer.text,
        repr(sorted(writer.references.items())),
    )
    with _PAIRS_LOCK:
        found = _PAIRS.get(key)
        if found is not None:
            _PAIRS.move_to_end(key)
    if found is None:
        found = fmt.reader_writer(reader=reader, writer=writer, version=0)
        with _PAIRS_LOCK:
            _PAIRS[key] = found
            if len(_PAIRS) > _PAIRS_MAX:
                _PAIRS.popitem(last=False)
    return [replace(m, version=version) for m in found]
