"""What changed between two versions of a schema, one structured entry per change.

A registration in a plan shows a reviewer what it changes as a short list
(``+ field com.acme.Order.channel "string"``, ``~ default
com.acme.Order.currency: "EUR" -> "USD"``) instead of the whole schema. Each
schema is first turned into a model keyed by names (Avro named types and
their fields, JSON Schema as written, Protobuf messages and enums from
protoc's descriptor), so that a field moving is an order change rather than
every later field changing; ``deepdiff`` then compares the two models and
each difference is named by what it is about: a field added or removed, its
type, default, doc, the fields' order, enum symbols, a reference's version.

This is a description for people, not a compatibility verdict (that is the
compatibility package's).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# The compatibility package is imported where a schema is parsed: a plan that parses
# none (an unchanged project, its verdicts remembered) does not load it.
if TYPE_CHECKING:
    from reconciler.compatibility import ParsedSchema

# deepdiff (~25 ms to import, ~80 ms with the pydantic it imports) is imported only for
# the differences ``_differences`` leaves to it: most plans describe none, and most
# changes are told without it (docs/performance.md, "Session 6: what a plan imports",
# "Session 9: the 1 % plan").

# Change kinds (the JSON form's ``kind``).
FIELD_ADDED = "field_added"
FIELD_REMOVED = "field_removed"
TYPE = "type"
DEFAULT = "default"
DOC = "doc"
ORDER = "order"
ENUM_SYMBOLS = "enum_symbols"
REFERENCE_VERSION = "reference_version"
REQUIRED = "required"
OTHER = "changed"

_SIGNS = {FIELD_ADDED: "+", FIELD_REMOVED: "-"}


@dataclass(frozen=True)
class Change:
    """One change: what kind, where (a dotted name or a JSON pointer), before and after
    (short JSON texts; None when absent on that side)."""

    kind: str
    path: str
    before: str | None = None
    after: str | None = None

    def __str__(self) -> str:
        sign = _SIGNS.get(self.kind, "~")
        label = self.kind.replace("_", " ")
        if self.kind == FIELD_ADDED:
            return f"+ field {self.path} {self.after}"
        if self.kind == FIELD_REMOVED:
            return f"- field {self.path} {self.before}"
        if self.before is None:
            return f"{sign} {label} {self.path}: added {self.after}"
        if self.after is None:
            return f"{sign} {label} {self.path}: removed {self.before}"
        return f"{sign} {label} {self.path}: {self.before} -> {self.after}"


def _short(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# --- Avro: named types by full name, fields by name ----------------------------

_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


class _AvroModel:
    def __init__(self) -> None:
        self.types: dict[str, dict[str, Any]] = {}

    def name_of(self, schema: Any, namespace: str | None) -> Any:
        """A type as a field shows it: named types by full name, defined here once."""
        if isinstance(schema, list):
            return [self.name_of(branch, namespace) for branch in schema]
        if isinstance(schema, str):
            if schema in _PRIMITIVES or "." in schema or not namespace:
                return schema
            return f"{namespace}.{schema}"
        if not isinstance(schema, dict):
            return schema
        kind = schema.get("type")
        if kind in ("record", "error", "enum", "fixed"):
            return self.define(schema, namespace)
        if kind == "array":
            return {"array": self.name_of(schema.get("items"), namespace)}
        if kind == "map":
            return {"map": self.name_of(schema.get("values"), namespace)}
        shown = self.name_of(kind, namespace)
        logical = schema.get("logicalType")
        return {"type": shown, "logicalType": logical} if logical else shown

    def define(self, schema: dict[str, Any], namespace: str | None) -> str:
        name = str(schema.get("name"))
        full = (
            name
            if "." in name or not schema.get("namespace", namespace)
            else (f"{schema.get('namespace', namespace)}.{name}")
        )
        inner = full.rpartition(".")[0] or None
        kind = schema.get("type")
        entry: dict[str, Any] = {"kind": kind}
        if "doc" in schema:
            entry["doc"] = schema["doc"]
        if kind == "enum":
            entry["symbols"] = {s: True for s in schema.get("symbols", [])}
            if "default" in schema:
                entry["default"] = schema["default"]
        elif kind == "fixed":
            entry["size"] = schema.get("size")
        else:
            fields: dict[str, dict[str, Any]] = {}
            for field in schema.get("fields", []):
                shown: dict[str, Any] = {"type": self.name_of(field.get("type"), inner)}
                for key in ("default", "doc"):
                    if key in field:
                        shown[key] = field[key]
                fields[str(field.get("name"))] = shown
            entry["fields"] = fields
            entry["order"] = list(fields)
        self.types[full] = entry
        return full


def _avro_model(text: str) -> dict[str, Any]:
    model = _AvroModel()
    top = model.name_of(json.loads(text), None)
    return {"types": model.types, "top": top}


# --- Protobuf: messages and enums by full name, fields by name ----------------------


def _proto_model(parsed: ParsedSchema) -> dict[str, Any]:
    from google.protobuf.descriptor_pb2 import FieldDescriptorProto

    from reconciler.compatibility import protobuf_file

    file = protobuf_file(parsed)
    types: dict[str, dict[str, Any]] = {}
    labels = {1: "optional", 2: "required", 3: "repeated"}

    def type_name(field: Any) -> str:
        if field.type_name:
            return field.type_name.lstrip(".")
        return FieldDescriptorProto.Type.Name(field.type).removeprefix("TYPE_").lower()

    def enums(items: Any, prefix: str) -> None:
        for enum in items:
            types[f"{prefix}.{enum.name}" if prefix else enum.name] = {
                "kind": "enum",
                "symbols": {v.name: v.number for v in enum.value},
            }

    def messages(items: Any, prefix: str) -> None:
        for message in items:
            name = f"{prefix}.{message.name}" if prefix else message.name
            fields = {
                f.name: {
                    "type": type_name(f),
                    "number": f.number,
                    "label": "optional" if f.proto3_optional else labels.get(f.label, str(f.label)),
                }
                for f in message.field
            }
            types[name] = {"kind": "message", "fields": fields, "order": list(fields)}
            enums(message.enum_type, name)
            messages(message.nested_type, name)

    enums(file.enum_type, file.package)
    messages(file.message_type, file.package)
    return {"types": types}


# --- Differences ---------------------------------------------------------------


def _pruned(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two models without the types and fields that are equal on both sides.

    deepdiff costs about a millisecond a call plus its walk of everything; most
    of a schema is unchanged, and dict equality rules it out far faster.
    """
    kept_old: dict[str, Any] = {k: v for k, v in old.items() if k != "types" and v != new.get(k)}
    kept_new: dict[str, Any] = {k: v for k, v in new.items() if k != "types" and v != old.get(k)}
    types_old, types_new = old.get("types", {}), new.get("types", {})
    kept_old["types"], kept_new["types"] = {}, {}
    for name in sorted(types_old.keys() | types_new.keys()):
        before, after = types_old.get(name), types_new.get(name)
        if before == after:
            continue
        if before is None or after is None or "fields" not in before or "fields" not in after:
            kept_old["types"].update({name: before} if before is not None else {})
            kept_new["types"].update({name: after} if after is not None else {})
            continue
        fields = {
            f
            for f in before["fields"].keys() | after["fields"].keys()
            if before["fields"].get(f) != after["fields"].get(f)
        }
        kept_old["types"][name] = {
            **before,
            "fields": {f: v for f, v in before["fields"].items() if f in fields},
        }
        kept_new["types"][name] = {
            **after,
            "fields": {f: v for f, v in after["fields"].items() if f in fields},
        }
    return kept_old, kept_new


