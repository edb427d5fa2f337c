"""Prints a compiled .proto file back as .proto source, from protoc's descriptors.

The canonical text the registry stores is Confluent's printer over Wire's
parse (``_protocanon``); this printer writes what has no source to parse: a
serialized ``FileDescriptorProto`` given as the schema (printed, then read as
text), and ``edition`` files, which Wire does not read. Its text compiles
again, with the same imports, to the same descriptors (oneof members after
the other fields; declaration order within a message carries no meaning),
keeping type names as the source spells them. The normalized form is
Confluent's own layout (``_protonorm``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message as ProtoMessage
from google.protobuf.text_encoding import CEscape
from google.protobuf.unknown_fields import UnknownFieldSet

_Field = descriptor_pb2.FieldDescriptorProto
_DESCRIPTOR_PROTO = "google/protobuf/descriptor.proto"

SCALARS: dict[int, str] = {
    _Field.TYPE_DOUBLE: "double",
    _Field.TYPE_FLOAT: "float",
    _Field.TYPE_INT64: "int64",
    _Field.TYPE_UINT64: "uint64",
    _Field.TYPE_INT32: "int32",
    _Field.TYPE_FIXED64: "fixed64",
    _Field.TYPE_FIXED32: "fixed32",
    _Field.TYPE_BOOL: "bool",
    _Field.TYPE_STRING: "string",
    _Field.TYPE_BYTES: "bytes",
    _Field.TYPE_UINT32: "uint32",
    _Field.TYPE_SFIXED32: "sfixed32",
    _Field.TYPE_SFIXED64: "sfixed64",
    _Field.TYPE_SINT32: "sint32",
    _Field.TYPE_SINT64: "sint64",
}


def _json_name(name: str) -> str:
    """protoc's default ``json_name``: lowerCamelCase of the field name."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _range(start: int, last: int) -> str:
    return f"{start} to {last}" if last > start else str(start)


def _value(field: FieldDescriptor, value: Any) -> str:
    """One option value in .proto syntax."""
    if field.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
        body = text_format.MessageToString(value, as_one_line=True)
        return f"{{ {body} }}" if body else "{}"
    if field.type == FieldDescriptor.TYPE_ENUM:
        known = field.enum_type.values_by_number.get(value)
        return known.name if known is not None else str(value)
    if field.type == FieldDescriptor.TYPE_STRING:
        return f'"{CEscape(value, as_utf8=True)}"'
    if field.type == FieldDescriptor.TYPE_BYTES:
        return f'"{CEscape(value, as_utf8=False)}"'
    if field.type == FieldDescriptor.TYPE_BOOL:
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _option_pool(
    files: Sequence[descriptor_pb2.FileDescriptorProto],
) -> descriptor_pool.DescriptorPool | None:
    """A pool that can name custom options: extensions of descriptor.proto's messages.

    Without descriptor.proto among the imports there are no custom options. The
    pool of the imports alone is shared between schemas; a schema that declares
    extensions itself gets its own.
    """
    if not any(f.name == _DESCRIPTOR_PROTO for f in files):
        return None
    main = files[-1]
    if main.extension or any(_declares_extensions(m) for m in main.message_type):
        return _pool_of(tuple(f.SerializeToString() for f in files))
    return _pool_of(tuple(f.SerializeToString() for f in files[:-1]))


def _declares_extensions(message: descriptor_pb2.DescriptorProto) -> bool:
    return bool(message.extension) or any(_declares_extensions(n) for n in message.nested_type)


@lru_cache(maxsize=32)
def _pool_of(serialized_files: tuple[bytes, ...]) -> descriptor_pool.DescriptorPool:
    pool = descriptor_pool.DescriptorPool()
    for data in serialized_files:
        pool.Add(descriptor_pb2.FileDescriptorProto.FromString(data))
    return pool


