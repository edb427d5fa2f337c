"""AVRO: parsing with the ``avro`` package and its reader/writer checker."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from functools import cached_property, lru_cache

import avro.errors
import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from . import _avro_checker, _avro_json, _avro_model
from ._avro_defaults import read_textual_float_defaults
from ._java_numbers import dumps_java
from ._types import (
    Difference,
    FunctionFormat,
    InvalidSchemaError,
    Message,
    ParsedSchema,
    SchemaFormat,
)


def _names_with_references(references: dict[str, str], validate: bool) -> avro.schema.Names:
    names = avro.schema.Names(validate_names=validate)
    for name, text in references.items():
        try:
            avro.schema.make_avsc_object(json.loads(text), names, validate_names=validate)
        except (ValueError, avro.errors.AvroException) as exc:
            raise InvalidSchemaError(f"reference {name}: {exc}") from exc
    return names


# What the avro parser accepts as a name, namespace or type reference, and more
# strictly: no empty parts, no trailing newline (its pattern ends with ``$``).
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def _plainly_named(schema: object) -> bool:
    """Whether every string the avro parser would check as a name is a plain dotted identifier.

    The parser validates a full name each time it declares or looks up a named
    type (a third of its time on a 50-field record: every field's type string
    is looked up). Full names are built only from the strings checked here
    (type references, names, namespaces), and a full name made of plain
    identifiers is always valid, so such a schema parses identically without
    the parser's own checks. Anything else is parsed with them, for the
    parser's own verdict and message.
    """
    if isinstance(schema, str):
        return _PLAIN_NAME.fullmatch(schema) is not None
    if isinstance(schema, list):
        return all(_plainly_named(branch) for branch in schema)
    if not isinstance(schema, dict):
        return True  # the parser refuses it whatever the names
    for key in ("name", "namespace", "type"):
        value = schema.get(key)
        if isinstance(value, str) and value and _PLAIN_NAME.fullmatch(value) is None:
            return False
    fields = schema.get("fields")
    if isinstance(fields, list) and not all(
        _plainly_named(f.get("type")) for f in fields if isinstance(f, dict)
    ):
        return False
    return all(_plainly_named(schema[k]) for k in ("items", "values") if k in schema)


def _validate_names(doc: object, references: dict[str, str]) -> bool:
    """Whether the parser must check names itself (see ``_plainly_named``)."""
    try:
        docs = [doc, *(json.loads(text) for text in references.values())]
    except ValueError:
        return True  # the parser reports the broken reference, in its order
    return not all(_plainly_named(d) for d in docs)


def parse(text: str, references: dict[str, str]) -> ParsedSchema:
    return _parse_cached(text, _dependencies_first(references))


def validate(text: str, references: dict[str, str]) -> None:
    """Raise ``InvalidSchemaError`` exactly when ``parse`` would, without keeping the parse:
    no ``ParsedSchema`` nor cache entry (a third of a parse's time on a load's small
    records, which a spec load validates by the thousand and never uses)."""
    _native(text, dict(_dependencies_first(references)), keep=False)


_NAMED_KINDS = frozenset(("record", "error", "enum", "fixed"))


def _dependencies_first(references: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The references in an order the parser can follow: each after those it uses.

    Avro resolves a type name only once it is defined, so a referenced schema
    with references of its own (a chain) must come after them, as Confluent's
    ``resolveReferences`` lists them, whatever the reference names and the
    order the caller gave. Ties keep name order, so the result (and the parse
    cache key) does not depend on the caller's order. A reference that does
    not decode, or a cycle, is left where it falls: the parser reports it.
    """
    items = sorted(references.items())
    if len(items) < 2:
        return tuple(items)
    defined: list[set[str]] = []
    used: list[set[str]] = []
    for _, text in items:
        names: set[str] = set()
        uses: set[str] = set()
        with contextlib.suppress(ValueError, RecursionError):
            _type_names(json.loads(text), None, names, uses)
        defined.append(names)
        used.append(uses - names)
    placed: list[int] = []
    waiting = list(range(len(items)))
    while waiting:
        ready = next(
            (i for i in waiting if not any(used[i] & defined[j] for j in waiting if j != i)),
            waiting[0],  # a cycle: the parser's verdict
        )
        placed.append(ready)
        waiting.remove(ready)
    return tuple(items[i] for i in placed)


