"""JSON Schema: validation, canonical forms and Confluent's difference rules.

Confluent's registry loads a JSON Schema into a typed tree (everit's model:
string, number, object, array, enum, const, not, combined, reference, empty,
false...) and walks two such trees side by side, emitting one named difference
per change; a change is compatible when its name is in a fixed set. We rebuild
the same typed tree (``_Loader``) and the same walk (``_Differ``), so that the
names, JSON pointers and verdicts agree with the registry.

Direction: ``diff(original, update)`` lists what changed from ``original`` to
``update``; the update is BACKWARD compatible when every difference is in
``COMPATIBLE_CHANGES`` (FORWARD swaps the arguments).
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

import jsonschema
import jsonschema.exceptions

from ._changes import breaking, differences
from ._rules import backward_compatible
from ._types import (
    Difference,
    FunctionFormat,
    InvalidSchemaError,
    Message,
    ParsedSchema,
    SchemaFormat,
)

COMPATIBLE_CHANGES: frozenset[str] = backward_compatible("JSON")

_STRING_KEYWORDS = ("minLength", "maxLength", "pattern", "format")
_NUMBER_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
_OBJECT_KEYWORDS = (
    "properties",
    "required",
    "minProperties",
    "maxProperties",
    "dependencies",
    "dependentRequired",
    "dependentSchemas",
    "patternProperties",
    "additionalProperties",
    "propertyNames",
    "unevaluatedProperties",
)
_ARRAY_KEYWORDS = (
    "items",
    "prefixItems",
    "additionalItems",
    "minItems",
    "maxItems",
    "uniqueItems",
    "contains",
    "minContains",
    "maxContains",
    "unevaluatedItems",
)
_TYPE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "string": _STRING_KEYWORDS,
    "number": _NUMBER_KEYWORDS,
    "integer": _NUMBER_KEYWORDS,
    "object": _OBJECT_KEYWORDS,
    "array": _ARRAY_KEYWORDS,
}
_COMBINERS = ("allOf", "anyOf", "oneOf")
_DRAFT_2019_OR_LATER = ("2019-09", "2020-12")


def _key(value: Any) -> str:
    """A comparison key for JSON values: Python's ``1 == True`` must not hold here."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass(eq=False)
class _Node:
    """One schema of everit's typed model; ``kind`` plays the role of its class."""

    kind: str
    raw: Any
    id: str | None = None
    title: str | None = None
    description: str | None = None
    default: str | None = None  # _key() of the default value
    attrs: dict[str, Any] = field(default_factory=dict)
    subschemas: list[_Node] = field(default_factory=list)
    criterion: str = ""
    target: _Node | None = None  # for kind "reference", set once resolved

    def deref(self) -> _Node:
        """The schema a ``$ref`` chain ends at (a chain that loops, ``{"$ref": "#"}``, stops)."""
        node = self
        seen = 0
        while node.kind == "reference" and node.target is not None and seen < 64:
            node, seen = node.target, seen + 1
        return node


# Subtrees without a ``$ref`` depend only on their text and the draft: they are
# built once and shared, between versions of a schema and within one (ten
# ``{"type": "number"}`` properties are one node). Nodes are never changed once
# built, and the differ's results are relative to the nodes compared.
_SHARED: OrderedDict[tuple[str, bool], _Node] = OrderedDict()
_SHARED_MAX = 8192
_SHARED_LOCK = threading.Lock()