_Path = tuple[int, ...]
# Field numbers of the descriptor messages, as SourceCodeInfo paths use them.
_MESSAGE_TYPE, _ENUM_TYPE, _SERVICE, _FILE_EXTENSION = 4, 5, 6, 7
_FIELD, _NESTED_TYPE, _NESTED_ENUM, _MESSAGE_EXTENSION, _ONEOF_DECL = 2, 3, 4, 6, 8
_TYPE_NAME, _EXTENDEE, _METHOD, _INPUT, _OUTPUT = 6, 2, 2, 2, 3


def by_extendee(
    extensions: Iterable[descriptor_pb2.FieldDescriptorProto], path: _Path
) -> dict[str, list[tuple[_Path, descriptor_pb2.FieldDescriptorProto]]]:
    """Extensions grouped by the message they extend, in declaration order, each with
    its descriptor path (both printers write one ``extend`` block per extendee)."""
    grouped: dict[str, list[tuple[_Path, descriptor_pb2.FieldDescriptorProto]]] = {}
    for index, extension in enumerate(extensions):
        grouped.setdefault(extension.extendee, []).append(((*path, index), extension))
    return grouped


def map_entry(
    field: descriptor_pb2.FieldDescriptorProto, entries: dict[str, descriptor_pb2.DescriptorProto]
) -> descriptor_pb2.DescriptorProto | None:
    """The map entry message of a map field (``entries``: the message's entries by name)."""
    entry = entries.get(field.type_name.rsplit(".", 1)[-1]) if field.type_name else None
    return entry if entry is not None and field.label == _Field.LABEL_REPEATED else None


def written_types(fdp: descriptor_pb2.FileDescriptorProto, source: str) -> dict[_Path, str]:
    """Type names as the source spells them, by SourceCodeInfo path.

    Confluent's canonical form keeps ``Status`` and ``.foo.Msg.Status`` apart
    (two ids for the two texts); the canonical form here does the same.
    protoc's positions are not string indexes (see ``SourcePositions``); a
    name that still does not read as a type name is left out, and the printer
    writes the resolved name instead (``Printer._written``).
    """
    positions = SourcePositions(source)
    written: dict[_Path, str] = {}
    ends = {_TYPE_NAME, _EXTENDEE, _INPUT, _OUTPUT}
    for location in fdp.source_code_info.location:
        if not location.path or location.path[-1] not in ends:
            continue
        span = list(location.span)
        first, start = span[0], span[1]
        last, end = (first, span[2]) if len(span) == 3 else (span[2], span[3])
        text = positions.between((first, start), (last, end))
        if text is None:
            continue
        text = _COMMENT.sub(" ", text)
        text = _MAP_SPACING.sub(r"\1", " ".join(text.split())).replace(",", ", ")
        written[tuple(location.path)] = _DOT_SPACING.sub(".", text)
    return written


_MAP_SPACING = re.compile(r"\s*([<>,])\s*")
_DOT_SPACING = re.compile(r"\s*\.\s*")
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)
_NAME = r"\.?[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*"
_TYPE_REFERENCE = re.compile(rf"(?P<name>{_NAME})|map<(?P<key>\w+), (?P<value>{_NAME})>")


class SourcePositions:
    """protoc's (line, column) source positions as offsets into the source text.

    protoc's tokenizer counts lines at ``\\n`` only, columns in bytes of
    UTF-8, and a tab advances the column to the next multiple of 8. Those
    columns are not string indexes: slicing lines by them cut tab-indented
    type names at the wrong place. Each position is mapped by replaying those
    rules, and a position that is not the start or end of a character maps to
    nothing.
    """

    _TAB = 8

    def __init__(self, source: str) -> None:
        self.source = source
        self.line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.columns: dict[int, dict[int, int]] = {}

    def offset(self, line: int, column: int) -> int | None:
        if line >= len(self.line_starts):
            return None
        if line not in self.columns:
            start = self.line_starts[line]
            stop = self.source.find("\n", start)
            stop = len(self.source) if stop < 0 else stop
            at, offsets = 0, {}
            for index in range(start, stop):
                offsets[at] = index
                char = self.source[index]
                at += self._TAB - at % self._TAB if char == "\t" else len(char.encode())
            offsets[at] = stop
            self.columns[line] = offsets
        return self.columns[line].get(column)

    def between(self, begin: tuple[int, int], end: tuple[int, int]) -> str | None:
        first, last = self.offset(*begin), self.offset(*end)
        if first is None or last is None or last < first:
            return None
        return self.source[first:last]


