"""Avro schemas rendered as Avro IDL (``export --format avro-idl``).

One ``.avdl`` file per Avro schema: a ``protocol`` named after the top-level
record holding every named type the schema defines, dependencies first (a
schema whose top level is not a named type uses the IDL ``schema`` form of
Avro 1.12). Logical types with an IDL keyword use it (``date``,
``timestamp_ms``, ``decimal(p,s)``...), others an annotation; docs become
``/** */`` comments; aliases, order and custom properties become annotations.
Types that come from schema references are imported from their own files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .desired import spec_stem
from .files import EXTENSIONS, FileNames, readable
from .live import RegistryContents

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
RESERVED = frozenset(
    {
        "array", "boolean", "bytes", "date", "decimal", "double", "enum", "error", "false",
        "fixed", "float", "idl", "import", "int", "local_timestamp_ms", "long", "map",
        "namespace", "null", "oneway", "protocol", "record", "schema", "string", "throws",
        "time_ms", "timestamp_ms", "true", "union", "uuid", "void",
    }
)  # fmt: skip
# (logicalType, underlying type) -> IDL keyword
LOGICAL_KEYWORDS = {
    ("date", "int"): "date",
    ("time-millis", "int"): "time_ms",
    ("timestamp-millis", "long"): "timestamp_ms",
    ("local-timestamp-millis", "long"): "local_timestamp_ms",
    ("uuid", "string"): "uuid",
}
_FIELD_KEYS = frozenset({"name", "type", "doc", "default", "order", "aliases"})
_NAMED_KEYS = frozenset(
    {"type", "name", "namespace", "doc", "aliases", "fields", "symbols", "default", "size"}
)


def ident(name: str) -> str:
    return f"`{name}`" if name in RESERVED else name


def _doc(doc: Any, indent: str) -> list[str]:
    if not isinstance(doc, str) or not doc:
        return []
    text = doc.replace("*/", "* /")
    return [f"{indent}/** {text} */"]


def _props(schema: dict[str, Any], known: frozenset[str]) -> str:
    extra = [f"@{k}({json.dumps(v)}) " for k, v in schema.items() if k not in known]
    return "".join(extra)


def _full_name(schema: dict[str, Any], namespace: str) -> tuple[str, str]:
    """(full name, namespace) of a named type, by Avro's rules."""
    name = str(schema["name"])
    if "." in name:
        return name, name.rpartition(".")[0]
    ns = schema.get("namespace", namespace) or ""
    return (f"{ns}.{name}" if ns else name), ns


