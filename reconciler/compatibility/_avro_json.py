"""Avro schema JSON as Java's ``Schema.toString`` writes it (what Confluent stores and returns).

Confluent's ``AvroSchema.canonicalString()`` is ``schemaObj.toString(references,
false)``: Avro Java's printer with the referenced schemas' full names known, so
they are written by name. That printer fixes the key order (a field is
``name, type, doc, default, order, aliases`` then its other properties; a
named type ``type, name, namespace, doc`` then its own keys, properties and
``aliases``), leaves out what equals the default (``"order": "ascending"``, a
namespace equal to the enclosing one, a primitive without properties in its
object form), and writes a named type a second time, or one whose name is
known, by its name, short when it is in the enclosing namespace. This module
reproduces it from the decoded document, which the caller has already
validated (so every name it meets is defined).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._avro_model import PRIMITIVES

# Java's Schema.Type names: a name in the enclosing namespace is still written in
# full when it is one of these (Name.shouldWriteFull)
_TYPE_NAMES = PRIMITIVES | {"record", "enum", "array", "map", "union", "fixed"}
_SCHEMA_RESERVED = frozenset(
    ("doc", "fields", "items", "name", "namespace", "size", "symbols", "values", "type", "aliases")
)
_ENUM_RESERVED = _SCHEMA_RESERVED | {"default"}
_FIELD_RESERVED = frozenset(("default", "doc", "name", "order", "type", "aliases"))


def _full_name(name: str, space: str | None) -> tuple[str, str | None]:
    """Java's ``Name(name, space)``: (full name, namespace); a dotted name carries its own."""
    if "." in name:
        space, _, name = name.rpartition(".")
    space = space or None
    return (f"{space}.{name}" if space else name), space


def _qualified(full: str, current: str | None) -> str:
    """Java's ``Name.getQualified``: the short name inside its own namespace."""
    space, _, short = full.rpartition(".")
    if space and space == current and short not in _TYPE_NAMES:
        return short
    return full


def _definition_name(node: Mapping[str, Any], space: str | None) -> tuple[str, str | None]:
    namespace = node.get("namespace")
    if not isinstance(namespace, str):
        namespace = space  # absent (or not text, as getOptionalText reads it): the enclosing one
    return _full_name(node["name"], namespace)


def _collect(
    node: Any, space: str | None, out: dict[str, tuple[Mapping[str, Any], str | None]]
) -> None:
    """Every named type a document defines: full name -> (definition, enclosing namespace)."""
    if isinstance(node, list):
        for branch in node:
            _collect(branch, space, out)
    elif isinstance(node, dict):
        kind = node.get("type")
        if kind in ("record", "error", "enum", "fixed") and isinstance(node.get("name"), str):
            full, inner = _definition_name(node, space)
            out.setdefault(full, (node, space))
            for field in node.get("fields") or () if kind in ("record", "error") else ():
                if isinstance(field, dict):
                    _collect(field.get("type"), inner, out)
        elif kind in ("array", "map"):
            _collect(node.get("items" if kind == "array" else "values"), space, out)
        elif isinstance(kind, dict | list):
            _collect(kind, space, out)


def _props(node: Mapping[str, Any], reserved: frozenset[str]) -> Iterable[tuple[str, Any]]:
    return ((k, v) for k, v in node.items() if k not in reserved)


class _Printer:
    def __init__(
        self, known: set[str], definitions: dict[str, tuple[Mapping[str, Any], str | None]]
    ):
        self.known = known
        self.definitions = definitions

    def schema(self, node: Any, space: str | None) -> Any:
        if isinstance(node, str):
            return node if node in PRIMITIVES else self.reference(node, space)
        if isinstance(node, list):
            return [self.schema(branch, space) for branch in node]
        kind = node["type"]
        if not isinstance(kind, str):
            return self.schema(kind, space)
        if kind in PRIMITIVES:
            props = dict(_props(node, _SCHEMA_RESERVED))
            return {"type": kind, **props} if props else kind
        if kind in ("record", "error", "enum", "fixed"):
            return self.named(node, *_definition_name(node, space), space)
        if kind in ("array", "map"):
            key = "items" if kind == "array" else "values"
            out = {"type": kind, key: self.schema(node[key], space)}
            out.update(_props(node, _SCHEMA_RESERVED))
            return out
        return self.reference(kind, space)  # {"type": "some.Name"}

    def reference(self, name: str, space: str | None) -> Any:
        """A type name: Java's lookup tries the enclosing namespace first, then none."""
        full = f"{space}.{name}" if space and "." not in name else name
        if full not in self.known and full not in self.definitions:
            full = name
        if full in self.known:
            return _qualified(full, space)
        # defined inside a referenced schema, whose own name alone is known: inlined
        node, enclosing = self.definitions[full]
        return self.named(node, *_definition_name(node, enclosing), space)

    def named(
        self, node: Mapping[str, Any], full: str, inner: str | None, current: str | None
    ) -> Any:
        if full in self.known:
            return _qualified(full, current)
        self.known.add(full)
        kind = node["type"]
        out: dict[str, Any] = {"type": kind, "name": full.rpartition(".")[2]}
        if inner is not None:
            if inner != current:
                out["namespace"] = inner
        elif current is not None:
            out["namespace"] = ""  # null within non-null
        if isinstance(node.get("doc"), str):
            out["doc"] = node["doc"]
        if kind in ("record", "error"):
            out["fields"] = [self.field(f, inner) for f in node["fields"]]
            out.update(_props(node, _SCHEMA_RESERVED))
        elif kind == "enum":
            out["symbols"] = node["symbols"]
            if isinstance(node.get("default"), str):
                out["default"] = node["default"]
            out.update(_props(node, _ENUM_RESERVED))
        else:
            out["size"] = node["size"]
            out.update(_props(node, _SCHEMA_RESERVED))
        aliases = node.get("aliases")
        if aliases:
            names = dict.fromkeys(_full_name(a, inner)[0] for a in aliases)
            out["aliases"] = [_qualified(a, inner) for a in names]
        return out

    def field(self, node: Mapping[str, Any], space: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {"name": node["name"], "type": self.schema(node["type"], space)}
        if isinstance(node.get("doc"), str):
            out["doc"] = node["doc"]
        if "default" in node:
            out["default"] = node["default"]
        order = node.get("order")
        if isinstance(order, str) and order.upper() != "ASCENDING":
            out["order"] = order.lower()
        aliases = node.get("aliases")
        if aliases:
            out["aliases"] = list(dict.fromkeys(aliases))
        out.update(_props(node, _FIELD_RESERVED))
        return out


def java_form(doc: Any, references: Iterable[Any], *, inline_references: bool = False) -> Any:
    """``doc`` as Java's printer writes it, knowing the top-level names of ``references``
    (decoded, dependencies first) as Confluent's canonicalString does; with
    ``inline_references`` knowing none (``Schema.toString()``), so referenced types
    are written out where first used."""
    definitions: dict[str, tuple[Mapping[str, Any], str | None]] = {}
    known: set[str] = set()
    for reference in references:
        _collect(reference, None, definitions)
        named = isinstance(reference, dict) and isinstance(reference.get("name"), str)
        if named and not inline_references:
            known.add(_definition_name(reference, None)[0])
    return _Printer(known, definitions).schema(doc, None)
