"""Schema identity by meaning, through the compatibility engine's forms.

The planner compares the *normalized* form of a desired schema with that of
the live version (plus their resolved references), so formatting and key
order never produce a diff while a change of doc, default, alias or
logicalType always does. Parsing is cached: the same live schema is parsed
once per plan however many times it is compared or checked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson

import reconciler.compatibility

# The compatibility package's modules are imported where a schema is first parsed (its
# door is lazy): a plan that parses none does not load them.
if TYPE_CHECKING:
    from reconciler.compatibility import ParsedSchema
    from reconciler.spec import ResultCache


class SchemaCache:
    """One plan's parses and comparisons; ``results``: the answers remembered across
    plans (``checks.py``), None when the plan keeps none."""

    def __init__(self, results: ResultCache | None = None) -> None:
        self.results = results
        self._parsed: dict[tuple[str, str, tuple[tuple[str, str], ...]], ParsedSchema] = {}
        self._same: dict[tuple[str, str, str], bool] = {}
        self._fields: dict[str, tuple[object, ...] | None] = {}

    def parse(self, schema_type: str, text: str, references: Mapping[str, str]) -> ParsedSchema:
        key = (schema_type, text, tuple(sorted(references.items())))
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = reconciler.compatibility.parse(schema_type, text, references)
            self._parsed[key] = parsed
        return parsed

    def same_document(self, schema_type: str, a: str, b: str) -> bool:
        """``same_document``, remembered: a plan that reads settings diffs twice."""
        key = (schema_type, a, b)
        same = self._same.get(key)
        if same is None:
            same = self._same[key] = same_document(schema_type, a, b)
        return same

    def known_same(self, schema_type: str, a: str, b: str) -> None:
        """Take ``same_document(schema_type, a, b)`` as True: a comparison of these very
        texts found it so (``planner._compare_listed``'s remembered outcomes)."""
        self._same[(schema_type, a, b)] = True

    def may_be_same(self, schema_type: str, a: str, b: str) -> bool:
        """False when two schemas certainly differ in meaning, told without their
        normalized forms (an Avro one is the ``avro`` library's parse and print of the
        schema, ~0.1 ms): two Avro records whose fields have other names, or come in
        another order. True means "compare the forms".

        A normalized Avro form lists the record's fields in order, each with its name
        as written; so do the JSON texts. A 1 % plan compares each new schema with
        every version of its subject (it must not be an older one): mostly a field
        added or removed.
        """
        if schema_type != "AVRO":
            return True
        a_fields, b_fields = self._field_names(a), self._field_names(b)
        return a_fields is None or b_fields is None or a_fields == b_fields

    def _field_names(self, text: str) -> tuple[object, ...] | None:
        if text not in self._fields:
            self._fields[text] = _record_field_names(text)
        return self._fields[text]

    def identity(self, schema_type: str, text: str, references: Mapping[str, str]) -> str:
        """The form two schemas are compared by; the stripped text when unparseable."""
        try:
            return self.parse(schema_type, text, references).normalized
        except reconciler.compatibility.InvalidSchemaError:
            return text.strip()


def _record_field_names(text: str) -> tuple[object, ...] | None:
    """The ``name`` of each field of an Avro record, in order, as its JSON has them
    (decoded as the Avro parser decodes it); None when the text is not a record."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(doc, dict) or doc.get("type") != "record":
        return None
    fields = doc.get("fields")
    if not isinstance(fields, list):
        return None
    return tuple(field.get("name") if isinstance(field, dict) else None for field in fields)


def pretty(schema_type: str, text: str) -> str:
    """A readable multi-line rendering of a schema for diffs."""
    if schema_type in ("AVRO", "JSON"):
        try:
            return json.dumps(json.loads(text), indent=2)
        except json.JSONDecodeError:
            return text
    return text.strip()


def same_document(schema_type: str, a: str, b: str) -> bool:
    """Whether two schema texts are the same document: equal JSON, or equal Protobuf text.

    True means the same schema for certain; False means "parse and compare".
    """
    if a == b:
        return True
    if schema_type == "PROTOBUF":
        return a.strip() == b.strip()
    if _compact_form_of(b) == a:
        return True
    try:
        return _as_written(a) == _as_written(b)
    except json.JSONDecodeError:
        return False


# A number with a fraction or an exponent, as orjson writes it (``1.5``, ``1e+16``), is a
# digit followed by ``.``, ``e`` or ``E``: looked for with every digit made ``0`` first,
# by three substring searches (the regex ``[0-9][.eE]`` tried its class at every byte:
# 29.4k instructions for a 575-byte schema against 19.8k, once per subject in a plan).
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")


def _compact_form_of(text: str) -> str | None:
    """``text`` without its insignificant whitespace, where orjson can say so: None when
    its compact rendering may write a number otherwise than ``text`` does.

    A registry returns a schema compact (Confluent's canonical string), a spec holds
    it as written, usually indented: this is the one decode of a no-change plan's
    common case, about a third of the two ``_as_written`` decodes. orjson writes
    integers as the only literal JSON has for them, and strings by value (as
    ``_as_written`` compares them), but a float as its shortest form (``1.00`` and
    ``1e2`` would become ``1.0`` and ``100.0``), an integer beyond 64 bits as a float,
    and ``-0`` as ``0``: a rendering with a fraction or exponent, or a text holding
    ``-0``, is left to ``_as_written``.
    """
    if "-0" in text:
        return None
    try:
        compact = orjson.dumps(orjson.loads(text))
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):  # lone surrogates, NaN, depth
        return None
    numbers = compact.translate(_DIGITS_AS_ZERO)
    if b"0." in numbers or b"0e" in numbers or b"0E" in numbers:
        return None
    return compact.decode()


def _number(literal: str) -> tuple[str, str]:
    return ("number", literal)


def _as_written(text: str) -> Any:
    """The JSON document with every number kept as its literal, tagged.

    Compared as Python values, plain numbers would be equal where the
    schemas are not (1 == 1.0 == True, but a default of 1 and one of true
    are different schemas); tagged literals are equal only when written
    alike. Two documents equal this way are the same document (mapping
    order aside); one number written two ways (1.0, 1.00) only sends the
    pair to the parsed comparison.
    """
    return _AS_WRITTEN.decode(text)


# One decoder for every call: ``json.loads`` with options builds a new one each time.
_AS_WRITTEN = json.JSONDecoder(parse_int=_number, parse_float=_number, parse_constant=_number)
