"""Concrete schema edits that evolution advice proposes, one function per edit and format.

Each edit takes schema texts and returns an ``Edit``: the edited text and one
line per change, in the schema's own terms (``com.acme.Order.amount: add
"default": 0``). An edit is only a candidate: ``evolve`` parses the result and
re-runs the compatibility check before offering it. An edit that changes
nothing returns ``None``.

Avro and JSON Schema documents are edited as JSON and printed back with an
indent of 2; Protobuf is edited in its text, so comments and layout stay.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.compatibility import ParsedSchema, avro_named_types, protobuf_file


@dataclass(frozen=True)
class Edit:
    """An edited schema text and what was changed, one line per field."""

    text: str
    changes: tuple[str, ...]


def _dump(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _value(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


# --- Avro ------------------------------------------------------------------

_AVRO_PRIMITIVE_DEFAULTS: dict[str, Any] = {
    "null": None,
    "boolean": False,
    "int": 0,
    "long": 0,
    "float": 0.0,
    "double": 0.0,
    "bytes": "",
    "string": "",
}


def _avro_full_name(name: str, namespace: str | None) -> str:
    if "." in name or not namespace:
        return name
    return f"{namespace}.{name}"


def _avro_records(doc: Any, namespace: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every record defined in ``doc`` (nested ones too), by full name."""
    if isinstance(doc, list):
        for branch in doc:
            yield from _avro_records(branch, namespace)
        return
    if not isinstance(doc, dict):
        return
    kind = doc.get("type")
    if kind in ("record", "error", "enum", "fixed") and isinstance(doc.get("name"), str):
        full = _avro_full_name(doc["name"], doc.get("namespace", namespace))
        namespace = full.rpartition(".")[0] or None
        if kind != "record" and kind != "error":
            return
        yield full, doc
        for field in doc.get("fields", []):
            if isinstance(field, dict):
                yield from _avro_records(field.get("type"), namespace)
    elif kind == "array":
        yield from _avro_records(doc.get("items"), namespace)
    elif kind == "map":
        yield from _avro_records(doc.get("values"), namespace)
    elif isinstance(kind, (dict, list)):
        yield from _avro_records(kind, namespace)


