"""Field defaults as Avro's Java parser validates them when a registry registers a schema.

Confluent parses a schema being registered with ``setValidateDefaults(true)``
(``AvroSchema.isNew``): a field whose default is not a value of its type makes
the registration fail (422), while schemas already stored are read without
the check. The Python ``avro`` package does not validate defaults, so this is
the Java rule (``Schema.isValidDefault``, Avro 1.12 as Confluent 8 uses it),
with its leniencies:

- strings, bytes, enums and fixed take any JSON string (no symbol or length check);
- int and long take integral JSON numbers in range; float and double any number;
- a union's default may fit any of its branches (Avro 1.11, Confluent 7.x:
  the first branch only);
- a record's default must give every field without a default of its own.

Before any of that, and for every schema parsed (stored ones too), Java's
``parseField`` turns the textual default of a field typed ``float`` or
``double`` into a number with ``Double.parseDouble`` (``"1.5"`` -> ``1.5``,
``"NaN"``); a text it cannot read makes the schema invalid.
"""

from __future__ import annotations

import json
from typing import Any

from ._avro_model import PRIMITIVES
from ._java_numbers import dumps_java, parse_java_double
from ._types import InvalidSchemaError

_NAMED = {"record", "error", "enum", "fixed"}
_INT_BOUND = {"int": 2**31, "long": 2**63}
_MISSING = object()
_FLOATING = ("float", "double")


def read_textual_float_defaults(node: Any) -> None:
    """Java's ``parseField``: a ``float``/``double`` field's textual default becomes the
    number ``Double.parseDouble`` reads, in place; InvalidSchemaError if it reads none.

    Only a field whose own type is ``float`` or ``double`` (not a union of one).
    """
    if isinstance(node, list):
        for branch in node:
            read_textual_float_defaults(branch)
        return
    if not isinstance(node, dict):
        return
    fields = node.get("fields") if node.get("type") in ("record", "error") else None
    for field in fields if isinstance(fields, list) else []:
        if not isinstance(field, dict):
            continue
        kind, value = field.get("type"), field.get("default")
        if isinstance(kind, dict):
            kind = kind.get("type")
        if kind in _FLOATING and isinstance(value, str):
            try:
                field["default"] = parse_java_double(value)
            except ValueError as exc:
                raise InvalidSchemaError(str(exc)) from exc
        read_textual_float_defaults(field.get("type"))
    for key in ("items", "values", "type"):
        if isinstance(node.get(key), dict | list):
            read_textual_float_defaults(node[key])


def invalid_defaults(doc: Any, references: list[Any]) -> list[str]:
    """Each invalid default of ``doc`` as Java words it ("Invalid default for field ...")."""
    read_textual_float_defaults(doc)
    problems: list[str] = []
    _Validator(named_types(doc, references), problems).walk(doc, None)
    return problems


def named_types(doc: Any, references: list[Any]) -> dict[str, tuple[dict[str, Any], str | None]]:
    """Each record, enum and fixed that ``doc`` and its references define, by full name,
    with the namespace its own definitions use."""
    named: dict[str, tuple[dict[str, Any], str | None]] = {}
    for reference in references:
        _collect(reference, None, named)
    _collect(doc, None, named)
    return named


def _full(name: str, space: str | None) -> str:
    return name if "." in name or not space else f"{space}.{name}"


def _space_of(node: dict[str, Any], space: str | None) -> str | None:
    namespace = node.get("namespace")
    space = namespace if isinstance(namespace, str) else space
    return _full(node["name"], space).rpartition(".")[0] or None


def _collect(node: Any, space: str | None, named: dict[str, Any]) -> None:
    if isinstance(node, list):
        for branch in node:
            _collect(branch, space, named)
    elif isinstance(node, dict):
        kind = node.get("type")
        if kind in _NAMED and isinstance(node.get("name"), str):
            space = _space_of(node, space)
            named[_full(node["name"], space)] = (node, space)
        for field in node.get("fields", []) if kind in ("record", "error") else []:
            if isinstance(field, dict):
                _collect(field.get("type"), space, named)
        for key in ("items", "values"):
            if key in node:
                _collect(node[key], space, named)
        if isinstance(kind, dict | list):
            _collect(kind, space, named)


class _Validator:
    def __init__(self, named: dict[str, Any], problems: list[str]) -> None:
        self.named = named
        self.problems = problems
        self.seen: set[int] = set()

    def walk(self, node: Any, space: str | None) -> None:
        """Every field of every record the schema defines, wherever it is nested."""
        if isinstance(node, list):
            for branch in node:
                self.walk(branch, space)
            return
        if not isinstance(node, dict) or id(node) in self.seen:
            return
        self.seen.add(id(node))
        kind = node.get("type")
        if kind in _NAMED and isinstance(node.get("name"), str):
            space = _space_of(node, space)
        if kind in ("record", "error"):
            for field in node.get("fields", []):
                if isinstance(field, dict):
                    self.field(field, space)
                    self.walk(field.get("type"), space)
        elif kind in ("array", "map"):
            self.walk(node.get("items" if kind == "array" else "values"), space)
        elif isinstance(kind, dict | list):
            self.walk(kind, space)

    def field(self, field: dict[str, Any], space: str | None) -> None:
        if "default" not in field:
            return
        value, kind = field["default"], field.get("type")
        if not self.valid(kind, value, space):
            self.problems.append(
                f"Invalid default for field {field.get('name')}: "
                f"{dumps_java(value)} not a {json.dumps(kind, separators=(',', ':'))}"
            )

    def resolve(self, kind: Any, space: str | None) -> tuple[Any, str | None]:
        """A type name's definition (and its namespace); anything else as it is."""
        if isinstance(kind, str) and kind not in PRIMITIVES:
            found = self.named.get(_full(kind, space)) or self.named.get(kind)
            if found is not None:
                return found
        return kind, space

    @staticmethod
    def type_of(kind: Any) -> str | None:
        if isinstance(kind, str):
            return kind
        if isinstance(kind, list):
            return "union"
        if isinstance(kind, dict) and isinstance(kind.get("type"), str):
            return kind["type"]
        return None

    def valid(self, kind: Any, value: Any, space: str | None) -> bool:
        kind, space = self.resolve(kind, space)
        name = self.type_of(kind)
        if name == "union":
            return any(self.valid(branch, value, space) for branch in kind)
        if name in ("string", "bytes", "enum", "fixed"):
            return isinstance(value, str)
        if name in _INT_BOUND:
            bound = _INT_BOUND[name]
            return type(value) is int and -bound <= value < bound
        if name in ("float", "double"):
            return isinstance(value, int | float) and not isinstance(value, bool)
        if name == "boolean":
            return isinstance(value, bool)
        if name == "null":
            return value is None
        if name in ("array", "map"):
            inner = kind.get("items" if name == "array" else "values")
            if name == "array":
                return isinstance(value, list) and all(self.valid(inner, v, space) for v in value)
            return isinstance(value, dict) and all(
                self.valid(inner, v, space) for v in value.values()
            )
        if name in ("record", "error"):
            if not isinstance(value, dict):
                return False
            inner_space = _space_of(kind, space) if isinstance(kind.get("name"), str) else space
            for field in kind.get("fields", []):
                if not isinstance(field, dict):
                    continue
                name = field.get("name")
                given = value[name] if name in value else field.get("default", _MISSING)
                if given is _MISSING or not self.valid(field.get("type"), given, inner_space):
                    return False
            return True
        return True  # a type not known here (a reference the registry resolves): not judged