def _type_names(node: object, space: str | None, defined: set[str], used: set[str]) -> None:
    """Collect the full names ``node`` defines and the type names it refers to.

    A short name used inside a namespace may mean the namespaced name or, as
    Java's ``Names.get`` falls back, the name without namespace: both count.
    """
    if isinstance(node, str):
        if node not in _avro_model.PRIMITIVES:
            used.add(node)
            if space and "." not in node:
                used.add(f"{space}.{node}")
    elif isinstance(node, list):
        for branch in node:
            _type_names(branch, space, defined, used)
    elif isinstance(node, dict):
        kind = node.get("type")
        name = node.get("name")
        if kind in _NAMED_KINDS and isinstance(name, str):
            namespace = node.get("namespace")
            if isinstance(namespace, str):
                space = namespace or None
            full = name if "." in name or not space else f"{space}.{name}"
            defined.add(full)
            space = full.rpartition(".")[0] or None
            for field in node.get("fields") or () if kind in ("record", "error") else ():
                if isinstance(field, dict):
                    _type_names(field.get("type"), space, defined, used)
        elif kind in ("array", "map"):
            _type_names(node.get("items" if kind == "array" else "values"), space, defined, used)
        elif kind not in _NAMED_KINDS:
            _type_names(kind, space, defined, used)


class _Native:
    """What a parsed Avro schema holds: the lean model, the library's schema, or both.

    The model (``_avro_model``) is built when it can decide the schema exactly
    like the library; the library's schema objects are then built only when
    a canonical form is asked for. Otherwise the library parses at once, and
    decides validity and compatibility itself.
    """

    __slots__ = ("_library", "_references", "_text", "model")

    def __init__(
        self,
        text: str,
        references: dict[str, str],
        model: _avro_model.Schema | None,
        library: avro.schema.Schema | None,
    ) -> None:
        self._text, self._references = text, references
        self.model, self._library = model, library

    @property
    def library(self) -> avro.schema.Schema:
        if self._library is None:
            self._library = _library_parse(self._text, self._references)
        return self._library


@lru_cache(maxsize=1024)
def _parse_cached(text: str, reference_items: tuple[tuple[str, str], ...]) -> ParsedSchema:
    references = dict(reference_items)
    return ParsedSchema("AVRO", text, references, native=_native(text, references), format=FORMAT)


def _native(text: str, references: dict[str, str], keep: bool = True) -> _Native:
    """The schema parsed (``references`` in dependency order), or ``InvalidSchemaError``.

    ``keep=False``: only the verdict is wanted (``validate``), and what is returned
    must not be used (its model is not built whole, see ``_avro_model.build``).
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidSchemaError(f"not valid JSON: {exc}") from exc
    _read_float_defaults(text, doc)
    try:
        names: dict[str, _avro_model.Named] = {}
        for reference in references.values():
            _avro_model.build(json.loads(reference), names, keep)
        return _Native(text, references, _avro_model.build(doc, names, keep), None)
    except (_avro_model.Unsure, ValueError):
        return _Native(text, references, None, _library_parse(text, references, doc))


def _library_parse(text: str, references: dict[str, str], doc: object = None) -> avro.schema.Schema:
    if doc is None:
        doc = json.loads(text)
    validate = _validate_names(doc, references)
    names = _names_with_references(references, validate)
    try:
        schema = avro.schema.make_avsc_object(doc, names, validate_names=validate)
    except (avro.errors.AvroException, TypeError, ValueError) as exc:
        raise InvalidSchemaError(f"invalid Avro schema: {exc}") from exc
    for named in names.names.values():  # every record, declared here or referenced
        if type(named) is avro.schema.RecordSchema:
            named.__class__ = _IndexedRecord
    return schema


class _IndexedRecord(avro.schema.RecordSchema):
    """A record whose ``fields_dict`` is built once.

    The library rebuilds that dict on every access, and its checker looks up
    each reader field in it: quadratic in the number of fields, a third of a
    check of two 50-field records. Fields never change after parsing; the
    parser makes plain records, which are given this class afterwards.
    """

    @cached_property
    def fields_dict(self) -> dict[str, avro.schema.Field]:  # type: ignore[override]
        return {field.name: field for field in self.fields}


def _as_json(parsed: ParsedSchema) -> object:
    # to_json() keeps doc, defaults, aliases, logicalType and custom props, so
    # it changes exactly when the registry would assign a new id. Referenced
    # named types are written by name, not inlined (as Confluent's
    # canonicalString does with Schema.toString(referencedSchemas, ...)): a
    # stored canonical form must parse again with the same references.
    native: _Native = parsed.native  # type: ignore[assignment]
    return native.library.to_json(_names_with_references(dict(parsed.references), False))


def canonical(parsed: ParsedSchema) -> str:
    """Avro Java's ``Schema.toString(references, false)``, as Confluent stores and returns it."""
    references = [json.loads(text) for text in parsed.references.values()]
    doc = json.loads(parsed.text)
    _read_float_defaults(parsed.text, doc)
    return _dumps(parsed.text, _avro_json.java_form(doc, references))


