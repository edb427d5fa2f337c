"""The ``normalize=true`` Protobuf text, in Confluent's order and layout.

A port of the layout rules of Confluent's ``ProtobufSchemaUtils.toString`` with
a normalizing ``FormatContext`` (what ``ProtobufSchema.normalize()`` stores),
applied to protoc's descriptors instead of Wire's parse tree:

- ``syntax`` only for proto3; imports sorted, then public ones; file options;
  messages, then enums (declaration order: message indexes depend on it);
  ``extend`` blocks; services. Each non-empty section starts with a blank line.
- In a message: reserved numbers and names (one per statement, numbers by
  start, then names), options, fields by number, oneofs (each one's fields by
  number, the oneofs by their first number), groups, extension ranges,
  ``extend`` blocks, then nested messages and enums. Blank lines of nested
  declarations carry their indentation, as Confluent's ``appendIndented``
  writes them.
- Options sorted by name (custom ones by full name, in parentheses); a
  message-valued option as a block with its fields sorted by name; a repeated
  value with one element as that element; numbers as Java's ``DecimalFormat``
  writes them (at most three decimals, no grouping).
- Type names fully qualified with a leading dot, map values included; no
  label on map fields and oneof members.

Options that no import defines (``_protoopts``) are written as they were
given, sorted by name with the others, as Confluent leaves them unresolved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from google.protobuf import descriptor_pb2, message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message as ProtoMessage
from google.protobuf.unknown_fields import UnknownFieldSet

from ._protoprint import SCALARS, _option_pool, by_extendee, map_entry

_Field = descriptor_pb2.FieldDescriptorProto
_Path = tuple[int, ...]
_MAX_TAG = 536_870_911  # Wire's MAX_TAG_VALUE: a range ending there is "to max"
_LABELS = {_Field.LABEL_OPTIONAL: "optional", _Field.LABEL_REQUIRED: "required"}


def _indented(value: str) -> str:
    """Confluent's ``appendIndented``: two spaces before every line (Java's ``split``
    drops trailing empty lines)."""
    lines = value.split("\n")
    while len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return "".join(f"  {line}\n" for line in lines)


def _escape(text: str) -> str:
    """Confluent's ``escapeChars``."""
    table = {
        "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
        "\v": "\\v", "\\": "\\\\", "'": "\\'", '"': '\\"',
    }  # fmt: skip
    return "".join(table.get(char, char) for char in text)


def _number(value: object) -> str:
    """A number as ``new DecimalFormat()`` without grouping writes it: up to three
    decimals, half-even; text that is not a number (``inf``, ``nan``) as it is."""
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    rounded = number.quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN)
    text = f"{rounded:f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


class _Option:
    """An option: its name as printed, the name it sorts by, and its value."""

    def __init__(self, printed: str, key: str, value: Any) -> None:
        self.printed, self.key, self.value = printed, key, value


class _Raw:
    """A value written as given (an option no import defines, a bytes default)."""

    def __init__(self, text: str) -> None:
        self.text = text


class _Primitive:
    """A bool, enum or number inside a message-valued option."""

    def __init__(self, text: str) -> None:
        self.text = text


def _kept(text: str) -> _Option:
    name, _, value = text.partition(" = ")
    key = name[1 : name.index(")")] if name.startswith("(") else name
    return _Option(name, key, _Raw(value))