# deepdiff (8.0 on) reports a dict that shares under a third of its keys with the other
# side as one changed value; the pruned models share none, so it would report two added
# fields as one change of ``fields``. Zero keeps one entry per key.
_ONE_BY_ONE: dict[str, Any] = {"view": "tree", "threshold_to_diff_deeper": 0}

# How a value differs (deepdiff's reports, by what ``Change`` makes of them).
_ADDED, _REMOVED, _CHANGED = "added", "removed", "changed"
# (how, path of keys and indexes, value before, value after): None on the absent side.
_Difference = tuple[str, list[Any], Any, Any]


class _Deeper(Exception):
    """Two lists that differ: how is deepdiff's to tell (by index, by difflib's matching)."""


def _differences(old: Any, new: Any) -> list[_Difference]:
    """Every difference deepdiff (``_ONE_BY_ONE``) finds between two JSON-like values.

    Most change lists differ in dict entries and plain values alone (a field added, a
    type or default changed), which ``_walk`` reports as deepdiff does: an entry on one
    side only is added or removed, values of different types are a type change (``1``
    and ``1.0``, ``1`` and ``true`` too), other unequal values changed, and keys that
    start with ``__`` are skipped (deepdiff's ``ignore_private_variables``). Where two
    lists differ, deepdiff reports the whole pair (~0.7 ms each, and ~80 ms to import
    with pydantic: a 1 % plan's 100 change lists cost ~0.15 s with it).
    ``tests/engine/test_changes.py`` holds both to the same reports on random values.
    """
    found: list[_Difference] = []
    try:
        _walk(old, new, [], found)
        return found
    except _Deeper:
        pass
    from deepdiff import DeepDiff

    differences: list[_Difference] = []
    for report, items in DeepDiff(old, new, **_ONE_BY_ONE).items():
        how = (
            _ADDED
            if report.endswith("_added")
            else _REMOVED
            if report.endswith("_removed")
            else _CHANGED
        )
        for item in items:
            path = item.path(output_format="list")
            differences.append(
                (
                    how,
                    path,
                    None if how == _ADDED else item.t1,
                    None if how == _REMOVED else item.t2,
                )
            )
    return differences


