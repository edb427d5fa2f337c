"""A lean model of Avro schemas, built straight from their JSON, for the checker.

The ``avro`` package's parser builds a ``Field``, a schema object and property
dicts for every field: about 15 µs a field, most of a cold compatibility check.
``build`` makes only what the reader/writer checker reads (types, names,
aliases, defaults, symbols, sizes) and accepts only schemas whose verdict it
knows to be the library's: plain names, the common logical types, no
``error`` records. For anything else it raises ``Unsure`` and the caller
parses with the library, which then decides validity and checks.

Object identity follows the library's, because the checker memoizes by it:
every occurrence of an unnamed type is a new object, every reference to a
named type is the object defined first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PRIMITIVES = frozenset(("null", "boolean", "string", "bytes", "int", "long", "float", "double"))
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_SYMBOL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SORT_ORDERS = frozenset(("ascending", "descending", "ignore"))
# Logical types the library maps to a schema without further validation (it
# warns about any other pairing; decimals validate precision and scale).
_PLAIN_LOGICAL = frozenset(
    (
        ("date", "int"),
        ("time-millis", "int"),
        ("time-micros", "long"),
        ("timestamp-millis", "long"),
        ("timestamp-micros", "long"),
        ("uuid", "string"),
    )
)


class Unsure(Exception):
    """The schema is outside what ``build`` decides exactly like the library."""


class Schema:
    __slots__ = ("type",)

    def __init__(self, type_: str) -> None:
        self.type = type_


class Named(Schema):
    """A record, enum or fixed: ``name`` is the short name, as the library's ``.name``."""

    __slots__ = ("aliases", "fullname", "name")

    def __init__(self, type_: str, name: str, fullname: str, aliases: object) -> None:
        super().__init__(type_)
        self.name, self.fullname, self.aliases = name, fullname, aliases


class Field:
    __slots__ = ("aliases", "has_default", "name", "type")

    def __init__(self, name: str, type_: Schema, has_default: bool, aliases: object) -> None:
        self.name, self.type, self.has_default, self.aliases = name, type_, has_default, aliases


class Record(Named):
    __slots__ = ("fields", "fields_dict")

    fields: list[Field]
    fields_dict: dict[str, Field]


class Enum(Named):
    __slots__ = ("default", "symbols")

    symbols: list[str]
    default: object


class Fixed(Named):
    __slots__ = ("size",)

    size: int


class Array(Schema):
    __slots__ = ("items",)

    def __init__(self, items: Schema) -> None:
        super().__init__("array")
        self.items = items


class Map(Schema):
    __slots__ = ("values",)

    def __init__(self, values: Schema) -> None:
        super().__init__("map")
        self.values = values


class Union(Schema):
    __slots__ = ("schemas",)

    def __init__(self, schemas: list[Schema]) -> None:
        super().__init__("union")
        self.schemas = schemas


# What a build that keeps nothing (``keep=False``) gives for each unnamed type: one
# shared object per type, as nothing of it is used but its type.
_SHARED = {name: Schema(name) for name in (*PRIMITIVES, "union")}


def build(doc: object, names: dict[str, Named], keep: bool = True) -> Schema:
    """The model of a decoded schema document; named types are added to ``names``.

    Referenced schemas are built first into the same ``names``, as the
    library parses references into one ``Names``. ``keep=False``: only whether
    it builds is wanted (a verdict): the same checks, without the fields and
    the objects of unnamed types (a third of the time on small records), and
    what is returned must not be used.
    """
    if isinstance(doc, str):
        if doc in PRIMITIVES:  # a bare name of a named type is not a schema on its own
            return Schema(doc)
        raise Unsure
    return _Builder(names, keep).schema(doc, None)


