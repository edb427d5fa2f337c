"""Lint rules for Avro schemas, on the JSON document as written."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from reconciler.compatibility import avro_named_types

from ._source import Emit, Source, quoted

_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
_NAMED = {"record", "error", "enum", "fixed"}
_PASCAL = re.compile(r"[A-Z][A-Za-z0-9]*")
_UPPER_SNAKE = re.compile(r"[A-Z][A-Z0-9_]*")
_INT_RANGE = {"int": 2**31, "long": 2**63}


def lint(source: Source, emit: Emit) -> None:
    doc = source.document
    if doc is None:
        return  # the loader reports invalid schemas
    linter = _Linter(emit, avro_named_types(doc))
    if isinstance(doc, dict) and doc.get("type") in _NAMED:
        name = str(doc.get("name", ""))
        if not doc.get("namespace") and "." not in name:
            emit(
                "AVRO_NAMESPACE_MISSING",
                f"{doc['type']} {name} has no namespace",
                "",
                [quoted(name)],
            )
    linter.walk(doc, "", None, [])
    linter.field_styles()


def _full(name: str, space: str | None) -> str:
    return name if "." in name or not space else f"{space}.{name}"


def _is_null(branch: Any) -> bool:
    return branch == "null" or (isinstance(branch, dict) and branch.get("type") == "null")


class _Linter:
    def __init__(self, emit: Emit, definitions: dict[str, Any]) -> None:
        self.emit = emit
        self.definitions = definitions
        self.fields: list[tuple[str, str, list[str]]] = []  # name, pointer, needles

    def walk(self, node: Any, pointer: str, space: str | None, needles: list[str]) -> None:
        if isinstance(node, list):
            for i, branch in enumerate(node):
                self.walk(branch, f"{pointer}/{i}", space, needles)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if kind in _NAMED and isinstance(node.get("name"), str):
            name = node["name"]
            full = _full(name, node.get("namespace") or space)
            space = full.rpartition(".")[0] or None
            needles = [*needles, quoted(name)]
            self.named(node, kind, full, pointer, needles)
            if kind in ("record", "error"):
                for i, field in enumerate(node.get("fields", [])):
                    if isinstance(field, dict) and isinstance(field.get("name"), str):
                        self.field(field, full, f"{pointer}/fields/{i}", space, needles)
        elif kind == "array":
            self.walk(node.get("items"), f"{pointer}/items", space, needles)
        elif kind == "map":
            self.walk(node.get("values"), f"{pointer}/values", space, needles)
        elif isinstance(kind, dict | list):
            self.walk(kind, f"{pointer}/type", space, needles)

    def named(
        self, node: dict[str, Any], kind: str, full: str, pointer: str, needles: list[str]
    ) -> None:
        short = full.rpartition(".")[2]
        if not _PASCAL.fullmatch(short):
            self.emit(
                "AVRO_TYPE_NAME_CASE",
                f"{kind} name {short!r} is not PascalCase",
                pointer,
                needles,
                f"rename it to {_pascal(short)!r}",
            )
        if kind != "enum":
            return
        if "default" not in node:
            self.emit(
                "AVRO_ENUM_WITHOUT_DEFAULT",
                f"enum {full} has no default symbol; readers of this version fail on "
                "any symbol added later",
                pointer,
                needles,
            )
        for symbol in node.get("symbols", []):
            if isinstance(symbol, str) and not _UPPER_SNAKE.fullmatch(symbol):
                self.emit(
                    "AVRO_ENUM_SYMBOL_CASE",
                    f"enum {full} symbol {symbol!r} is not UPPER_SNAKE_CASE",
                    pointer,
                    [*needles, quoted(symbol)],
                    f"rename it to {_words(symbol, '_').upper()!r}",
                )

    def field(
        self,
        field: dict[str, Any],
        record: str,
        pointer: str,
        space: str | None,
        needles: list[str],
    ) -> None:
        name = field["name"]
        here = [*needles, quoted(name)]
        self.fields.append((name, pointer, here))
        kind = field.get("type")
        label = f"field {record}.{name}"
        if isinstance(kind, list) and any(_is_null(b) for b in kind) and "default" not in field:
            self.emit(
                "AVRO_OPTIONAL_WITHOUT_DEFAULT",
                f'{label} is nullable but has no default (add `"default": null` and put '
                '"null" first)',
                pointer,
                here,
            )
        if "default" in field:
            self.default(field["default"], kind, label, space, pointer, here)
        self.walk(kind, f"{pointer}/type", space, here)

    def default(
        self, value: Any, kind: Any, label: str, space: str | None, pointer: str, needles: list[str]
    ) -> None:
        shown = json.dumps(value)
        if isinstance(kind, list):
            verdicts = [self.matches(value, branch, space) for branch in kind]
            if not verdicts or verdicts[0] is True or None in verdicts:
                return
            if any(verdicts[1:]):
                self.emit(
                    "AVRO_UNION_DEFAULT_NOT_FIRST",
                    f"{label}: default {shown} matches a later branch of the union, not its "
                    "first; put that branch first",
                    pointer,
                    needles,
                )
                return
        elif self.matches(value, kind, space) is not False:
            return
        self.emit(
            "AVRO_DEFAULT_INVALID",
            f"{label}: default {shown} is not a value of the field's type",
            pointer,
            needles,
        )

    def matches(self, value: Any, kind: Any, space: str | None) -> bool | None:
        """Whether ``value`` is a JSON default of ``kind``; None when the type is unknown here."""
        if isinstance(kind, str):
            if kind in _PRIMITIVES:
                return _primitive(value, kind)
            found = self.definitions.get(_full(kind, space)) or self.definitions.get(kind)
            return None if found is None else self.matches(value, found[0], found[1])
        if isinstance(kind, list):
            verdicts = [self.matches(value, branch, space) for branch in kind]
            return True if True in verdicts else None if None in verdicts else False
        if not isinstance(kind, dict):
            return None
        type_ = kind.get("type")
        if type_ in _PRIMITIVES:
            return _primitive(value, type_)
        if isinstance(kind.get("name"), str) and type_ in _NAMED:
            space = _full(kind["name"], kind.get("namespace") or space).rpartition(".")[0] or None
        if type_ == "enum":
            return isinstance(value, str) and value in kind.get("symbols", [])
        if type_ == "fixed":
            return isinstance(value, str) and len(value) == kind.get("size")
        if type_ == "array":
            return isinstance(value, list) and _all(
                self.matches(item, kind.get("items"), space) for item in value
            )
        if type_ == "map":
            return isinstance(value, dict) and _all(
                self.matches(item, kind.get("values"), space) for item in value.values()
            )
        if type_ in ("record", "error"):
            if not isinstance(value, dict):
                return False
            verdicts = []
            for field in kind.get("fields", []):
                if not isinstance(field, dict):
                    continue
                if field.get("name") in value:
                    verdicts.append(self.matches(value[field["name"]], field.get("type"), space))
                else:
                    verdicts.append("default" in field)
            return _all(verdicts)
        return None

    def field_styles(self) -> None:
        styles = [(name, _style(name), pointer, needles) for name, pointer, needles in self.fields]
        first = next((style for _, style, _, _ in styles if style), None)
        for name, style, pointer, needles in styles:
            if style and style != first:
                self.emit(
                    "AVRO_FIELD_NAME_CASE",
                    f"field {name!r} is {style} while the schema's fields are {first}",
                    pointer,
                    needles,
                    f"rename it to {_restyle(name, first)!r} (with an alias {name!r}, so "
                    "that data written with the old name is still read)",
                )


def _primitive(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in _INT_RANGE:
        bound = _INT_RANGE[kind]
        return isinstance(value, int) and not isinstance(value, bool) and -bound <= value < bound
    if kind in ("float", "double"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)  # bytes and string


def _all(verdicts: Sequence[bool | None] | Any) -> bool | None:
    found = list(verdicts)
    return False if False in found else None if None in found else True


def _words(name: str, sep: str) -> str:
    """``placedAt``/``placed_at``/``PlacedAt`` -> ``placed<sep>at`` (lower case)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return sep.join(part.lower() for part in spaced.split("_") if part)


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in _words(name, "_").split("_")) or name


def _restyle(name: str, style: str | None) -> str:
    if style == "snake_case":
        return _words(name, "_")
    pascal = _pascal(name)
    return pascal[:1].lower() + pascal[1:]


def _style(name: str) -> str | None:
    if "_" in name.strip("_") and name == name.lower():
        return "snake_case"
    if name[:1].islower() and any(c.isupper() for c in name):
        return "camelCase"
    return None  # one lower-case word fits both