class _Loader:
    """Builds the typed tree, resolving ``$ref`` in the document and its references."""

    def __init__(self, root: Any, references: Mapping[str, Any], draft2019: bool) -> None:
        self.documents: dict[str, Any] = {"": root, **references}
        self.draft2019 = draft2019
        self.by_pointer: dict[tuple[str, str], _Node] = {}
        self.pending: list[tuple[_Node, str, str, str]] = []
        # Each document's own $id, against which its relative $refs resolve.
        self.ids = {
            name: doc.get("$id", doc.get("id")).rstrip("#")
            for name, doc in self.documents.items()
            if isinstance(doc, dict) and isinstance(doc.get("$id", doc.get("id")), str)
        }

    def load_root(self) -> _Node:
        node = self.load(self.documents[""], "")
        while self.pending:
            ref_node, target, pointer, origin = self.pending.pop()
            ref_node.target = self._resolve(self._document(target, origin), pointer)
        return node

    def _document(self, target: str, origin: str) -> str:
        """The document a ``$ref`` names: a reference by its name, or by its $id."""
        if not target:
            return origin
        if target in self.documents:
            return target
        absolute = urljoin(self.ids.get(origin, ""), target)
        for name, ident in self.ids.items():
            if ident in (target, absolute):
                return name
        if absolute in self.documents:
            return absolute
        raise InvalidSchemaError(f"unresolved $ref {target}: no such reference")

    def _resolve(self, doc: str, pointer: str) -> _Node:
        cached = self.by_pointer.get((doc, pointer))
        if cached is not None:
            return cached
        value = self.documents[doc]
        if pointer and not pointer.startswith("/"):
            value = _anchor(value, pointer)
            if value is None:
                raise InvalidSchemaError(f"unresolved $ref #{pointer}: no such anchor")
        for part in [p for p in pointer.split("/") if p] if pointer.startswith("/") else ():
            part = part.replace("~1", "/").replace("~0", "~")
            try:
                value = value[int(part)] if isinstance(value, list) else value[part]
            except (KeyError, IndexError, ValueError, TypeError) as exc:
                raise InvalidSchemaError(f"unresolved $ref {doc}#{pointer}") from exc
        node = _Node("reference", value)
        self.by_pointer[(doc, pointer)] = node
        node.target = self.load(value, doc)
        return node

    def load(self, raw: Any, doc: str) -> _Node:
        if raw is True:
            return _Node("empty", raw)
        if raw is False:
            return _Node("false", raw)
        if not isinstance(raw, dict):
            raise InvalidSchemaError(f"a schema must be an object or a boolean, not {raw!r}")
        if "$ref" in raw and isinstance(raw["$ref"], str):
            target, _, pointer = raw["$ref"].partition("#")
            node = _Node("reference", raw)
            self.pending.append((node, target, pointer, doc))
            return node
        text = json.dumps(raw)
        if '"$ref"' in text:
            return self._typed_tree(raw, doc)
        key = (text, self.draft2019)
        with _SHARED_LOCK:
            node = _SHARED.get(key)
            if node is not None:
                _SHARED.move_to_end(key)
                return node
        node = self._typed_tree(raw, doc)
        with _SHARED_LOCK:
            _SHARED[key] = node
            if len(_SHARED) > _SHARED_MAX:
                _SHARED.popitem(last=False)
        return node

    def _typed_tree(self, raw: dict[str, Any], doc: str) -> _Node:
        parts = self._extract(raw, doc)
        if not parts:
            node = _Node("empty", raw)
        elif len(parts) == 1:
            node = parts[0]
        else:
            # Several keywords at once (type + enum, ...): everit's synthetic allOf.
            node = _Node("combined", raw, criterion="allOf", subschemas=parts)
        node.raw = raw
        ident = raw.get("$id", raw.get("id"))
        node.id = ident if isinstance(ident, str) else None
        node.title = raw.get("title")
        node.description = raw.get("description")
        node.default = _key(raw["default"]) if "default" in raw else None
        return node

    def _extract(self, raw: dict[str, Any], doc: str) -> list[_Node]:
        """Everit's extractors, in its order: enum, combiners, not, const, type, sniffing."""
        parts: list[_Node] = []
        if "enum" in raw:
            values = frozenset(_key(v) for v in raw["enum"])
            parts.append(_Node("enum", {"enum": raw["enum"]}, attrs={"values": values}))
        for criterion in _COMBINERS:
            if criterion in raw:
                subs = [self.load(s, doc) for s in raw[criterion]]
                part = {criterion: raw[criterion]}
                parts.append(_Node("combined", part, criterion=criterion, subschemas=subs))
        if "not" in raw:
            part = {"not": raw["not"]}
            parts.append(_Node("not", part, subschemas=[self.load(raw["not"], doc)]))
        if "const" in raw:
            part = {"const": raw["const"]}
            parts.append(_Node("const", part, attrs={"value": _key(raw["const"])}))
        declared = raw.get("type")
        if isinstance(declared, list):
            subs = [self._typed(t, raw, doc) for t in declared]
            part = {"type": declared}
            parts.append(_Node("combined", part, criterion="anyOf", subschemas=subs))
            return parts
        consumed: tuple[str, ...] = ()
        if isinstance(declared, str):
            parts.append(self._typed(declared, raw, doc))
            consumed = _TYPE_KEYWORDS.get(declared, ())
        present = raw.keys()
        for kind, keywords in (
            ("array", _ARRAY_KEYWORDS),
            ("object", _OBJECT_KEYWORDS),
            ("number", _NUMBER_KEYWORDS),
            ("string", _STRING_KEYWORDS),
        ):
            if keywords is not consumed and not present.isdisjoint(keywords):
                parts.append(self._typed(kind, raw, doc))
        return parts

    def _typed(self, type_name: str, raw: dict[str, Any], doc: str) -> _Node:
        node = self._typed_node(type_name, raw, doc)
        keywords = _TYPE_KEYWORDS.get(type_name, ())
        # What identifies this part among its siblings (everit prints each part alone).
        node.raw = {"type": type_name, **{k: raw[k] for k in keywords if k in raw}}
        return node

    def _typed_node(self, type_name: str, raw: dict[str, Any], doc: str) -> _Node:
        if type_name == "string":
            return _Node("string", raw, attrs={k: raw.get(k) for k in _STRING_KEYWORDS})
        if type_name in ("number", "integer"):
            attrs = {k: raw.get(k) for k in _NUMBER_KEYWORDS}
            attrs["integer"] = type_name == "integer"
            # Draft 4 spells exclusive bounds as booleans qualifying minimum/maximum;
            # like everit, keep the limit in minimum/maximum and no exclusive limit.
            for bound in ("exclusiveMaximum", "exclusiveMinimum"):
                if isinstance(attrs[bound], bool):
                    attrs[bound] = None
            return _Node("number", raw, attrs=attrs)
        if type_name == "object":
            return self._object(raw, doc)
        if type_name == "array":
            return self._array(raw, doc)
        if type_name in ("boolean", "null"):
            return _Node(type_name, raw)
        raise InvalidSchemaError(f"unknown type {type_name!r}")

    def _object(self, raw: dict[str, Any], doc: str) -> _Node:
        additional = raw.get("additionalProperties", True)
        properties = raw.get("properties") or {}
        dependencies = dict(raw.get("dependencies") or {})
        dependencies.update(raw.get("dependentRequired") or {})
        dependencies.update(raw.get("dependentSchemas") or {})
        attrs = {
            "properties": {k: self.load(v, doc) for k, v in properties.items()},
            "required": set(raw.get("required") or ()),
            "permits_additional": additional is not False,
            "additional": None if isinstance(additional, bool) else self.load(additional, doc),
            "patterns": [
                (re.compile(p), self.load(s, doc))
                for p, s in (raw.get("patternProperties") or {}).items()
            ],
            "property_dependencies": {
                k: {_key(x) for x in v} for k, v in dependencies.items() if isinstance(v, list)
            },
            "schema_dependencies": {
                k: self.load(v, doc) for k, v in dependencies.items() if not isinstance(v, list)
            },
            "maxProperties": raw.get("maxProperties"),
            "minProperties": raw.get("minProperties"),
            "unevaluated": self._unevaluated(raw, "unevaluatedProperties", doc),
        }
        return _Node("object", raw, attrs=attrs)

    def _array(self, raw: dict[str, Any], doc: str) -> _Node:
        items = raw.get("items")
        tuple_items = raw.get("prefixItems") if self.draft2019 else None
        if isinstance(items, list):
            tuple_items, items = items, None
        additional = raw.get("additionalItems", True)
        if tuple_items is not None and self.draft2019 and "prefixItems" in raw:
            # 2020-12: "items" after "prefixItems" plays the role of additionalItems.
            additional, items = (items if items is not None else True), None
        attrs = {
            "items": None if items is None else self.load(items, doc),
            "tuple": [self.load(s, doc) for s in tuple_items or ()],
            "permits_additional": additional is not False,
            "additional": None if isinstance(additional, bool) else self.load(additional, doc),
            "maxItems": raw.get("maxItems"),
            "minItems": raw.get("minItems"),
            "uniqueItems": bool(raw.get("uniqueItems", False)),
            "maxContains": _number_or_none(raw.get("maxContains")),
            "minContains": _number_or_none(raw.get("minContains")),
            "unevaluated": self._unevaluated(raw, "unevaluatedItems", doc),
        }
        return _Node("array", raw, attrs=attrs)

    def _unevaluated(self, raw: dict[str, Any], keyword: str, doc: str) -> _Node | None:
        """``unevaluated*`` is a schema from 2019-09 on; before, everit keeps it as raw data."""
        if not self.draft2019 or keyword not in raw:
            return None
        return self.load(raw[keyword], doc)