class _Builder:
    __slots__ = ("keep", "names")

    def __init__(self, names: dict[str, Named], keep: bool) -> None:
        self.names = names
        self.keep = keep

    def reference(self, value: object, space: str | None) -> Schema:
        """A field type, array items, map values or union branch (names are looked up first)."""
        if isinstance(value, str):
            if value in PRIMITIVES:  # no named type may be called like a primitive (see named)
                return Schema(value) if self.keep else _SHARED[value]
            if _PLAIN_NAME.fullmatch(value) is None:
                raise Unsure
            found = self.names.get(value if "." in value or not space else f"{space}.{value}")
            if found is None:
                raise Unsure  # the library reports the unknown name
            return found
        return self.schema(value, space)

    def schema(self, doc: object, space: str | None) -> Schema:
        if isinstance(doc, list):
            return self.union(doc, space)
        if not isinstance(doc, dict):
            raise Unsure
        type_ = doc.get("type")
        if not isinstance(type_, str):
            raise Unsure
        if "logicalType" in doc:
            logical = doc["logicalType"]
            if not isinstance(logical, str) or (logical, type_) not in _PLAIN_LOGICAL:
                raise Unsure
        if type_ in PRIMITIVES:
            return Schema(type_) if self.keep else _SHARED[type_]
        if type_ == "record":
            return self.record(doc, space)
        if type_ == "enum":
            return self.enum(doc, space)
        if type_ == "fixed":
            size = doc.get("size")
            if type(size) is not int or size < 0:
                raise Unsure
            fixed = Fixed.__new__(Fixed)
            self.named(fixed, "fixed", doc, space)
            fixed.size = size
            return fixed
        if type_ == "array":
            return Array(self.reference(doc.get("items"), space))
        if type_ == "map":
            return Map(self.reference(doc.get("values"), space))
        raise Unsure  # "error", "request", unknown types: the library's to judge

    def named(self, schema: Named, type_: str, doc: Mapping[str, object], space: str | None) -> str:
        """Fill in and register ``schema``; return the namespace its own definitions use."""
        name = doc.get("name")
        if not isinstance(name, str) or _PLAIN_NAME.fullmatch(name) is None:
            raise Unsure
        namespace = doc.get("namespace", space)
        if "namespace" in doc and (
            not isinstance(namespace, str) or _PLAIN_NAME.fullmatch(namespace) is None
        ):
            raise Unsure  # null or "" mean something else to the library
        fullname = name if "." in name or not namespace else f"{namespace}.{name}"
        short = fullname.rpartition(".")[2]
        if short in PRIMITIVES or fullname in self.names:
            raise Unsure  # reserved or redefined: the library's message
        schema.type, schema.name, schema.fullname = type_, short, fullname
        schema.aliases = doc.get("aliases")
        self.names[fullname] = schema
        return fullname.rpartition(".")[0] or None  # type: ignore[return-value]

    def record(self, doc: Mapping[str, object], space: str | None) -> Record:
        fields = doc.get("fields")
        if not isinstance(fields, list):
            raise Unsure
        record = Record.__new__(Record)
        inner = self.named(record, "record", doc, space)  # before the fields: recursion
        record.fields, record.fields_dict = [], {}
        keep = self.keep
        for field in fields:
            if not isinstance(field, dict):
                raise Unsure
            name = field.get("name")
            if not isinstance(name, str) or not name or name in record.fields_dict:
                raise Unsure
            order = field.get("order")
            if order is not None and order not in _SORT_ORDERS:
                raise Unsure
            type_ = self.reference(field.get("type"), inner)
            if keep:
                built = Field(name, type_, "default" in field, field.get("aliases"))
                record.fields.append(built)
                record.fields_dict[name] = built
            else:
                record.fields_dict[name] = None  # type: ignore[assignment]  # names only
        return record

    def enum(self, doc: Mapping[str, object], space: str | None) -> Enum:
        symbols = doc.get("symbols")
        if not isinstance(symbols, list) or not all(
            isinstance(s, str) and _SYMBOL.fullmatch(s) for s in symbols
        ):
            raise Unsure
        if len(set(symbols)) < len(symbols):
            raise Unsure
        if "default" in doc and doc["default"] not in symbols:
            raise Unsure
        enum = Enum.__new__(Enum)
        self.named(enum, "enum", doc, space)
        enum.symbols, enum.default = symbols, doc.get("default")
        return enum

    def union(self, branches: list[object], space: str | None) -> Union:
        schemas: list[Schema] = []
        unnamed: set[str] = set()
        for branch in branches:
            if isinstance(branch, list):
                raise Unsure  # unions cannot contain unions
            schema = self.reference(branch, space)
            if not isinstance(schema, Named):
                if schema.type in unnamed:
                    raise Unsure  # the same unnamed type twice
                unnamed.add(schema.type)
            schemas.append(schema)
        return Union(schemas) if self.keep else _SHARED["union"]
