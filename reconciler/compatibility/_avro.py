"""AVRO: parsing with the ``avro`` package and its reader/writer checker."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache

import avro.errors
import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from ._api import Difference, InvalidSchemaError, Message, ParsedSchema


def _names_with_references(references: dict[str, str]) -> avro.schema.Names:
    names = avro.schema.Names()
    for name, text in references.items():
        try:
            avro.schema.make_avsc_object(json.loads(text), names)
        except (ValueError, avro.errors.AvroException) as exc:
            raise InvalidSchemaError(f"reference {name}: {exc}") from exc
    return names


def parse(text: str, references: dict[str, str]) -> ParsedSchema:
    return _parse_cached(text, tuple(sorted(references.items())))


@lru_cache(maxsize=1024)
def _parse_cached(text: str, reference_items: tuple[tuple[str, str], ...]) -> ParsedSchema:
    references = dict(reference_items)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidSchemaError(f"not valid JSON: {exc}") from exc
    names = _names_with_references(references)
    try:
        schema = avro.schema.make_avsc_object(doc, names)
    except (avro.errors.AvroException, TypeError, ValueError) as exc:
        raise InvalidSchemaError(f"invalid Avro schema: {exc}") from exc
    return ParsedSchema("AVRO", text, references, native=schema)


def _as_json(parsed: ParsedSchema) -> object:
    # to_json() keeps doc, defaults, aliases, logicalType and custom props, so
    # it changes exactly when the registry would assign a new id. Referenced
    # named types are written by name, not inlined (as Confluent's
    # canonicalString does with Schema.toString(referencedSchemas, ...)): a
    # stored canonical form must parse again with the same references.
    schema: avro.schema.Schema = parsed.native  # type: ignore[assignment]
    return schema.to_json(_names_with_references(dict(parsed.references)))


def canonical(parsed: ParsedSchema) -> str:
    return json.dumps(_as_json(parsed), separators=(",", ":"))


def normalized(parsed: ParsedSchema) -> str:
    return json.dumps(_as_json(parsed), separators=(",", ":"), sort_keys=True)


def reader_writer(reader: ParsedSchema, writer: ParsedSchema, version: int) -> list[Message]:
    result = ReaderWriterCompatibilityChecker().get_compatibility(reader.native, writer.native)
    if result.compatibility is SchemaCompatibilityType.compatible:
        return []
    rules = [kind.name.upper() for kind in result.incompatibilities] or ["INCOMPATIBLE"]
    messages = sorted(result.messages) or ["incompatible"]
    if len(messages) == 1:
        return [Message(rules[0], ",".join(sorted(result.locations)), messages[0], version)]
    locations = sorted(result.locations)
    found = [(text, _rule_of(text, rules)) for text in messages]
    # Locations a specific kind claims (…/name, …/size, …/symbols, …/fields/N)
    # are not the place of the kinds that have no suffix of their own.
    claimed = {
        loc
        for _, rule in found
        if rule in _LOCATION_OF
        for loc in locations
        if _LOCATION_OF[rule](loc)
    }
    out = []
    for text, rule in found:
        if rule in _LOCATION_OF:
            places = [loc for loc in locations if _LOCATION_OF[rule](loc)]
        else:
            places = [loc for loc in locations if loc not in claimed]
        out.append(Message(rule, ",".join(places or locations), text, version))
    return out


# The checker returns its findings' kinds as a list but their messages and
# locations as unordered sets; each message format and location suffix belongs
# to one kind, which pairs them up again.
_MESSAGE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^reader type: .* not compatible with writer type: "), "TYPE_MISMATCH"),
    (re.compile(r"^reader union lacking writer type"), "MISSING_UNION_BRANCH"),
    (re.compile(r"^expected: \d+, found: \d+$"), "FIXED_SIZE_MISMATCH"),
    (re.compile(r"^expected: "), "NAME_MISMATCH"),
    (re.compile(r"^\{.*\}$"), "MISSING_ENUM_SYMBOLS"),
)
_LOCATION_OF: dict[str, Callable[[str], bool]] = {
    "NAME_MISMATCH": lambda loc: loc.endswith("name"),
    "FIXED_SIZE_MISMATCH": lambda loc: loc.endswith("size"),
    "MISSING_ENUM_SYMBOLS": lambda loc: loc.endswith("symbols"),
    "READER_FIELD_MISSING_DEFAULT_VALUE": lambda loc: re.search(r"fields/\d+$", loc) is not None,
}


def _rule_of(message: str, rules: list[str]) -> str:
    for pattern, rule in _MESSAGE_RULES:
        if pattern.search(message) and rule in rules:
            return rule
    if "READER_FIELD_MISSING_DEFAULT_VALUE" in rules:
        return "READER_FIELD_MISSING_DEFAULT_VALUE"  # its message is the bare field name
    return rules[0]


def diff(original: ParsedSchema, update: ParsedSchema) -> list[Difference]:
    """What stops ``update`` reading data written with ``original``.

    Confluent keeps no difference list for Avro; these are the checker's findings.
    """
    return [
        Difference(m.rule, m.location, compatible=False)
        for m in reader_writer(reader=update, writer=original, version=0)
    ]