def _walk(old: Any, new: Any, path: list[Any], found: list[_Difference]) -> None:
    if type(old) is not type(new):
        found.append((_CHANGED, path, old, new))
    elif type(old) is dict:
        old_keys = [k for k in old if not (type(k) is str and k.startswith("__"))]
        new_keys = [k for k in new if not (type(k) is str and k.startswith("__"))]
        for key in old_keys:
            if key in new:
                _walk(old[key], new[key], [*path, key], found)
            else:
                found.append((_REMOVED, [*path, key], old[key], None))
        for key in new_keys:
            if key not in old:
                found.append((_ADDED, [*path, key], None, new[key]))
    elif type(old) is list:
        if not _same(old, new):
            raise _Deeper
    elif old is not new and old != new:
        found.append((_CHANGED, path, old, new))


def _same(old: Any, new: Any) -> bool:
    """Equal, and of the same types throughout (``[1] == [1.0]`` is not)."""
    if type(old) is not type(new):
        return False
    if type(old) is dict:
        return old.keys() == new.keys() and all(_same(v, new[k]) for k, v in old.items())
    if type(old) is list:
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=True))
    return bool(old is new or old == new)


def _defined(entry: dict[str, Any]) -> str:
    """A named type as a line shows it: its kind and its fields, symbols or size."""
    kind = entry.get("kind")
    if "fields" in entry:
        return f"{kind} with fields {', '.join(entry['fields']) or '(none)'}"
    if "symbols" in entry:
        return f"{kind} {', '.join(entry['symbols'])}"
    return f"{kind} of size {entry.get('size')}"


def _without_order(model: dict[str, Any]) -> dict[str, Any]:
    """The model without each type's ``order`` of its fields, which ``_named_changes``
    compares by name (a path pattern left out fields named ``order`` too, and cost
    deepdiff a match per path)."""
    types = {
        name: {key: value for key, value in entry.items() if key != "order"}
        for name, entry in model["types"].items()
    }
    return {**model, "types": types}


def _named_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    """Changes between two models of named types (Avro, Protobuf)."""
    pruned_old, pruned_new = (_without_order(m) for m in _pruned(old, new))
    for how, raw, old_value, new_value in _differences(pruned_old, pruned_new):
        path = [str(p) for p in raw]
        show = _defined if len(path) == 2 and path[0] == "types" else _short  # a named type
        before = None if how == _ADDED else show(old_value)
        after = None if how == _REMOVED else show(new_value)
        yield _named_change(path, before, after)
    old_types, new_types = old.get("types", {}), new.get("types", {})
    for name in sorted(set(old_types) & set(new_types)):
        before_order = [
            f for f in old_types[name].get("order", []) if f in new_types[name].get("fields", {})
        ]
        after_order = [
            f for f in new_types[name].get("order", []) if f in old_types[name].get("fields", {})
        ]
        if before_order != after_order:
            yield Change(ORDER, name, ", ".join(before_order), ", ".join(after_order))


