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

from reconciler.compatibility import InvalidSchemaError, ParsedSchema, parse


class SchemaCache:
    def __init__(self) -> None:
        self._parsed: dict[tuple[str, str, tuple[tuple[str, str], ...]], ParsedSchema] = {}
        self._same: dict[tuple[str, str, str], bool] = {}

    def parse(self, schema_type: str, text: str, references: Mapping[str, str]) -> ParsedSchema:
        key = (schema_type, text, tuple(sorted(references.items())))
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = parse(schema_type, text, references)
            self._parsed[key] = parsed
        return parsed

    def same_document(self, schema_type: str, a: str, b: str) -> bool:
        """``same_document``, remembered: a plan that reads settings diffs twice."""
        key = (schema_type, a, b)
        same = self._same.get(key)
        if same is None:
            same = self._same[key] = same_document(schema_type, a, b)
        return same

    def identity(self, schema_type: str, text: str, references: Mapping[str, str]) -> str:
        """The form two schemas are compared by; the stripped text when unparseable."""
        try:
            return self.parse(schema_type, text, references).normalized
        except InvalidSchemaError:
            return text.strip()


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
    try:
        # Compared as re-serialized text, not as Python values: 1 == 1.0 == True there,
        # but a default of 1 and one of true are different schemas.
        return _canonical_json(a) == _canonical_json(b)
    except json.JSONDecodeError:
        return False


# One encoder for every call: ``json.dumps`` with options builds a new one each time.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def _canonical_json(text: str) -> str:
    return _CANONICAL_JSON.encode(json.loads(text))