def _avro_fields(doc: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """Record full name -> field name -> field."""
    return {
        name: {f["name"]: f for f in record.get("fields", []) if isinstance(f, dict)}
        for name, record in _avro_records(doc)
    }


class _NoDefault(Exception):
    """The type has no value that can be written as a default (a recursive record)."""


def _avro_default(schema: Any, named: dict[str, Any], seen: frozenset[str] = frozenset()) -> Any:
    """A valid default for an Avro type: its zero value (the first branch's for a union)."""
    if isinstance(schema, list):
        if not schema:
            raise _NoDefault
        return _avro_default(schema[0], named, seen)
    if isinstance(schema, str):
        if schema in _AVRO_PRIMITIVE_DEFAULTS:
            return _AVRO_PRIMITIVE_DEFAULTS[schema]
        found = named.get(schema) or next(
            (d for n, d in named.items() if n.rpartition(".")[2] == schema), None
        )
        if found is None or schema in seen:
            raise _NoDefault
        return _avro_default(found, named, seen | {schema})
    if not isinstance(schema, dict):
        raise _NoDefault
    kind = schema.get("type")
    if kind == "array":
        return []
    if kind == "map":
        return {}
    if kind == "enum":
        return schema.get("default", (schema.get("symbols") or [""])[0])
    if kind == "fixed":
        return "\u0000" * int(schema.get("size", 0))
    if kind in ("record", "error"):
        return {
            f["name"]: f["default"] if "default" in f else _avro_default(f["type"], named, seen)
            for f in schema.get("fields", [])
        }
    return _avro_default(kind, named, seen)


def _avro_named(parsed: ParsedSchema) -> dict[str, Any]:
    named: dict[str, Any] = {}
    for text in [*parsed.references.values(), parsed.text]:
        named.update({n: d for n, (d, _ns) in avro_named_types(json.loads(text)).items()})
    return named


def avro_new_fields(target: str, previous: Sequence[str]) -> dict[str, list[str]]:
    """Record -> the fields of ``target`` without a default that some earlier version lacks."""
    earlier = [_avro_fields(json.loads(text)) for text in previous]
    found: dict[str, list[str]] = {}
    for record, fields in _avro_fields(json.loads(target)).items():
        for name, field in fields.items():
            if "default" in field:
                continue
            if any(name not in old.get(record, {}) for old in earlier if record in old):
                found.setdefault(record, []).append(name)
    return found


def avro_removed_fields(target: str, latest: str) -> dict[str, list[str]]:
    """Record -> the fields without a default in ``latest`` that ``target`` drops."""
    now = _avro_fields(json.loads(target))
    found: dict[str, list[str]] = {}
    for record, fields in _avro_fields(json.loads(latest)).items():
        if record not in now:
            continue
        for name, field in fields.items():
            if name not in now[record] and "default" not in field:
                found.setdefault(record, []).append(name)
    return found


def _avro_edit(
    parsed: ParsedSchema,
    fields: dict[str, list[str]],
    change: Callable[[dict[str, Any], dict[str, Any]], str],
) -> Edit | None:
    """Apply ``change(field, named types)`` to the listed fields of a copy of the schema."""
    doc = json.loads(parsed.text)
    named = _avro_named(parsed)
    records = dict(_avro_records(doc))
    changes: list[str] = []
    for record, names in fields.items():
        for field in records.get(record, {}).get("fields", []):
            if isinstance(field, dict) and field.get("name") in names:
                try:
                    changes.append(f"{record}.{field['name']}: {change(field, named)}")
                except _NoDefault:
                    return None
    return Edit(_dump(doc), tuple(changes)) if changes else None


def _add_avro_default(field: dict[str, Any], named: dict[str, Any]) -> str:
    field["default"] = _avro_default(field["type"], named)
    return f'add "default": {json.dumps(field["default"], ensure_ascii=False)}'


def _make_avro_optional(field: dict[str, Any], named: dict[str, Any]) -> str:
    branches = field["type"] if isinstance(field["type"], list) else [field["type"]]
    field["type"] = ["null", *(b for b in branches if b != "null")]
    field["default"] = None
    return f'make it optional: "type": {json.dumps(field["type"])}, "default": null'


def avro_add_defaults(parsed: ParsedSchema, fields: dict[str, list[str]]) -> Edit | None:
    return _avro_edit(parsed, fields, _add_avro_default)


def avro_make_optional(parsed: ParsedSchema, fields: dict[str, list[str]]) -> Edit | None:
    return _avro_edit(parsed, fields, _make_avro_optional)


def avro_keep_fields(
    target: ParsedSchema, latest: str, fields: dict[str, list[str]]
) -> Edit | None:
    """The target with the fields it drops kept as ``latest`` has them, with a default."""
    doc = json.loads(target.text)
    records = dict(_avro_records(doc))
    old = _avro_fields(json.loads(latest))
    named = _avro_named(target)
    changes: list[str] = []
    for record, names in fields.items():
        for name in names:
            field = copy.deepcopy(old[record][name])
            try:
                field["default"] = _avro_default(field["type"], named)
            except _NoDefault:
                return None
            records[record].setdefault("fields", []).append(field)
            changes.append(
                f"{record}.{name}: keep the field, with "
                f'"default": {json.dumps(field["default"], ensure_ascii=False)}'
            )
    return Edit(_dump(doc), tuple(changes)) if changes else None


# --- JSON Schema -------------------------------------------------------------

_JSON_DEFAULTS: dict[str, Any] = {
    "string": "",
    "integer": 0,
    "number": 0,
    "boolean": False,
    "array": [],
    "object": {},
    "null": None,
}


def _json_objects(doc: Any, pointer: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema with ``properties``, by JSON pointer, nested ones too."""
    if not isinstance(doc, dict):
        return
    if isinstance(doc.get("properties"), dict):
        yield pointer, doc
        for name, sub in doc["properties"].items():
            yield from _json_objects(sub, f"{pointer}/properties/{name}")
    for key in ("items", "additionalProperties", "not"):
        yield from _json_objects(doc.get(key), f"{pointer}/{key}")
    for key in ("definitions", "$defs"):
        for name, sub in (doc.get(key) or {}).items():
            yield from _json_objects(sub, f"{pointer}/{key}/{name}")
    for key in ("allOf", "anyOf", "oneOf"):
        for index, sub in enumerate(doc.get(key) or []):
            yield from _json_objects(sub, f"{pointer}/{key}/{index}")


def json_new_required(target: str, previous: Sequence[str]) -> dict[str, list[str]]:
    """Object pointer -> the required properties of ``target`` that some earlier version lacks."""
    earlier = [dict(_json_objects(json.loads(text))) for text in previous]
    found: dict[str, list[str]] = {}
    for pointer, obj in _json_objects(json.loads(target)):
        for name in obj.get("required") or []:
            if any(
                name not in (old[pointer].get("properties") or {})
                for old in earlier
                if pointer in old
            ):
                found.setdefault(pointer, []).append(name)
    return found


def _json_default(schema: Any) -> Any:
    if not isinstance(schema, dict):
        raise _NoDefault
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list) and kind:
        kind = kind[0]
    if kind not in _JSON_DEFAULTS:
        raise _NoDefault
    return _JSON_DEFAULTS[kind]


def json_not_required(target: str, properties: dict[str, list[str]]) -> Edit | None:
    """The target with the listed properties left out of their object's ``required``."""
    doc = json.loads(target)
    objects = dict(_json_objects(doc))
    changes: list[str] = []
    for pointer, names in properties.items():
        obj = objects[pointer]
        obj["required"] = [n for n in obj["required"] if n not in names]
        if not obj["required"]:
            del obj["required"]
        changes += [f"{pointer}/properties/{n}: make it optional (not in required)" for n in names]
    return Edit(_dump(doc), tuple(changes)) if changes else None


def json_add_defaults(target: str, properties: dict[str, list[str]]) -> Edit | None:
    """The target with a default for each listed property (of the type it declares)."""
    doc = json.loads(target)
    objects = dict(_json_objects(doc))
    changes: list[str] = []
    for pointer, names in properties.items():
        for name in names:
            schema = objects[pointer].get("properties", {}).get(name)
            try:
                value = _json_default(schema)
            except _NoDefault:
                return None
            schema["default"] = value
            changes.append(
                f'{pointer}/properties/{name}: add "default": '
                f"{json.dumps(value, ensure_ascii=False)}"
            )
    return Edit(_dump(doc), tuple(changes)) if changes else None


# --- Protobuf --------------------------------------------------------------

_LABEL_REQUIRED = 2  # FieldDescriptorProto.LABEL_REQUIRED


def _proto_fields(parsed: ParsedSchema) -> dict[tuple[str, int], tuple[str, int, int]]:
    """(message full name, field number) -> (field name, label, type) of every message."""
    file = protobuf_file(parsed)
    found: dict[tuple[str, int], tuple[str, int, int]] = {}

    def walk(messages: Any, prefix: str) -> None:
        for message in messages:
            name = f"{prefix}.{message.name}" if prefix else message.name
            for field in message.field:
                found[(name, field.number)] = (field.name, field.label, field.type)
            walk(message.nested_type, name)

    walk(file.message_type, file.package)
    return found


def proto_new_required(
    target: ParsedSchema, previous: Sequence[ParsedSchema]
) -> list[tuple[str, str, int]]:
    """(message, field name, number) of the required fields some earlier version lacks."""
    earlier = [_proto_fields(p) for p in previous]
    return [
        (message, name, number)
        for (message, number), (name, label, _type) in _proto_fields(target).items()
        if label == _LABEL_REQUIRED and any((message, number) not in old for old in earlier)
    ]


def proto_make_optional(
    target: ParsedSchema, fields: Sequence[tuple[str, str, int]]
) -> Edit | None:
    """The target with each listed ``required`` field declared ``optional`` instead."""
    text = target.text
    changes: list[str] = []
    for message, name, number in fields:
        pattern = re.compile(rf"\brequired(\s+[\w.]+\s+{re.escape(name)}\s*=\s*{number}\b)")
        text, count = pattern.subn(r"optional\1", text)
        if count != 1:
            return None
        changes.append(
            f"{message}.{name} = {number}: make it optional (`optional`, not `required`)"
        )
    return Edit(text, tuple(changes)) if changes else None