def _anchor(document: Any, name: str) -> Any:
    """The subschema named ``name`` by ``$anchor`` (2019+) or ``$id: "#name"`` (drafts 6, 7)."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if value.get("$anchor") == name or value.get("$id") == f"#{name}":
                return value
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return None


_Diffs = list[tuple[str, tuple[str, ...]]]


def _bounds(out: _Diffs, name: str, prefix: str, old: float | None, new: float | None) -> None:
    """ADDED / REMOVED / INCREASED / DECREASED for one numeric keyword."""
    if old == new:
        return
    if old is None:
        out.append((f"{prefix}_ADDED", (name,)))
    elif new is None:
        out.append((f"{prefix}_REMOVED", (name,)))
    elif old < new:
        out.append((f"{prefix}_INCREASED", (name,)))
    elif old > new:
        out.append((f"{prefix}_DECREASED", (name,)))


def _number_or_none(value: Any) -> int | None:
    """``minContains``/``maxContains`` as Confluent reads them: a JSON number, as an integer."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _divides(divisor: float, number: float) -> bool:
    """Exact for decimals (0.1 divides 0.3), unlike float or integer arithmetic."""
    return Decimal(str(number)) % Decimal(str(divisor)) == 0


class _Differ:
    """Walks two typed trees; results are memoised per pair of nodes (relative paths)."""

    def __init__(self) -> None:
        self.memo: dict[tuple[int, int], _Diffs] = {}
        self.in_progress: set[tuple[int, int]] = set()

    def compare(self, original: _Node | None, update: _Node | None) -> _Diffs:
        if original is None and update is None:
            return []
        if original is None:
            return [("SCHEMA_ADDED", ())]
        if update is None:
            return [("SCHEMA_REMOVED", ())]
        original, update = original.deref(), update.deref()
        key = (id(original), id(update))
        cached = self.memo.get(key)
        if cached is not None:
            return cached
        if key in self.in_progress:
            return []  # a recursive schema met itself: the enclosing comparison decides
        self.in_progress.add(key)
        try:
            result = self._compare(original, update)
        finally:
            self.in_progress.discard(key)
        self.memo[key] = result
        return result

    @staticmethod
    def compatible(diffs: _Diffs) -> bool:
        return all(rule in COMPATIBLE_CHANGES for rule, _ in diffs)

    def _compare(self, original: _Node, update: _Node) -> _Diffs:
        if original.kind != "combined" and update.kind == "combined":
            subs = update.subschemas
            if len(subs) == 1:
                sub = self.compare(original, subs[0])
                if self.compatible(sub):
                    return list(sub)
            elif update.criterion in ("anyOf", "oneOf"):
                for candidate in subs:
                    sub = self.compare(original, candidate)
                    if self.compatible(sub):
                        return [*sub, ("SUM_TYPE_EXTENDED", ())]
        elif original.kind == "combined" and update.kind != "combined":
            subs = original.subschemas
            if len(subs) == 1:
                sub = self.compare(subs[0], update)
                if self.compatible(sub):
                    return list(sub)
            elif original.criterion == "allOf":
                for candidate in subs:
                    sub = self.compare(candidate, update)
                    if self.compatible(sub):
                        return [*sub, ("PRODUCT_TYPE_NARROWED", ())]
        if original.kind != update.kind:
            if original.kind == "false" or update.kind == "empty":
                return []
            return [("TYPE_CHANGED", ())]
        out: _Diffs = []
        for attr, rule in (
            ("id", "ID_CHANGED"),
            ("title", "TITLE_CHANGED"),
            ("description", "DESCRIPTION_CHANGED"),
            ("default", "DEFAULT_CHANGED"),
        ):
            if getattr(original, attr) != getattr(update, attr):
                out.append((rule, ()))
        walker = getattr(self, f"_{original.kind}", None)
        if walker is not None:
            walker(out, original, update)
        return out

    def _nested(self, out: _Diffs, path: tuple[str, ...], diffs: _Diffs) -> None:
        out.extend((rule, path + where) for rule, where in diffs)

    def _string(self, out: _Diffs, o: _Node, u: _Node) -> None:
        a, b = o.attrs, u.attrs
        _bounds(out, "maxLength", "MAX_LENGTH", a["maxLength"], b["maxLength"])
        _bounds(out, "minLength", "MIN_LENGTH", a["minLength"], b["minLength"])
        if a["pattern"] is None and b["pattern"] is not None:
            out.append(("PATTERN_ADDED", ("pattern",)))
        elif a["pattern"] is not None and b["pattern"] is None:
            out.append(("PATTERN_REMOVED", ("pattern",)))
        elif a["pattern"] != b["pattern"]:
            out.append(("PATTERN_CHANGED", ("pattern",)))

    def _number(self, out: _Diffs, o: _Node, u: _Node) -> None:
        a, b = o.attrs, u.attrs
        _bounds(out, "maximum", "MAXIMUM", a["maximum"], b["maximum"])
        _bounds(out, "minimum", "MINIMUM", a["minimum"], b["minimum"])
        for name, prefix in (
            ("exclusiveMaximum", "EXCLUSIVE_MAXIMUM"),
            ("exclusiveMinimum", "EXCLUSIVE_MINIMUM"),
        ):
            _bounds(out, name, prefix, a[name], b[name])
        old, new = a["multipleOf"], b["multipleOf"]
        if old != new:
            if old is None:
                out.append(("MULTIPLE_OF_ADDED", ("multipleOf",)))
            elif new is None:
                out.append(("MULTIPLE_OF_REMOVED", ("multipleOf",)))
            elif _divides(old, new):
                out.append(("MULTIPLE_OF_EXPANDED", ("multipleOf",)))
            elif _divides(new, old):
                out.append(("MULTIPLE_OF_REDUCED", ("multipleOf",)))
            else:
                out.append(("MULTIPLE_OF_CHANGED", ("multipleOf",)))
        if a["integer"] != b["integer"]:
            out.append(("TYPE_EXTENDED" if a["integer"] else "TYPE_NARROWED", ()))

    def _enum(self, out: _Diffs, o: _Node, u: _Node) -> None:
        old, new = o.attrs["values"], u.attrs["values"]
        if old != new:
            rule = (
                "ENUM_ARRAY_EXTENDED"
                if new >= old
                else "ENUM_ARRAY_NARROWED"
                if old >= new
                else "ENUM_ARRAY_CHANGED"
            )
            out.append((rule, ("enum",)))

    def _const(self, out: _Diffs, o: _Node, u: _Node) -> None:
        if o.attrs["value"] != u.attrs["value"]:
            out.append(("ENUM_ARRAY_CHANGED", ("const",)))

    def _not(self, out: _Diffs, o: _Node, u: _Node) -> None:
        # Negation flips direction: compare the update's inner schema against the original's.
        inner = self.compare(u.subschemas[0], o.subschemas[0])
        rule = "NOT_TYPE_NARROWED" if self.compatible(inner) else "NOT_TYPE_EXTENDED"
        out.append((rule, ("not",)))

    def _combined(self, out: _Diffs, o: _Node, u: _Node) -> None:
        if o.criterion != u.criterion:
            singleton_old, singleton_new = len(o.subschemas) == 1, len(u.subschemas) == 1
            if (
                u.criterion == "anyOf"
                or (u.criterion == "oneOf" and singleton_old)
                or (u.criterion == "oneOf" and o.criterion == "allOf" and singleton_new)
                or (u.criterion == "allOf" and singleton_old and singleton_new)
            ):
                out.append(("COMBINED_TYPE_EXTENDED", ()))
            else:
                out.append(("COMBINED_TYPE_CHANGED", ()))
                return
        olds = list({_key(s.raw): s for s in o.subschemas}.values())
        news = list({_key(s.raw): s for s in u.subschemas}.values())
        if len(olds) != len(news):
            # Growth is named after the update's combiner, shrinking after the original's.
            grew = len(olds) < len(news)
            family = "PRODUCT" if (u if grew else o).criterion == "allOf" else "SUM"
            out.append((f"{family}_TYPE_{'EXTENDED' if grew else 'NARROWED'}", ()))
        edges: dict[tuple[int, int], _Diffs] = {}
        for i, old in enumerate(olds):
            for j, new in enumerate(news):
                sub = self.compare(old, new)
                if self.compatible(sub):
                    edges[(i, j)] = [(r, (o.criterion, str(i), *p)) for r, p in sub]
        matching = _max_matching(len(olds), len(news), edges)
        for pair in matching:
            out.extend(edges[pair])
        if len(matching) < min(len(olds), len(news)):
            out.append(("COMBINED_TYPE_SUBSCHEMAS_CHANGED", ()))

    def _object(self, out: _Diffs, o: _Node, u: _Node) -> None:
        a, b = o.attrs, u.attrs
        for name in a["properties"]:
            if name in b["properties"]:
                old_req, new_req = name in a["required"], name in b["required"]
                if old_req and not new_req:
                    out.append(("REQUIRED_ATTRIBUTE_REMOVED", ("required", name)))
                elif new_req and not old_req:
                    rule = (
                        "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED"
                        if b["properties"][name].deref().default is not None
                        else "REQUIRED_ATTRIBUTE_ADDED"
                    )
                    out.append((rule, ("required", name)))
        for name in _union(a["properties"], b["properties"]):
            self._property(out, o, u, name)
        for name in _union(a["property_dependencies"], b["property_dependencies"]):
            old, new = a["property_dependencies"].get(name), b["property_dependencies"].get(name)
            where = ("dependencies", name)
            if new is None:
                out.append(("DEPENDENCY_ARRAY_REMOVED", where))
            elif old is None:
                out.append(("DEPENDENCY_ARRAY_ADDED", where))
            elif old != new:
                rule = "EXTENDED" if new >= old else "NARROWED" if old >= new else "CHANGED"
                out.append((f"DEPENDENCY_ARRAY_{rule}", where))
        for name in _union(a["schema_dependencies"], b["schema_dependencies"]):
            old, new = a["schema_dependencies"].get(name), b["schema_dependencies"].get(name)
            where = ("dependencies", name)
            if new is None:
                out.append(("DEPENDENCY_SCHEMA_REMOVED", where))
            elif old is None:
                out.append(("DEPENDENCY_SCHEMA_ADDED", where))
            else:
                self._nested(out, where, self.compare(old, new))
        where = ("additionalProperties",)
        if a["permits_additional"] != b["permits_additional"]:
            rule = "ADDED" if b["permits_additional"] else "REMOVED"
            out.append((f"ADDITIONAL_PROPERTIES_{rule}", where))
        elif a["additional"] is None and b["additional"] is not None:
            out.append(("ADDITIONAL_PROPERTIES_NARROWED", where))
        elif b["additional"] is None and a["additional"] is not None:
            out.append(("ADDITIONAL_PROPERTIES_EXTENDED", where))
        else:
            self._nested(out, where, self.compare(a["additional"], b["additional"]))
        where = ("unevaluatedProperties",)
        _compare_unevaluated(self, out, where[0], a["unevaluated"], b["unevaluated"])
        _bounds(out, "maxProperties", "MAX_PROPERTIES", a["maxProperties"], b["maxProperties"])
        _bounds(out, "minProperties", "MIN_PROPERTIES", a["minProperties"], b["minProperties"])

    def _property(self, out: _Diffs, o: _Node, u: _Node, name: str) -> None:
        old = o.attrs["properties"].get(name)
        new = u.attrs["properties"].get(name)
        where = ("properties", name)
        if new is None:
            # Removing is only safe when the update still admits the property.
            if _is_open(u):
                out.append(("PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", where))
            elif (partial := _partial_schema(u, name)) is not None:
                sub = self.compare(old, partial)
                self._nested(out, where, sub)
                covered = "IS" if self.compatible(sub) else "NOT"
                out.append(
                    (f"PROPERTY_REMOVED_{covered}_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", where)
                )
            elif old is not None and old.deref().kind == "false":
                out.append(("PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", where))
            else:
                out.append(("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", where))
        elif old is None:
            # Adding is only safe when the original did not admit arbitrary values there.
            required = name in u.attrs["required"]
            with_default = new.deref().default is not None
            qualifier = (
                ("REQUIRED_PROPERTY_WITH_DEFAULT" if with_default else "REQUIRED_PROPERTY")
                if required
                else "OPTIONAL_PROPERTY"
            )
            if _is_open(o):
                if new.deref().kind == "empty":
                    out.append(("PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", where))
                else:
                    out.append((f"{qualifier}_ADDED_TO_OPEN_CONTENT_MODEL", where))
                return
            partial = _partial_schema(o, name)
            if partial is not None:
                sub = self.compare(partial, new)
                self._nested(out, where, sub)
                covered = "IS" if self.compatible(sub) else "NOT"
                out.append(
                    (f"PROPERTY_ADDED_{covered}_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", where)
                )
            out.append((f"{qualifier}_ADDED_TO_UNOPEN_CONTENT_MODEL", where))
        else:
            self._nested(out, where, self.compare(old, new))

    def _array(self, out: _Diffs, o: _Node, u: _Node) -> None:
        a, b = o.attrs, u.attrs
        self._nested(out, ("items",), self.compare(a["items"], b["items"]))
        olds, news = a["tuple"], b["tuple"]
        for index in range(max(len(olds), len(news))):
            where = ("items", str(index))
            if index < len(olds) and index < len(news):
                self._nested(out, where, self.compare(olds[index], news[index]))
            elif index < len(olds):
                old = olds[index]
                if _is_open(u):
                    out.append(("ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL", where))
                elif (partial := _partial_items(u)) is not None:
                    sub = self.compare(old, partial)
                    self._nested(out, where, sub)
                    covered = "IS" if self.compatible(sub) else "NOT"
                    out.append(
                        (f"ITEM_REMOVED_{covered}_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", where)
                    )
                elif old.deref().kind == "false":
                    out.append(("ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", where))
                else:
                    out.append(("ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", where))
            else:
                new = news[index]
                if _is_open(o):
                    rule = (
                        "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
                        if new.deref().kind == "empty"
                        else "ITEM_ADDED_TO_OPEN_CONTENT_MODEL"
                    )
                    out.append((rule, where))
                elif (partial := _partial_items(o)) is not None:
                    sub = self.compare(partial, new)
                    self._nested(out, where, sub)
                    covered = "IS" if self.compatible(sub) else "NOT"
                    out.append(
                        (f"ITEM_ADDED_{covered}_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", where)
                    )
                else:
                    out.append(("ITEM_ADDED_TO_CLOSED_CONTENT_MODEL", where))
        where = ("additionalItems",)
        if a["permits_additional"] != b["permits_additional"]:
            rule = "REMOVED" if a["permits_additional"] else "ADDED"
            out.append((f"ADDITIONAL_ITEMS_{rule}", where))
        elif a["additional"] is None and b["additional"] is not None:
            out.append(("ADDITIONAL_ITEMS_NARROWED", where))
        elif b["additional"] is None and a["additional"] is not None:
            out.append(("ADDITIONAL_ITEMS_EXTENDED", where))
        else:
            self._nested(out, where, self.compare(a["additional"], b["additional"]))
        _compare_unevaluated(self, out, "unevaluatedItems", a["unevaluated"], b["unevaluated"])
        _bounds(out, "maxItems", "MAX_ITEMS", a["maxItems"], b["maxItems"])
        _bounds(out, "minItems", "MIN_ITEMS", a["minItems"], b["minItems"])
        if a["uniqueItems"] != b["uniqueItems"]:
            rule = "UNIQUE_ITEMS_REMOVED" if a["uniqueItems"] else "UNIQUE_ITEMS_ADDED"
            out.append((rule, ("uniqueItems",)))
        # Confluent compares the two as integers (Number.intValue), whatever the draft
        _bounds(out, "maxContains", "MAX_CONTAINS", a["maxContains"], b["maxContains"])
        _bounds(out, "minContains", "MIN_CONTAINS", a["minContains"], b["minContains"])