def _refers_to(written: str, resolved: str) -> bool:
    """Does ``written`` read as a name that resolves to ``resolved`` (a full name)?"""
    match = _TYPE_REFERENCE.fullmatch(written)
    if match is None or match["name"] is None:
        return False
    name = match["name"]
    return resolved == name if name.startswith(".") else resolved.endswith(f".{name}")


class Printer:
    """Prints ``files[-1]`` (the schema; the others are its imports).

    ``written`` (canonical form only) gives type names as the source spells
    them; without it every type name is fully qualified. ``ignore_extensions``
    is Confluent's ``format=ignore_extensions`` (``FormatContext``): no
    ``extend`` blocks, no ``extensions`` ranges, and of the custom options only
    Confluent's own (``confluent.*``).
    """

    def __init__(
        self,
        files: Sequence[descriptor_pb2.FileDescriptorProto],
        *,
        written: dict[_Path, str] | None = None,
        kept: dict[_Path, tuple[str, ...]] | None = None,
        ignore_extensions: bool = False,
    ) -> None:
        self.fdp = files[-1]
        self.ignore_extensions = ignore_extensions
        self.kept = kept or {}
        self.written = written or {}
        self.proto2 = self.fdp.syntax in ("", "proto2")
        self.lines: list[str] = []
        self.pool = _option_pool(files)

    def render(self) -> str:
        fdp = self.fdp
        if fdp.syntax == "editions":
            edition = descriptor_pb2.Edition.Name(fdp.edition).removeprefix("EDITION_")
            self.lines.append(f'edition = "{edition}";')
        else:
            self.lines.append(f'syntax = "{fdp.syntax or "proto2"}";')
        if fdp.package:
            self.lines.append(f"package {fdp.package};")
        imports = list(fdp.dependency)
        for name in imports:
            index = imports.index(name)
            kind = (
                " public"
                if index in fdp.public_dependency
                else " weak"
                if index in fdp.weak_dependency
                else ""
            )
            self.lines.append(f'import{kind} "{name}";')
        self._statements(fdp.options, "", ())
        for index, message in enumerate(fdp.message_type):
            self._message(message, "", (_MESSAGE_TYPE, index))
        for index, enum in enumerate(fdp.enum_type):
            self._enum(enum, "", (_ENUM_TYPE, index))
        self._extensions(fdp.extension, "", (_FILE_EXTENSION,))
        for s_index, service in enumerate(fdp.service):
            self.lines.append(f"service {service.name} {{")
            self._statements(service.options, "  ", (_SERVICE, s_index))
            for m_index, rpc in enumerate(service.method):
                at = (_SERVICE, s_index, _METHOD, m_index)
                into = "stream " if rpc.client_streaming else ""
                back = "stream " if rpc.server_streaming else ""
                given = self._written((*at, _INPUT), rpc.input_type) or rpc.input_type
                wanted = self._written((*at, _OUTPUT), rpc.output_type) or rpc.output_type
                head = f"  rpc {rpc.name} ({into}{given}) returns ({back}{wanted})"
                options = self._options(rpc.options, at)
                if options:
                    self.lines.append(f"{head} {{")
                    self.lines.extend(f"    option {o};" for o in options)
                    self.lines.append("  }")
                else:
                    self.lines.append(f"{head};")
            self.lines.append("}")
        return "\n".join(self.lines) + "\n"

    def _options(self, options: ProtoMessage, path: _Path) -> list[str]:
        """``name = value`` for every option set, custom ones as ``(full.name)``, then
        the options no import defines, as written (``_protoopts``)."""
        if not options.ByteSize() and not self.ignore_extensions:
            return list(self.kept.get(path, ()))
        if self.pool is not None and len(UnknownFieldSet(options)):
            descriptor = self.pool.FindMessageTypeByName(options.DESCRIPTOR.full_name)
            cls = message_factory.GetMessageClass(descriptor)
            options = cls.FromString(options.SerializeToString())
        out = []
        for field, value in options.ListFields():
            name = f"({field.full_name})" if field.is_extension else field.name
            items = value if field.is_repeated else [value]
            out += [f"{name} = {_value(field, item)}" for item in items]
        out += self.kept.get(path, ())
        if self.ignore_extensions:
            out = [o for o in out if not o.startswith("(") or o.startswith("(confluent.")]
        return out

    def _statements(self, options: ProtoMessage, indent: str, path: _Path) -> None:
        self.lines.extend(f"{indent}option {o};" for o in self._options(options, path))

    def _message(
        self, message: descriptor_pb2.DescriptorProto, indent: str, path: _Path, head: str = ""
    ) -> None:
        """A message, or with ``head`` the body of a proto2 group declared by a field."""
        self.lines.append(f"{indent}{head or f'message {message.name}'} {{")
        inner = indent + "  "
        self._statements(message.options, inner, path)
        entries = {n.name: n for n in message.nested_type if n.options.map_entry}
        groups = {
            f.type_name.rsplit(".", 1)[-1]: f for f in message.field if f.type == _Field.TYPE_GROUP
        }
        nested_index = {n.name: i for i, n in enumerate(message.nested_type)}
        field_path = {f.number: (*path, _FIELD, i) for i, f in enumerate(message.field)}
        for field in message.field:
            if field.HasField("oneof_index") and not field.proto3_optional:
                continue
            if field.type == _Field.TYPE_GROUP:
                index = nested_index[field.type_name.rsplit(".", 1)[-1]]
                group = message.nested_type[index]
                head = f"{self._label(field)}group {group.name} = {field.number}"
                self._message(group, inner, (*path, _NESTED_TYPE, index), head)
            else:
                line = self._field(field, entries, field_path[field.number])
                self.lines.append(f"{inner}{line}")
        for index, oneof in enumerate(message.oneof_decl):
            members = [
                f
                for f in message.field
                if f.HasField("oneof_index") and f.oneof_index == index and not f.proto3_optional
            ]
            if not members:
                continue  # the synthetic oneof of a proto3 optional field
            self.lines.append(f"{inner}oneof {oneof.name} {{")
            self._statements(oneof.options, inner + "  ", (*path, _ONEOF_DECL, index))
            for field in members:
                line = self._field(field, entries, field_path[field.number])
                self.lines.append(f"{inner}  {line}")
            self.lines.append(f"{inner}}}")
        for extension_range in () if self.ignore_extensions else message.extension_range:
            span = _range(extension_range.start, extension_range.end - 1)
            self.lines.append(f"{inner}extensions {span};")
        for reserved in message.reserved_range:
            self.lines.append(f"{inner}reserved {_range(reserved.start, reserved.end - 1)};")
        for name in message.reserved_name:
            self.lines.append(f'{inner}reserved "{name}";')
        for index, nested in enumerate(message.nested_type):
            if not nested.options.map_entry and nested.name not in groups:
                self._message(nested, inner, (*path, _NESTED_TYPE, index))
        for index, enum in enumerate(message.enum_type):
            self._enum(enum, inner, (*path, _NESTED_ENUM, index))
        self._extensions(message.extension, inner, (*path, _MESSAGE_EXTENSION))
        self.lines.append(f"{indent}}}")

    def _extensions(
        self, extensions: Iterable[descriptor_pb2.FieldDescriptorProto], indent: str, path: _Path
    ) -> None:
        if self.ignore_extensions:
            return
        for extendee, fields in by_extendee(extensions, path).items():
            written = self._written((*fields[0][0], _EXTENDEE), extendee)
            self.lines.append(f"{indent}extend {written or extendee} {{")
            self.lines.extend(f"{indent}  {self._field(f, {}, at)}" for at, f in fields)
            self.lines.append(f"{indent}}}")

    def _field(
        self,
        field: descriptor_pb2.FieldDescriptorProto,
        entries: dict[str, descriptor_pb2.DescriptorProto],
        path: _Path,
    ) -> str:
        entry = map_entry(field, entries)
        if entry is not None:
            key, value = entry.field[0], entry.field[1]
            written = self._written_map((*path, _TYPE_NAME), key, value)
            kind = written or f"map<{self._type(key)}, {self._type(value)}>"
        else:
            written = self._written((*path, _TYPE_NAME), field.type_name)
            kind = self._label(field) + (written or self._type(field))
        extras = []
        if field.HasField("default_value"):
            extras.append(f"default = {self._default(field)}")
        if field.json_name not in ("", field.name) and field.json_name != _json_name(field.name):
            extras.append(f'json_name = "{CEscape(field.json_name, as_utf8=True)}"')
        extras += self._options(field.options, path)
        suffix = f" [{', '.join(extras)}]" if extras else ""
        return f"{kind} {field.name} = {field.number}{suffix};"

    def _written(self, path: _Path, resolved: str) -> str | None:
        """The name as the source spells it, if it was read as one that means ``resolved``.

        A guard: a misread name must not reach the stored text (it once did,
        for tab-indented sources); the resolved name is as valid.
        """
        written = self.written.get(path)
        return written if written is not None and _refers_to(written, resolved) else None

    def _written_map(
        self,
        path: _Path,
        key: descriptor_pb2.FieldDescriptorProto,
        value: descriptor_pb2.FieldDescriptorProto,
    ) -> str | None:
        written = self.written.get(path)
        match = _TYPE_REFERENCE.fullmatch(written or "")
        if match is None or match["key"] != SCALARS.get(key.type):
            return None
        scalar = SCALARS.get(value.type)
        fine = match["value"] == scalar if scalar else _refers_to(match["value"], value.type_name)
        return written if fine else None

    def _label(self, field: descriptor_pb2.FieldDescriptorProto) -> str:
        if field.label == _Field.LABEL_REPEATED:
            return "repeated "
        if field.label == _Field.LABEL_REQUIRED:
            return "required "
        if field.proto3_optional or (self.proto2 and not field.HasField("oneof_index")):
            return "optional "
        return ""  # proto3 and editions singular fields, and oneof members

    @staticmethod
    def _default(field: descriptor_pb2.FieldDescriptorProto) -> str:
        if field.type == _Field.TYPE_STRING:
            return f'"{CEscape(field.default_value, as_utf8=True)}"'
        if field.type == _Field.TYPE_BYTES:
            return f'"{field.default_value}"'  # descriptors keep bytes defaults C-escaped
        return field.default_value

    @staticmethod
    def _type(field: descriptor_pb2.FieldDescriptorProto) -> str:
        return SCALARS.get(field.type) or field.type_name

    def _enum(self, enum: descriptor_pb2.EnumDescriptorProto, indent: str, path: _Path) -> None:
        self.lines.append(f"{indent}enum {enum.name} {{")
        self._statements(enum.options, indent + "  ", path)
        value_path = {v.name: (*path, _FIELD, i) for i, v in enumerate(enum.value)}
        for value in enum.value:
            options = self._options(value.options, value_path[value.name])
            suffix = f" [{', '.join(options)}]" if options else ""
            self.lines.append(f"{indent}  {value.name} = {value.number}{suffix};")
        for reserved in enum.reserved_range:
            # Enum reserved ranges are inclusive, unlike message ones.
            self.lines.append(f"{indent}  reserved {_range(reserved.start, reserved.end)};")
        for name in enum.reserved_name:
            self.lines.append(f'{indent}  reserved "{name}";')
        self.lines.append(f"{indent}}}")
