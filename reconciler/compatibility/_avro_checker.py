"""The ``avro`` package's reader/writer checker, run on the lean model of ``_avro_model``.

A line-for-line port of ``avro.compatibility.ReaderWriterCompatibilityChecker``
(itself a port of the Java ``SchemaCompatibility`` that Confluent uses): the
same recursion, memo by object identity, merge rules, messages and
locations, down to the quirk that merging a compatible result into an
incompatible one adds the root location ``/``. Two things differ, neither
observable in a result: a compatible result is one shared object, and a
field whose reader and writer types are the same primitive is settled
without a memo entry (its verdict is always "compatible", whatever the
memo holds). ``tests/compatibility/test_avro_checker.py`` holds it to the
library's results on generated schema pairs.
"""

from __future__ import annotations

from collections.abc import Container, Iterable

from ._avro_model import PRIMITIVES, Enum, Field, Fixed, Named, Record, Schema

NAME_MISMATCH = "name_mismatch"
FIXED_SIZE_MISMATCH = "fixed_size_mismatch"
MISSING_ENUM_SYMBOLS = "missing_enum_symbols"
READER_FIELD_MISSING_DEFAULT_VALUE = "reader_field_missing_default_value"
TYPE_MISMATCH = "type_mismatch"
MISSING_UNION_BRANCH = "missing_union_branch"


class Result:
    """Like the library's ``SchemaCompatibilityResult``: kinds in order, the rest as sets."""

    __slots__ = ("compatible", "incompatibilities", "locations", "messages")

    def __init__(
        self,
        compatible: bool,
        incompatibilities: tuple[str, ...],
        messages: frozenset[str],
        locations: frozenset[str],
    ) -> None:
        self.compatible = compatible
        self.incompatibilities = incompatibilities
        self.messages = messages
        self.locations = locations


COMPATIBLE = Result(True, (), frozenset(), frozenset({"/"}))
_IN_PROGRESS = Result(True, (), frozenset(), frozenset({"/"}))


def merge(this: Result, that: Result) -> Result:
    if this.compatible:
        return that  # the library copies it: same kinds, messages and locations
    return Result(
        False,
        this.incompatibilities + that.incompatibilities,
        this.messages | that.messages,
        this.locations | that.locations,
    )


def incompatible(kind: str, message: str, location: tuple[str, ...]) -> Result:
    where = "/".join(location)
    if len(location) > 1:
        where = where[1:]
    return Result(False, (kind,), frozenset((message,)), frozenset((where,)))