class _Renderer:
    def __init__(self, protocol_namespace: str) -> None:
        self.protocol_namespace = protocol_namespace
        self.definitions: list[str] = []
        self.defined: set[str] = set()

    def name_ref(self, full: str, namespace: str) -> str:
        ns, _, simple = full.rpartition(".")
        return ident(simple) if ns == namespace else ".".join(map(ident, full.split(".")))

    def type_expr(self, schema: Any, namespace: str) -> str:
        if isinstance(schema, str):
            if schema in PRIMITIVES:
                return schema
            full = schema if "." in schema or not namespace else f"{namespace}.{schema}"
            return self.name_ref(full if full in self.defined else schema, namespace)
        if isinstance(schema, list):
            return "union { " + ", ".join(self.type_expr(s, namespace) for s in schema) + " }"
        kind = schema.get("type")
        if kind in ("record", "error", "enum", "fixed"):
            full, ns = _full_name(schema, namespace)
            if full not in self.defined:
                self.define(schema, full, ns)
            return self.name_ref(full, namespace)
        if kind in ("array", "map"):
            inner = "items" if kind == "array" else "values"
            notes = _props(schema, frozenset({"type", inner}))
            return f"{notes}{kind}<{self.type_expr(schema[inner], namespace)}>"
        logical = schema.get("logicalType")
        keyword = LOGICAL_KEYWORDS.get((logical, kind))
        rest = {k: v for k, v in schema.items() if k not in ("type", "logicalType")}
        if keyword and not rest:
            return keyword
        if logical == "decimal" and kind == "bytes" and set(rest) <= {"precision", "scale"}:
            return f"decimal({rest.get('precision')},{rest.get('scale', 0)})"
        return _props(schema, frozenset({"type"})) + str(kind)

    def define(self, schema: dict[str, Any], full: str, namespace: str) -> None:
        self.defined.add(full)  # before the body: recursive types refer to themselves
        kind = schema["type"]
        simple = full.rpartition(".")[2]
        head = _doc(schema.get("doc"), "  ")
        notes = _props(schema, _NAMED_KEYS)
        if namespace != self.protocol_namespace:
            notes = f"@namespace({json.dumps(namespace)}) " + notes
        if schema.get("aliases"):
            notes += f"@aliases({json.dumps(schema['aliases'])}) "
        if kind == "enum":
            symbols = ", ".join(ident(s) for s in schema["symbols"])
            default = f" = {ident(schema['default'])}" if "default" in schema else ""
            body = [f"  {notes}enum {ident(simple)} {{ {symbols} }}{default};"]
        elif kind == "fixed":
            body = [f"  {notes}fixed {ident(simple)}({schema['size']});"]
        else:
            body = [f"  {notes}{kind} {ident(simple)} {{"]
            for field in schema.get("fields", []):
                body += self.field(field, namespace)
            body.append("  }")
        self.definitions.append("\n".join(head + body))

    def field(self, field: dict[str, Any], namespace: str) -> list[str]:
        type_ = self.type_expr(field["type"], namespace)
        notes = _props(field, _FIELD_KEYS)
        if "order" in field:
            notes += f"@order({json.dumps(field['order'])}) "
        if field.get("aliases"):
            notes += f"@aliases({json.dumps(field['aliases'])}) "
        default = f" = {json.dumps(field['default'])}" if "default" in field else ""
        return [
            *_doc(field.get("doc"), "    "),
            f"    {type_} {notes}{ident(field['name'])}{default};",
        ]


def render_idl(text: str, imports: Iterable[str] = ()) -> str:
    """Avro schema JSON -> Avro IDL text. ``imports``: .avdl files of referenced types."""
    schema = json.loads(text)
    named = isinstance(schema, dict) and schema.get("type") in ("record", "error", "enum", "fixed")
    namespace = _full_name(schema, "")[1] if named else ""
    renderer = _Renderer(namespace)
    top = renderer.type_expr(schema, namespace)
    lines = [f"@namespace({json.dumps(namespace)})"] if namespace else []
    protocol = top.rpartition(".")[2].strip("`") if named else "Schema"
    lines.append(f"protocol {ident(protocol)} {{")
    lines += [f'  import idl "{path}";' for path in imports]
    if not named:
        lines.append(f"  // the schema itself: {top}")
    lines += renderer.definitions
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_idl(contents: RegistryContents, out: Path, *, history: bool) -> list[Path]:
    """One .avdl per Avro version (other types in their own format), per context folder."""
    written: list[Path] = []
    for ctx in contents.contexts.values():
        folder = out / spec_stem(ctx.context)
        folder.mkdir(parents=True, exist_ok=True)
        names = FileNames()
        files: dict[tuple[str, int], str] = {}
        for subject in ctx.subjects.values():
            for version in subject.versions if history else subject.versions[-1:]:
                suffix = (
                    ".avdl" if version.schema_type == "AVRO" else EXTENSIONS[version.schema_type]
                )
                files[(subject.name, version.version)] = names.claim(
                    f"{subject.name}.v{version.version}", suffix
                )
        for subject in ctx.subjects.values():
            for version in subject.versions if history else subject.versions[-1:]:
                path = folder / files[(subject.name, version.version)]
                if version.schema_type == "AVRO":
                    imports = [
                        files[(r.subject, r.version)]
                        for r in version.references
                        if (r.subject, r.version) in files
                    ]
                    path.write_text(render_idl(version.schema, imports), encoding="utf-8")
                else:
                    path.write_text(readable(version.schema_type, version.schema), encoding="utf-8")
                written.append(path)
    return written