def _named_change(path: list[str], before: str | None, after: str | None) -> Change:
    if path[:1] != ["types"] or len(path) < 2:
        return Change(TYPE, "/".join(path) or "(schema)", before, after)
    name, rest = path[1], path[2:]
    if not rest:  # a whole named type added or removed
        return Change(OTHER, name, before, after)
    if rest[0] == "fields" and len(rest) >= 2:
        field = f"{name}.{rest[1]}"
        if len(rest) == 2:
            return Change(
                FIELD_ADDED if before is None else FIELD_REMOVED if after is None else OTHER,
                field,
                before,
                after,
            )
        key = rest[2]
        kind = {"type": TYPE, "default": DEFAULT, "doc": DOC}.get(key, OTHER)
        where = field if kind is not OTHER else f"{field}.{'.'.join(rest[2:])}"
        return Change(kind, where, before, after)
    if rest[0] == "symbols":
        symbol = rest[1] if len(rest) > 1 else ""
        return Change(
            ENUM_SYMBOLS,
            name,
            symbol if before is not None else None,
            symbol if after is not None else None,
        )
    kind = {"doc": DOC, "default": DEFAULT}.get(rest[0], OTHER)
    return Change(kind, name if kind is not OTHER else f"{name}.{'.'.join(rest)}", before, after)


_JSON_KEYS = {"type": TYPE, "default": DEFAULT, "description": DOC, "title": DOC}


_JSON_SETS = {"required": REQUIRED, "enum": ENUM_SYMBOLS}


def _json_model(schema: Any) -> Any:
    """A JSON Schema with its ``required`` and ``enum`` lists as sets (dicts keyed by
    each value's JSON text): their order means nothing, so a value replaced by another
    is one removed and one added, never "b" -> "c" at the same index."""
    if isinstance(schema, list):
        return [_json_model(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        key: {_short(v): True for v in value}
        if key in _JSON_SETS and isinstance(value, list)
        else _json_model(value)
        for key, value in schema.items()
    }


def _is_set(schema: Any, path: list[Any]) -> bool:
    """Whether ``path`` leads to one of the lists ``_json_model`` made a set (not, say,
    a property that happens to be named ``enum``)."""
    for step in path:
        try:
            schema = schema[step]
        except (KeyError, IndexError, TypeError):
            return False
    return path[-1] in _JSON_SETS and isinstance(schema, list)


def _json_changes(old: Any, new: Any) -> Iterator[Change]:
    for how, raw, old_value, new_value in _differences(_json_model(old), _json_model(new)):
        path = [str(p) for p in raw]
        before = None if how == _ADDED else _short(old_value)
        after = None if how == _REMOVED else _short(new_value)
        pointer = "#/" + "/".join(path)
        if len(path) >= 2 and path[-2] == "properties" and (before is None or after is None):
            kind = FIELD_ADDED if before is None else FIELD_REMOVED
            yield Change(kind, pointer, before, after)
        elif (
            len(path) >= 2
            and (before is None or after is None)
            and (_is_set(old, raw[:-1]) or _is_set(new, raw[:-1]))
        ):
            value = path[-1]  # the set's member, as its JSON text
            yield Change(
                _JSON_SETS[path[-2]],
                "#/" + "/".join(path[:-2]) if len(path) > 2 else "#",
                None if before is None else value,
                None if after is None else value,
            )
        elif path and path[-1] in _JSON_KEYS:
            yield Change(_JSON_KEYS[path[-1]], "#/" + "/".join(path[:-1]), before, after)
        else:
            yield Change(OTHER, pointer, before, after)


def reference_changes(
    old: Mapping[str, tuple[str, int]], new: Mapping[str, tuple[str, int]]
) -> list[Change]:
    """Reference name -> (subject, version), before and after."""
    found = []
    for how, path, _, _ in _differences(dict(old), dict(new)):
        name = str(path[0])
        before = None if how == _ADDED else f"{old[name][0]} v{old[name][1]}"
        after = None if how == _REMOVED else f"{new[name][0]} v{new[name][1]}"
        found.append(Change(REFERENCE_VERSION, name, before, after))
    return sorted(found, key=lambda c: c.path)


def schema_changes(old: ParsedSchema, new: ParsedSchema) -> list[Change]:
    """Every change from ``old`` to ``new``, two parsed versions of one subject (none when
    their types differ: that is one change, the type's, which the plan shows)."""
    if old.schema_type != new.schema_type:
        return []
    if new.schema_type == "AVRO":
        found = _named_changes(_avro_model(old.text), _avro_model(new.text))
    elif new.schema_type == "JSON":
        found = _json_changes(json.loads(old.text), json.loads(new.text))
    else:
        found = _named_changes(_proto_model(old), _proto_model(new))
    # In one order whatever deepdiff's and the sets' (a plan's id hashes its JSON, and
    # two replicas of the MCP server must make the same plan).
    return sorted(found, key=lambda c: (c.path, c.kind, c.before or "", c.after or ""))