class NormalizedPrinter:
    """Prints ``files[-1]`` (its imports before it) as Confluent's normalized text."""

    def __init__(
        self,
        files: Sequence[descriptor_pb2.FileDescriptorProto],
        kept: dict[_Path, tuple[str, ...]] | None = None,
        json_names: set[_Path] | None = None,
    ) -> None:
        self.fdp = files[-1]
        self.kept = kept or {}
        self.json_names = json_names or set()  # fields whose json_name the source gives
        self.pool = _option_pool(files)
        self.proto3 = self.fdp.syntax == "proto3"

    # --- options --------------------------------------------------------------

    def _options(self, options: ProtoMessage, path: _Path, extra: Iterable[_Option] = ()) -> list:
        found = list(extra)
        if options.ByteSize():
            if self.pool is not None and len(UnknownFieldSet(options)):
                descriptor = self.pool.FindMessageTypeByName(options.DESCRIPTOR.full_name)
                cls = message_factory.GetMessageClass(descriptor)
                options = cls.FromString(options.SerializeToString())
            for field, value in options.ListFields():
                name = field.full_name if field.is_extension else field.name
                printed = f"({name})" if field.is_extension else name
                values = value if field.is_repeated else [value]
                found += [_Option(printed, name, self._value(field, v)) for v in values]
        found += [_kept(text) for text in self.kept.get(path, ())]
        return sorted(found, key=lambda option: option.key)

    def _value(self, field: FieldDescriptor, value: Any) -> Any:
        if field.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
            entries: dict[str, Any] = {}
            for inner, inner_value in value.ListFields():
                key = f"[{inner.full_name}]" if inner.is_extension else inner.name
                entry = inner.message_type
                if entry is not None and entry.GetOptions().map_entry:
                    key_field, value_field = (
                        entry.fields_by_name["key"],
                        entry.fields_by_name["value"],
                    )
                    items = [
                        {
                            "key": self._value(key_field, k),
                            "value": self._value(value_field, inner_value[k]),
                        }
                        for k in sorted(inner_value)
                    ]
                    entries[key] = items[0] if len(items) == 1 else items
                elif inner.is_repeated:
                    items = [self._value(inner, v) for v in inner_value]
                    entries[key] = items[0] if len(items) == 1 else items
                else:
                    entries[key] = self._value(inner, inner_value)
            return dict(sorted(entries.items()))
        if field.type == FieldDescriptor.TYPE_STRING:
            return str(value)
        if field.type == FieldDescriptor.TYPE_BYTES:
            return value.decode("latin-1")
        if field.type == FieldDescriptor.TYPE_ENUM:
            known = field.enum_type.values_by_number.get(value)
            return _Primitive(known.name if known is not None else str(value))
        if field.type == FieldDescriptor.TYPE_BOOL:
            return _Primitive("true" if value else "false")
        return _Primitive(_number(value))

    def _option(self, option: _Option) -> str:
        """Confluent's ``toString(OptionElement)``: ``name = value``."""
        value = option.value
        if isinstance(value, dict):
            return f"{option.printed} = {{\n{self._map(value)}}}"
        return f"{option.printed} = {self._plain(value)}"

    def _plain(self, value: Any) -> str:
        if isinstance(value, _Raw | _Primitive):
            return value.text
        if isinstance(value, str):
            return f'"{_escape(value)}"'
        return self._nested(value)

    def _map(self, entries: dict[str, Any]) -> str:
        last = len(entries) - 1
        return "".join(
            _indented(f"{key}: {self._nested(value)}{',' if index != last else ''}")
            for index, (key, value) in enumerate(entries.items())
        )

    def _nested(self, value: Any) -> str:
        """Confluent's ``formatOptionMapOrListValue``."""
        if isinstance(value, dict):
            return f"{{\n{self._map(value)}}}"
        if isinstance(value, list):
            last = len(value) - 1
            body = "".join(
                _indented(f"{self._nested(v)}{',' if i != last else ''}")
                for i, v in enumerate(value)
            )
            return f"[\n{body}]"
        return self._plain(value)

    def _statements(self, options: ProtoMessage, path: _Path) -> str:
        return "".join(f"option {self._option(o)};\n" for o in self._options(options, path))

    def _bracketed(self, options: list[_Option]) -> str:
        """Confluent's ``appendOptions``: one option inline, several one per line."""
        if len(options) == 1:
            return f"[{self._option(options[0])}]"
        last = len(options) - 1
        body = "".join(
            _indented(f"{self._option(o)}{',' if i != last else ''}") for i, o in enumerate(options)
        )
        return f"[\n{body}]"

    # --- declarations ---------------------------------------------------------

    def render(self) -> str:
        fdp, out = self.fdp, []
        if fdp.syntax == "editions":
            edition = descriptor_pb2.Edition.Name(fdp.edition).removeprefix("EDITION_")
            out.append(f'edition = "{edition}";\n')
        elif self.proto3:
            out.append('syntax = "proto3";\n')
        if fdp.package:
            out.append(f"package {fdp.package};\n")
        if fdp.dependency:
            kinds = {i: "public " for i in fdp.public_dependency}
            kinds |= {i: "weak " for i in fdp.weak_dependency}
            listed = [(kinds.get(i, ""), name) for i, name in enumerate(fdp.dependency)]
            out.append("\n")
            for kind in ("", "public ", "weak "):
                names = sorted({name for k, name in listed if k == kind})
                out += [f'import {kind}"{name}";\n' for name in names]
        options = self._statements(fdp.options, ())
        if options:
            out.append(f"\n{options}")
        if fdp.message_type or fdp.enum_type:
            out.append("\n")
            out += [self._message(m, (4, i)) for i, m in enumerate(fdp.message_type)]
            out += [self._enum(e, (5, i)) for i, e in enumerate(fdp.enum_type)]
        if fdp.extension:
            out.append("\n" + self._extends(fdp.extension, (7,)))
        if fdp.service:
            out.append("\n")
            out += [self._service(s, (6, i)) for i, s in enumerate(fdp.service)]
        return "".join(out)

    def _message(self, message: descriptor_pb2.DescriptorProto, path: _Path) -> str:
        out = [f"message {message.name} {{"]
        reserved = self._reserved(message.reserved_range, message.reserved_name, exclusive=True)
        if reserved:
            out.append("\n" + "".join(_indented(line) for line in reserved))
        options = self._statements(message.options, path)
        if options:
            out.append("\n" + _indented(options))
        entries = {n.name: n for n in message.nested_type if n.options.map_entry}
        groups = {
            f.type_name.rsplit(".", 1)[-1] for f in message.field if f.type == _Field.TYPE_GROUP
        }
        paths = {f.number: (*path, 2, i) for i, f in enumerate(message.field)}
        top, oneofs = [], [[] for _ in message.oneof_decl]  # type: ignore[var-annotated]
        for field in sorted(message.field, key=lambda f: f.number):
            if field.HasField("oneof_index") and not field.proto3_optional:
                oneofs[field.oneof_index].append(field)
            elif field.type != _Field.TYPE_GROUP:
                top.append(field)
        if top:
            out.append(
                "\n" + "".join(_indented(self._field(f, entries, paths[f.number])) for f in top)
            )
        declared = [(i, fields) for i, fields in enumerate(oneofs) if fields]
        if declared:
            declared.sort(key=lambda item: item[1][0].number)
            out.append("\n")
            for index, fields in declared:
                oneof = message.oneof_decl[index]
                text = f"oneof {oneof.name} {{"
                oneof_options = self._statements(oneof.options, (*path, 8, index))
                if oneof_options:
                    text += "\n" + _indented(oneof_options)
                text += "\n" + "".join(
                    _indented(self._field(f, entries, paths[f.number])) for f in fields
                )
                out.append(_indented(text + "}\n"))
        group_fields = sorted(
            (f for f in message.field if f.type == _Field.TYPE_GROUP), key=lambda f: f.number
        )
        if group_fields:
            nested = {n.name: (i, n) for i, n in enumerate(message.nested_type)}
            out.append("\n")
            for field in group_fields:
                index, group = nested[field.type_name.rsplit(".", 1)[-1]]
                out.append(_indented(self._group(field, group, (*path, 3, index))))
        if message.extension_range:
            ranges = sorted(message.extension_range, key=lambda r: r.start)
            out.append(
                "\n"
                + "".join(
                    _indented(f"extensions {self._span(r.start, r.end - 1)};\n") for r in ranges
                )
            )
        if message.extension:
            out.append("\n" + _indented(self._extends(message.extension, (*path, 6))))
        nested_messages = [
            (i, n)
            for i, n in enumerate(message.nested_type)
            if not n.options.map_entry and n.name not in groups
        ]
        if nested_messages or message.enum_type:
            out.append("\n")
            out += [_indented(self._message(n, (*path, 3, i))) for i, n in nested_messages]
            out += [
                _indented(self._enum(e, (*path, 4, i))) for i, e in enumerate(message.enum_type)
            ]
        out.append("}\n")
        return "".join(out)

    def _group(
        self,
        field: descriptor_pb2.FieldDescriptorProto,
        group: descriptor_pb2.DescriptorProto,
        path: _Path,
    ) -> str:
        label = {**_LABELS, _Field.LABEL_REPEATED: "repeated"}.get(field.label)
        text = f"{label + ' ' if label else ''}group {group.name} = {field.number} {{"
        fields = sorted(group.field, key=lambda f: f.number)
        paths = {f.number: (*path, 2, i) for i, f in enumerate(group.field)}
        if fields:
            text += "\n" + "".join(_indented(self._field(f, {}, paths[f.number])) for f in fields)
        return text + "}\n"

    @staticmethod
    def _span(start: int, last: int) -> str:
        if start == last:
            return str(start)
        return f"{start} to {'max' if last >= _MAX_TAG else last}"

    def _reserved(
        self, ranges: Iterable[Any], names: Iterable[str], *, exclusive: bool
    ) -> list[str]:
        numbered = sorted(
            ((r.start, r.end - 1 if exclusive else r.end) for r in ranges),
            key=lambda span: (span[0], str(span[0])),
        )
        lines = [f"reserved {self._span(start, last)};\n" for start, last in numbered]
        return lines + [f'reserved "{name}";\n' for name in sorted(names)]

    def _extends(self, fields: Iterable[descriptor_pb2.FieldDescriptorProto], path: _Path) -> str:
        out = []
        for extendee, members in by_extendee(fields, path).items():
            members.sort(key=lambda item: item[1].number)
            body = "".join(_indented(self._field(f, {}, at)) for at, f in members)
            out.append(f"extend {extendee} {{" + (f"\n{body}" if body else "") + "}\n")
        return "".join(out)

    def _field(
        self,
        field: descriptor_pb2.FieldDescriptorProto,
        entries: dict[str, descriptor_pb2.DescriptorProto],
        path: _Path,
    ) -> str:
        entry = map_entry(field, entries)
        if entry is not None:
            key, value = entry.field[0], entry.field[1]
            head = f"map<{self._type(key)}, {self._type(value)}>"
        else:
            label = None
            top_level = not field.HasField("oneof_index") or field.proto3_optional
            if field.label == _Field.LABEL_REPEATED:
                label = "repeated"
            elif top_level and (field.proto3_optional or not self.proto3):
                label = _LABELS.get(field.label)
            head = f"{label} {self._type(field)}" if label else self._type(field)
        extra = []
        if field.HasField("default_value"):
            extra.append(_Option("default", "default", self._default(field)))
        if path in self.json_names:
            extra.append(_Option("json_name", "json_name", field.json_name))
        options = self._options(field.options, path, extra)
        suffix = f" {self._bracketed(options)}" if options else ""
        return f"{head} {field.name} = {field.number}{suffix};\n"

    @staticmethod
    def _type(field: descriptor_pb2.FieldDescriptorProto) -> str:
        return SCALARS.get(field.type) or field.type_name

    @staticmethod
    def _default(field: descriptor_pb2.FieldDescriptorProto) -> Any:
        if field.type == _Field.TYPE_STRING:
            return field.default_value
        if field.type == _Field.TYPE_BYTES:
            return _Raw(f'"{field.default_value}"')  # descriptors keep it C-escaped
        if field.type in (_Field.TYPE_BOOL, _Field.TYPE_ENUM):
            return _Primitive(field.default_value)
        return _Primitive(_number(field.default_value))

    def _enum(self, enum: descriptor_pb2.EnumDescriptorProto, path: _Path) -> str:
        out = [f"enum {enum.name} {{"]
        reserved = self._reserved(enum.reserved_range, enum.reserved_name, exclusive=False)
        if reserved:
            out.append("\n" + "".join(_indented(line) for line in reserved))
        options = self._statements(enum.options, path)
        if not reserved and (options or enum.value):
            out.append("\n")
        out.append(_indented(options) if options else "")
        paths = {v.name: (*path, 2, i) for i, v in enumerate(enum.value)}
        for value in sorted(enum.value, key=lambda v: (v.number, v.name)):
            value_options = self._options(value.options, paths[value.name])
            suffix = f" {self._bracketed(value_options)}" if value_options else ""
            out.append(_indented(f"{value.name} = {value.number}{suffix};\n"))
        out.append("}\n")
        return "".join(out)

    def _service(self, service: descriptor_pb2.ServiceDescriptorProto, path: _Path) -> str:
        out = [f"service {service.name} {{"]
        options = self._statements(service.options, path)
        if options:
            out.append("\n" + _indented(options))
        if service.method:
            out.append("\n")
        for index, rpc in enumerate(service.method):
            into = "stream " if rpc.client_streaming else ""
            back = "stream " if rpc.server_streaming else ""
            text = f"rpc {rpc.name} ({into}{rpc.input_type}) returns ({back}{rpc.output_type})"
            rpc_options = self._statements(rpc.options, (*path, 2, index))
            if rpc_options:
                text += " {\n" + _indented(rpc_options) + "}"
            out.append(_indented(text + ";\n"))
        out.append("}\n")
        return "".join(out)