def _union(first: Mapping[str, Any], second: Mapping[str, Any]) -> Iterator[str]:
    yield from first
    yield from (k for k in second if k not in first)


def _kind_of(node: _Node | None) -> str | None:
    return None if node is None else node.deref().kind


def _compare_unevaluated(
    differ: _Differ, out: _Diffs, keyword: str, old: _Node | None, new: _Node | None
) -> None:
    """``unevaluatedProperties`` / ``unevaluatedItems``: false closes, a schema narrows."""
    if old is None and new is None:
        return
    prefix = "UNEVALUATED_PROPERTIES" if keyword == "unevaluatedProperties" else "UNEVALUATED_ITEMS"
    before, after = _kind_of(old), _kind_of(new)
    if before is None:
        rule = "REMOVED" if after == "false" else "NARROWED"
    elif after is None:
        rule = "ADDED" if before == "false" else "EXTENDED"
    elif before == "false" and after != "false":
        rule = "ADDED"
    elif before != "false" and after == "false":
        rule = "REMOVED"
    elif before == "empty" and after != "empty":
        rule = "NARROWED"
    elif before != "empty" and after == "empty":
        rule = "EXTENDED"
    else:
        differ._nested(out, (keyword,), differ.compare(old, new))
        return
    out.append((f"{prefix}_{rule}", (keyword,)))


