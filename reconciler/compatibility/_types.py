"""The types every compatibility module shares: schema types, levels, results, parsed schemas.

Kept apart from the entry points (``_api``) and the format modules so that
each format imports only this module and the rule catalogue, and ``_api``
imports the formats: no cycle between them. ``SchemaFormat`` is what a format
module provides (``_api._format`` returns one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, Protocol, get_args

from reconciler.errors import ReconcilerError

from ._rules import BY_ID

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


class InvalidSchemaError(ReconcilerError, ValueError):
    """The schema text does not parse or is not a valid schema of its type."""


@dataclass(frozen=True)
class Message:
    """One incompatibility: which rule, where, why, and against which earlier version.

    ``message`` says why in the reader's and writer's terms, without the place
    (``location`` holds it); ``fix`` is the rule's fix from the catalogue.
    ``str()`` is the sentence the CLI, plans, the Action and the MCP server show:
    ``RULE at LOCATION (against version N): why. Fix: what to do instead.``
    """

    rule: str
    location: str
    message: str
    version: int | None = None

    @property
    def fix(self) -> str:
        return BY_ID[self.rule].fix

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        against = f" (against version {self.version})" if self.version is not None else ""
        fix = f" Fix: {self.fix}." if self.fix else ""
        return f"{self.rule}{where}{against}: {self.message}.{fix}"


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
    format: SchemaFormat = field(kw_only=True, compare=False, repr=False)

    @cached_property
    def canonical(self) -> str:
        with bounded_depth():
            return self.format.canonical(self)

    @cached_property
    def normalized(self) -> str:
        with bounded_depth():
            return self.format.normalized(self)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.normalized.encode()).hexdigest()


class SchemaFormat(Protocol):
    """What a schema format (AVRO, JSON, PROTOBUF) provides to the entry points of ``_api``.

    ``reader_writer`` is the one check every level is made of: can consumers
    using ``reader`` read what producers using ``writer`` wrote? Each message
    carries ``version``; the entry points re-number them.
    """

    def parse(self, text: str, references: dict[str, str]) -> ParsedSchema:
        """Validate ``text`` (with the texts of its references by name) or raise
        ``InvalidSchemaError``; the result's ``native`` is the format's own model."""
        ...

    def canonical(self, parsed: ParsedSchema) -> str:
        """The form the registry stores and identifies a schema by."""
        ...

    def normalized(self, parsed: ParsedSchema) -> str:
        """The ``normalize=true`` form: equal for schemas equal in meaning."""
        ...

    def diff(self, original: ParsedSchema, update: ParsedSchema) -> list[Difference]:
        """Every change from ``original`` to ``update``, named by the rule catalogue."""
        ...

    def reader_writer(
        self, reader: ParsedSchema, writer: ParsedSchema, version: int
    ) -> list[Message]:
        """Why ``reader`` cannot read data written with ``writer`` (empty: it can)."""
        ...


@dataclass(frozen=True)
class FunctionFormat:
    """A ``SchemaFormat`` made of a format module's functions (its ``FORMAT``)."""

    parse: Callable[[str, dict[str, str]], ParsedSchema]
    canonical: Callable[[ParsedSchema], str]
    normalized: Callable[[ParsedSchema], str]
    diff: Callable[[ParsedSchema, ParsedSchema], list[Difference]]
    reader_writer: Callable[[ParsedSchema, ParsedSchema, int], list[Message]]


class _BoundedDepth:
    """``bounded_depth``'s context: a class, not a generator, as a spec load enters it once
    per schema (50,000 times in an export's check: 0.07 -> 0.015 s)."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, trace: object
    ) -> bool:
        if kind is not None and issubclass(kind, RecursionError):
            raise InvalidSchemaError("the schema is nested too deeply to process") from exc
        return False


_BOUNDED_DEPTH = _BoundedDepth()


def bounded_depth() -> _BoundedDepth:
    """Schemas nested deeper than Python's recursion limit are refused, not crashed on."""
    return _BOUNDED_DEPTH