def _read_float_defaults(text: str, doc: object) -> None:
    if "float" in text or "double" in text:  # else no field can have such a default
        read_textual_float_defaults(doc)


# A JSON number with a fraction or an exponent; without one, a text has no double
# to write as Java does (a match inside a string only costs the slower writer).
_MAY_HOLD_DOUBLES = re.compile(r"[0-9][.eE]")


def _dumps(text: str, doc: object, *, sort_keys: bool = False, ensure_ascii: bool = False) -> str:
    if _MAY_HOLD_DOUBLES.search(text) or "float" in text or "double" in text:
        return dumps_java(doc, sort_keys=sort_keys, ensure_ascii=ensure_ascii)
    return json.dumps(doc, separators=(",", ":"), sort_keys=sort_keys, ensure_ascii=ensure_ascii)


def resolved(parsed: ParsedSchema) -> str:
    """Confluent's ``format=resolved``: Avro Java's ``Schema.toString()``, with no names
    known, so each referenced named type is written out where it is first used."""
    doc = json.loads(parsed.text)
    _read_float_defaults(parsed.text, doc)
    references = [json.loads(text) for text in parsed.references.values()]
    return dumps_java(_avro_json.java_form(doc, references, inline_references=True))


def normalized(parsed: ParsedSchema) -> str:
    doc = _as_json(parsed)
    _read_float_defaults(parsed.text, doc)
    return _dumps(parsed.text, doc, sort_keys=True, ensure_ascii=True)


def reader_writer(reader: ParsedSchema, writer: ParsedSchema, version: int) -> list[Message]:
    result = _reader_writer(reader.native, writer.native)  # type: ignore[arg-type]
    if result.compatible:
        return []
    rules = [kind.upper() for kind in result.incompatibilities]
    messages = sorted(result.messages)
    # The checker adds the root "/" to an incompatible result merged with a
    # compatible one (a quirk of the library, kept by the port): it is nobody's
    # place when a finding has one of its own.
    locations = sorted(result.locations - {"/"}) or ["/"]
    if len(messages) == 1:
        where = ",".join(locations)
        return [Message(rules[0], where, _explain(rules[0], messages[0]), version)]
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
        out.append(Message(rule, ",".join(places or locations), _explain(rule, text), version))
    return out


_TYPE_MISMATCH = re.compile(r"^reader type: (.+) not compatible with writer type: (.+)$")
_UNION_LACKING = re.compile(r"^reader union lacking writer type:? (.+)$")


def _explain(rule: str, text: str) -> str:
    """The checker's terse text (a bare field name, a set of symbols) as a sentence."""
    if rule == "READER_FIELD_MISSING_DEFAULT_VALUE":
        return (
            f"the reader's field {text!r} has no default, so data written without it cannot be read"
        )
    if rule == "MISSING_ENUM_SYMBOLS":
        return f"the writer's symbols {text} are not in the reader's enum, which has no default"
    if rule == "NAME_MISMATCH":
        return f"the reader's type has another name and no alias for the writer's ({text})"
    if rule == "FIXED_SIZE_MISMATCH":
        return f"the fixed sizes differ ({text})"
    if (match := _TYPE_MISMATCH.match(text)) is not None:
        return f"the reader's type {match[1]} cannot read the writer's type {match[2]}"
    if (match := _UNION_LACKING.match(text)) is not None:
        return f"the reader's union has no branch for the writer's type {match[1].lower()}"
    return text


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


def _reader_writer(reader: _Native, writer: _Native) -> _avro_checker.Result:
    """The checker's verdict: the port on the lean models, or the library's own."""
    if reader.model is not None and writer.model is not None:
        return _avro_checker.Checker().get_compatibility(reader.model, writer.model)
    found = ReaderWriterCompatibilityChecker().get_compatibility(reader.library, writer.library)
    return _avro_checker.Result(
        found.compatibility is SchemaCompatibilityType.compatible,
        tuple(kind.name for kind in found.incompatibilities),
        frozenset(found.messages),
        frozenset(found.locations),
    )


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


FORMAT: SchemaFormat = FunctionFormat(parse, canonical, normalized, diff, reader_writer)