def _is_open(node: _Node) -> bool:
    """Open content model: anything not listed is allowed, with any value."""
    a = node.attrs
    unevaluated_open = _kind_of(a["unevaluated"]) in (None, "empty")
    if node.kind == "array":
        return a["permits_additional"] and a["additional"] is None and unevaluated_open
    return (
        not a["patterns"]
        and a["additional"] is None
        and a["permits_additional"]
        and unevaluated_open
    )


def _unevaluated_schema(node: _Node) -> _Node | None:
    """``unevaluated*`` when it is what constrains unlisted members (no additional*)."""
    a = node.attrs
    constrains = _kind_of(a["unevaluated"]) not in (None, "false", "empty")
    if a["permits_additional"] and a["additional"] is None and constrains:
        return a["unevaluated"]
    return None


def _partial_schema(node: _Node, name: str) -> _Node | None:
    """The schema a partially open object applies to an unlisted property ``name``."""
    for pattern, schema in node.attrs["patterns"]:
        if pattern.search(name):
            return schema
    return node.attrs["additional"] or _unevaluated_schema(node)


def _partial_items(node: _Node) -> _Node | None:
    """The schema a partially open array applies to items past its tuple."""
    return node.attrs["additional"] or _unevaluated_schema(node)


def _max_matching(
    left: int, right: int, edges: Mapping[tuple[int, int], object]
) -> list[tuple[int, int]]:
    """Maximum bipartite matching (augmenting paths) between old and new subschemas."""
    adjacent: dict[int, list[int]] = {
        i: [j for j in range(right) if (i, j) in edges] for i in range(left)
    }
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in adjacent[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(left):
        augment(i, set())
    return sorted((i, j) for j, i in owner.items())


def _draft(doc: Any) -> str:
    uri = doc.get("$schema", "") if isinstance(doc, dict) else ""
    for name in _DRAFT_2019_OR_LATER:
        if name in uri:
            return name
    return "draft-07"


_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
_SCHEMA_VALUES = (
    "additionalProperties",
    "additionalItems",
    "items",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
)

_NESTING = frozenset((*_SCHEMA_MAPS, *_SCHEMA_LISTS, *_SCHEMA_VALUES))


def _check_against_metaschema(validator: Any, schema: Any, where: tuple[str, ...]) -> None:
    """Validate ``schema`` against its metaschema, one subschema at a time.

    The metaschemas are recursive and context-free (a subschema is valid on its
    own), so each nested schema is checked separately and cached: a new version
    of a large schema re-validates only the parts that changed, which is most of
    the cost of parsing a JSON Schema.
    """
    if not isinstance(schema, dict) or schema.keys().isdisjoint(_NESTING):
        _check_piece(validator, json.dumps(schema), where)  # a leaf is its own shell
        return
    shell = dict(schema)
    nested: list[tuple[Any, tuple[str, ...]]] = []
    # Names and counts do not matter to the metaschema: one stand-in keeps the
    # shell of a growing schema identical from version to version.
    for keyword in _SCHEMA_MAPS:
        value = schema.get(keyword)
        if isinstance(value, dict) and all(isinstance(v, dict | bool) for v in value.values()):
            shell[keyword] = {"_": {}} if value else {}
            nested += [(v, (*where, keyword, k)) for k, v in value.items()]
    for keyword in _SCHEMA_LISTS:
        value = schema.get(keyword)
        if isinstance(value, list) and value and all(isinstance(v, dict | bool) for v in value):
            shell[keyword] = [{}]
            nested += [(v, (*where, keyword, str(i))) for i, v in enumerate(value)]
    for keyword in _SCHEMA_VALUES:
        value = schema.get(keyword)
        if isinstance(value, dict):
            shell[keyword] = {}
            nested.append((value, (*where, keyword)))
    _check_piece(validator, json.dumps(shell), where)
    for value, path in nested:
        _check_against_metaschema(validator, value, path)


def _check_piece(validator: Any, piece: str, where: tuple[str, ...]) -> None:
    error = _metaschema_error(validator, piece)
    if error is not None:
        location, message = error
        raise InvalidSchemaError(
            f"invalid JSON Schema at #/{'/'.join(where + location)}: {message}"
        )


@lru_cache(maxsize=16384)
def _metaschema_error(validator: Any, piece: str) -> tuple[tuple[str, ...], str] | None:
    try:
        validator.check_schema(json.loads(piece))
    except jsonschema.exceptions.SchemaError as exc:
        return tuple(str(p) for p in exc.path), exc.message
    return None


@lru_cache(maxsize=1024)
def _parse_cached(text: str, references: tuple[tuple[str, str], ...]) -> ParsedSchema:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidSchemaError(f"not valid JSON: {exc}") from exc
    if not isinstance(doc, dict | bool):
        raise InvalidSchemaError("a JSON Schema must be an object or a boolean")
    validator = jsonschema.validators.validator_for(doc, default=jsonschema.Draft7Validator)
    _check_against_metaschema(validator, doc, ())
    ref_docs: dict[str, Any] = {}
    for name, ref_text in references:
        try:
            ref_docs[name] = json.loads(ref_text)
        except json.JSONDecodeError as exc:
            raise InvalidSchemaError(f"reference {name}: not valid JSON: {exc}") from exc
    loader = _Loader(doc, ref_docs, _draft(doc) in _DRAFT_2019_OR_LATER)
    tree = loader.load_root()
    return ParsedSchema("JSON", text, dict(references), native=tree, format=FORMAT)


def canonical(parsed: ParsedSchema) -> str:
    return json.dumps(json.loads(parsed.text), separators=(",", ":"), ensure_ascii=False)


def normalized(parsed: ParsedSchema) -> str:
    doc = json.loads(parsed.text)
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def parse(text: str, references: dict[str, str]) -> ParsedSchema:
    return _parse_cached(text, tuple(sorted(references.items())))


def diff(original: ParsedSchema, update: ParsedSchema) -> list[Difference]:
    """Confluent's differences from ``original`` to ``update``, in walk order."""
    found = _Differ().compare(original.native, update.native)  # type: ignore[arg-type]
    return differences(found)


def reader_writer(reader: ParsedSchema, writer: ParsedSchema, version: int) -> list[Message]:
    """Can ``reader`` accept every document ``writer`` accepts? (update=reader)."""
    return breaking(diff(writer, reader), version)


FORMAT: SchemaFormat = FunctionFormat(parse, canonical, normalized, diff, reader_writer)
