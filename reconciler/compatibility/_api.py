"""Format-independent entry points; each format lives in its own module."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, get_args

from reconciler.confluent import versions_checked

if TYPE_CHECKING:
    from google.protobuf.descriptor_pb2 import FileDescriptorProto

SchemaType = Literal["AVRO", "JSON", "PROTOBUF"]
SCHEMA_TYPES: tuple[str, ...] = get_args(SchemaType)
Level = Literal[
    "NONE",
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
]
LEVELS: tuple[str, ...] = get_args(Level)


class InvalidSchemaError(ValueError):
    """The schema text does not parse or is not a valid schema of its type."""


@dataclass(frozen=True)
class Message:
    """One incompatibility: which rule, where, and against which earlier version."""

    rule: str
    location: str
    message: str
    version: int | None = None

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        against = f" (against version {self.version})" if self.version is not None else ""
        return f"{self.rule}{where}: {self.message}{against}"


@dataclass(frozen=True)
class Difference:
    """One change between two versions, named and located as Confluent's registry does.

    ``compatible`` says whether this change alone keeps the update BACKWARD
    compatible with the original (Confluent's ``COMPATIBLE_CHANGES`` sets).
    """

    rule: str
    location: str
    compatible: bool

    def __str__(self) -> str:
        return f"{self.rule} {self.location}"


@dataclass(frozen=True)
class Result:
    compatible: bool
    messages: tuple[Message, ...] = ()


@dataclass(frozen=True)
class ParsedSchema:
    """A validated schema with the forms used for identity and equality.

    ``references`` maps the reference name (Avro full name, JSON ``$ref`` URL,
    Protobuf import path) to the referenced schema text.

    ``canonical`` and ``normalized`` are printed on first use and then kept: a
    compatibility check needs neither, and printing them was half the cost of
    parsing a new version (Protobuf's canonical form even needs a second
    compilation, with source positions). Both depend only on the text and
    the references, so equality compares those.
    """

    schema_type: str
    text: str
    references: Mapping[str, str] = field(default_factory=dict)
    native: object = field(default=None, compare=False, repr=False)

    @cached_property
    def canonical(self) -> str:
        with _bounded_depth():
            return str(_format(self.schema_type).canonical(self))

    @cached_property
    def normalized(self) -> str:
        with _bounded_depth():
            return str(_format(self.schema_type).normalized(self))

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.normalized.encode()).hexdigest()


def _format(schema_type: str) -> ModuleType:
    """The module implementing ``schema_type``, imported on first use (protoc is heavy)."""
    if schema_type == "AVRO":
        from . import _avro

        return _avro
    if schema_type == "JSON":
        from . import _jsonschema

        return _jsonschema
    if schema_type == "PROTOBUF":
        from . import _protobuf

        return _protobuf
    raise InvalidSchemaError(f"unknown schema type {schema_type!r}")


@contextmanager
def _bounded_depth() -> Iterator[None]:
    """Schemas nested deeper than Python's recursion limit are refused, not crashed on."""
    try:
        yield
    except RecursionError as exc:
        raise InvalidSchemaError("the schema is nested too deeply to process") from exc


def parse(schema_type: str, text: str, references: Mapping[str, str] | None = None) -> ParsedSchema:
    """Parse and validate ``text``; raise ``InvalidSchemaError`` with a reason."""
    if schema_type not in SCHEMA_TYPES:
        raise InvalidSchemaError(f"unknown schema type {schema_type!r}")
    with _bounded_depth():
        return _format(schema_type).parse(text, dict(references or {}))


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


def protobuf_file(parsed: ParsedSchema) -> FileDescriptorProto:
    """The ``FileDescriptorProto`` protoc made of a parsed PROTOBUF schema (for linting)."""
    if parsed.schema_type != "PROTOBUF":
        raise ValueError(f"a {parsed.schema_type} schema has no Protobuf file descriptor")
    from . import _protobuf

    return _protobuf.file_descriptor(parsed)


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
    with _bounded_depth():
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
    with _bounded_depth():
        return _check(_format(schema_type), new, previous, level, dict(references or {}))


def _check(
    fmt: ModuleType,
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
    fmt: ModuleType, reader: ParsedSchema, writer: ParsedSchema, version: int
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