class Checker:
    """One check; like the library's checker, not to be reused across checks."""

    __slots__ = ("memo",)

    def __init__(self) -> None:
        self.memo: dict[tuple[int, int], Result] = {}

    def get_compatibility(
        self, reader: Schema, writer: Schema, token: str = "/", location: tuple[str, ...] = ()
    ) -> Result:
        pair = (id(reader), id(writer))  # both stay alive for the whole check
        found = self.memo.get(pair)
        if found is not None:
            return COMPATIBLE if found is _IN_PROGRESS else found
        self.memo[pair] = _IN_PROGRESS
        result = self.calculate(reader, writer, (*location, token))
        self.memo[pair] = result
        return result

    def calculate(self, reader: Schema, writer: Schema, location: tuple[str, ...]) -> Result:
        kind = reader.type
        if kind == writer.type:
            if kind in PRIMITIVES:
                return COMPATIBLE
            if kind == "array":
                return self.get_compatibility(reader.items, writer.items, "items", location)  # type: ignore[attr-defined]
            if kind == "map":
                return self.get_compatibility(reader.values, writer.values, "values", location)  # type: ignore[attr-defined]
            if kind == "fixed":
                assert isinstance(reader, Fixed) and isinstance(writer, Fixed)
                size = COMPATIBLE
                if reader.size != writer.size:
                    message = f"expected: {writer.size}, found: {reader.size}"
                    size = incompatible(FIXED_SIZE_MISMATCH, message, (*location, "size"))
                return merge(_check_names(reader, writer, location), size)
            if kind == "enum":
                assert isinstance(reader, Enum) and isinstance(writer, Enum)
                return merge(
                    _check_names(reader, writer, location), _check_symbols(reader, writer, location)
                )
            if kind == "record":
                assert isinstance(reader, Record) and isinstance(writer, Record)
                return merge(
                    _check_names(reader, writer, location), self.fields(reader, writer, location)
                )
            result = COMPATIBLE  # both unions
            for i, branch in enumerate(writer.schemas):  # type: ignore[attr-defined]
                if not self.get_compatibility(reader, branch).compatible:
                    message = f"reader union lacking writer type: {branch.type.upper()}"
                    result = merge(
                        result, incompatible(MISSING_UNION_BRANCH, message, (*location, str(i)))
                    )
            return result
        if writer.type == "union":
            result = COMPATIBLE
            for branch in writer.schemas:  # type: ignore[attr-defined]
                result = merge(result, self.get_compatibility(reader, branch))
            return result
        if kind == "union":
            for branch in reader.schemas:  # type: ignore[attr-defined]
                if self.get_compatibility(branch, writer).compatible:
                    return COMPATIBLE
            message = f"reader union lacking writer type {writer.type}"
            return incompatible(MISSING_UNION_BRANCH, message, location)
        if writer.type in _PROMOTIONS.get(kind, ()):
            return COMPATIBLE
        message = f"reader type: {kind} not compatible with writer type: {writer.type}"
        return incompatible(TYPE_MISMATCH, message, location)

    def fields(self, reader: Record, writer: Record, location: tuple[str, ...]) -> Result:
        result = COMPATIBLE
        for i, reader_field in enumerate(reader.fields):
            writer_field = _lookup_writer_field(writer, reader_field)
            reader_type = reader_field.type
            if writer_field is None:
                if reader_field.has_default:
                    continue
                place = (*location, "fields", str(i))
                if reader_type.type == "enum" and reader_type.default:  # type: ignore[attr-defined]
                    found = self.get_compatibility(reader_type, writer, "type", place)
                else:
                    found = incompatible(
                        READER_FIELD_MISSING_DEFAULT_VALUE, reader_field.name, place
                    )
                result = merge(result, found)
            elif reader_type.type in PRIMITIVES and reader_type.type == writer_field.type.type:
                if not result.compatible:
                    result = merge(result, COMPATIBLE)
            else:
                place = (*location, "fields", str(i))
                result = merge(
                    result, self.get_compatibility(reader_type, writer_field.type, "type", place)
                )
        return result


# What each reader type reads besides itself (Avro's promotions).
_PROMOTIONS: dict[str, frozenset[str]] = {
    "long": frozenset(("int",)),
    "float": frozenset(("int", "long")),
    "double": frozenset(("int", "long", "float")),
    "bytes": frozenset(("string",)),
    "string": frozenset(("bytes",)),
}


def _check_names(reader: Named, writer: Named, location: tuple[str, ...]) -> Result:
    aliases = reader.aliases
    if reader.name == writer.name or (
        isinstance(aliases, Container) and writer.fullname in aliases
    ):
        return COMPATIBLE
    return incompatible(NAME_MISMATCH, f"expected: {writer.fullname}", (*location, "name"))


def _check_symbols(reader: Enum, writer: Enum, location: tuple[str, ...]) -> Result:
    reader_symbols = set(reader.symbols)
    extra = set(writer.symbols).difference(reader_symbols)
    if not extra or (reader.default and reader.default in reader_symbols):
        return COMPATIBLE
    return incompatible(MISSING_ENUM_SYMBOLS, str(extra), (*location, "symbols"))


def _lookup_writer_field(writer: Record, reader_field: Field) -> Field | None:
    direct = writer.fields_dict.get(reader_field.name)
    if direct is not None:
        return direct
    aliases = reader_field.aliases
    if not isinstance(aliases, Iterable):
        return None
    for alias in aliases:
        found = writer.fields_dict.get(alias)
        if found is not None:
            return found
    return None
