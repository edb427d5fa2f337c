"""Confluent's canonical Protobuf text: ``ProtobufSchemaUtils.toString`` over Wire's parse.

What a Confluent registry stores for a schema registered without
``normalize`` (``ProtobufSchema.canonicalString()``), and so what decides its
ID. A port of the printer's non-normalizing ``FormatContext`` (and of
``ignore_extensions``, its ``format=ignore_extensions``) applied to the model of
``_protowire``:

- ``syntax`` when written; ``package``; then, each section after a blank
  line: imports (then public ones), file options, every message then every
  enum, ``extend`` blocks, services.
- In a message, each non-empty section after a blank line: reserved
  statements, options, fields (oneof members and groups apart), oneofs,
  groups, extension ranges, ``extend`` blocks, nested messages then enums;
  two spaces per level, the blank lines of nested declarations included.
- Options as written, in source order: strings re-escaped as Confluent's
  ``escapeChars``, numbers and enum literals as written, an aggregate one
  field per line, a list one element per line (one option or list element
  inside ``[...]`` stays on one line); ``default`` and ``json_name`` after a
  field's other options.

Two departures, so that the stored text compiles again: Confluent writes a
``bytes`` field's default without quotes (text no parser reads back), here it
keeps its quotes, C-escaped; Confluent leaves ``import weak`` out (its types
then resolve nowhere), here it follows the public imports.
"""

from __future__ import annotations

from typing import Any

from . import _protowire as wire
from ._protonorm import _escape, _indented
from ._protoprint import SCALARS

_NUMERIC = frozenset(SCALARS.values()) - {"string", "bytes", "bool"}
_CONFLUENT_PREFIX = "confluent."


def _bytes_literal(text: str) -> str:
    out = []
    for char in text:
        if char in '\\"' or char == "'":
            out.append(_escape(char))
        elif " " <= char < "\x7f":
            out.append(char)
        else:
            out += [f"\\{byte:03o}" for byte in char.encode("latin-1", "replace")]
    return f'"{"".join(out)}"'


class CanonicalPrinter:
    """Prints a ``_protowire.ProtoFile`` as Confluent's ``toString`` does."""

    def __init__(self, *, ignore_extensions: bool = False) -> None:
        self.ignore_extensions = ignore_extensions

    # --- options --------------------------------------------------------------

    def _filter(self, options: list[wire.Option]) -> list[wire.Option]:
        if not self.ignore_extensions:
            return options
        return [o for o in options if not o.parenthesized or o.name.startswith(_CONFLUENT_PREFIX)]

    def option(self, option: wire.Option) -> str:
        """Confluent's ``toString(FormatContext, OptionElement)``."""
        name = f"({option.name})" if option.parenthesized else option.name
        kind, value = option.kind, option.value
        if kind is wire.OptionKind.STRING:
            return f'{name} = "{_escape(value)}"'
        if kind in (wire.OptionKind.BOOLEAN, wire.OptionKind.ENUM, wire.OptionKind.NUMBER):
            return f"{name} = {value}"
        if kind is wire.OptionKind.OPTION:
            return f"{name}.{self.option(value)}"
        if kind is wire.OptionKind.MAP:
            return f"{name} = {{\n{self._map(value)}}}"
        if kind is wire.OptionKind.LIST:
            return f"{name} = {self.bracketed(value)}"
        return name  # pragma: no cover - every kind is handled above

    def _map(self, entries: dict[str, Any]) -> str:
        last = len(entries) - 1
        return "".join(
            _indented(f"{key}: {self._value(value)}{',' if index != last else ''}")
            for index, (key, value) in enumerate(entries.items())
        )

    def _value(self, value: Any) -> str:
        """Confluent's ``formatOptionMapOrListValue``."""
        if isinstance(value, str):
            return f'"{_escape(value)}"'
        if isinstance(value, dict):
            return f"{{\n{self._map(value)}}}"
        if isinstance(value, list):
            last = len(value) - 1
            body = "".join(
                _indented(f"{self._value(v)}{',' if i != last else ''}")
                for i, v in enumerate(value)
            )
            return f"[\n{body}]"
        if isinstance(value, wire.Primitive):
            return value.value
        if isinstance(value, wire.Option):
            return self.option(value)
        return str(value)  # pragma: no cover - the reader makes no other values

    def bracketed(self, items: list[Any]) -> str:
        """Confluent's ``appendOptions``: one item inline, several one per line."""
        if len(items) == 1:
            return f"[{self._value(items[0])}]"
        last = len(items) - 1
        body = "".join(
            _indented(f"{self._value(v)}{',' if i != last else ''}") for i, v in enumerate(items)
        )
        return f"[\n{body}]"

    def _statements(self, options: list[wire.Option]) -> str:
        return "".join(f"option {self.option(o)};\n" for o in self._filter(options))

    # --- declarations ---------------------------------------------------------

    def render(self, file: wire.ProtoFile) -> str:
        out = []
        if file.syntax is not None:
            out.append(f'syntax = "{file.syntax}";\n')
        if file.package is not None:
            out.append(f"package {file.package};\n")
        if file.imports or file.public_imports or file.weak_imports:
            out.append("\n")
            out += [f'import "{name}";\n' for name in file.imports]
            out += [f'import public "{name}";\n' for name in file.public_imports]
            out += [f'import weak "{name}";\n' for name in file.weak_imports]
        options = self._statements(file.options)
        if options:
            out.append("\n" + options)
        if file.types:
            out.append("\n")
            out += self._types(file.types)
        if not self.ignore_extensions and file.extends:
            out.append("\n")
            out += [self._extend(e) for e in file.extends]
        if file.services:
            out.append("\n")
            out += [self._service(s) for s in file.services]
        return "".join(out)

    def _types(self, types: list[wire.Message | wire.EnumType]) -> list[str]:
        messages = [self._message(t) for t in types if isinstance(t, wire.Message)]
        return messages + [self._enum(t) for t in types if isinstance(t, wire.EnumType)]

    def _service(self, service: wire.Service) -> str:
        out = [f"service {service.name} {{"]
        options = self._statements(service.options)
        if options:
            out.append("\n" + _indented(options))
        if service.rpcs:
            out.append("\n")
            out += [_indented(self._rpc(rpc)) for rpc in service.rpcs]
        out.append("}\n")
        return "".join(out)

    def _rpc(self, rpc: wire.Rpc) -> str:
        into = "stream " if rpc.request_streaming else ""
        back = "stream " if rpc.response_streaming else ""
        text = f"rpc {rpc.name} ({into}{rpc.request}) returns ({back}{rpc.response})"
        options = self._statements(rpc.options)
        if options:
            text += " {\n" + _indented(options) + "}"
        return text + ";\n"

    def _enum(self, enum: wire.EnumType) -> str:
        out = [f"enum {enum.name} {{"]
        if enum.reserveds:
            out.append("\n")
            out += [_indented(self._reserved("reserved", r.values)) for r in enum.reserveds]
        elif enum.options or enum.constants:
            out.append("\n")
        out.append(_indented(self._statements(enum.options)) if self._filter(enum.options) else "")
        for constant in enum.constants:
            options = self._filter(constant.options)
            suffix = f" {self.bracketed(options)}" if options else ""
            out.append(_indented(f"{constant.name} = {constant.tag}{suffix};\n"))
        out.append("}\n")
        return "".join(out)

    def _message(self, message: wire.Message) -> str:
        out = [f"message {message.name} {{"]

        def section(parts: list[str]) -> None:
            if parts:
                out.append("\n" + "".join(_indented(p) for p in parts))

        section([self._reserved("reserved", r.values) for r in message.reserveds])
        options = self._statements(message.options)
        if options:
            out.append("\n" + _indented(options))
        section([self._field(f) for f in message.fields])
        section([self._oneof(o) for o in message.oneofs])
        section([self._group(g) for g in message.groups])
        if not self.ignore_extensions:
            section([self._extensions(e) for e in message.extensions])
            section([self._extend(e) for e in message.extends])
        section(self._types(message.types))
        out.append("}\n")
        return "".join(out)

    @staticmethod
    def _reserved(keyword: str, values: list[Any]) -> str:
        """Confluent's ``toString(ReservedElement)`` (and the ranges of ``extensions``)."""
        parts = []
        for value in values:
            if isinstance(value, str):
                parts.append(f'"{value}"')
            elif isinstance(value, tuple):
                start, last = value
                parts.append(f"{start} to {last if last < wire.MAX_TAG else 'max'}")
            else:
                parts.append(str(value))
        return f"{keyword} {', '.join(parts)};\n"

    def _extensions(self, extensions: wire.Extensions) -> str:
        text = self._reserved("extensions", extensions.values)[:-2]
        options = self._filter(extensions.options)
        suffix = f" {self.bracketed(options)}" if options else ""
        return f"{text}{suffix};\n"

    def _oneof(self, oneof: wire.OneOf) -> str:
        out = [f"oneof {oneof.name} {{"]
        options = self._statements(oneof.options)
        if options:
            out.append("\n" + _indented(options))
        if oneof.fields:
            out.append("\n" + "".join(_indented(self._field(f)) for f in oneof.fields))
        if oneof.groups:
            out.append("\n" + "".join(_indented(self._group(g)) for g in oneof.groups))
        out.append("}\n")
        return "".join(out)

    def _group(self, group: wire.Group) -> str:
        label = f"{group.label} " if group.label else ""
        text = f"{label}group {group.name} = {group.tag} {{"
        if group.fields:
            text += "\n" + "".join(_indented(self._field(f)) for f in group.fields)
        return text + "}\n"

    def _extend(self, extend: wire.Extend) -> str:
        text = f"extend {extend.name} {{"
        if extend.fields:
            text += "\n" + "".join(_indented(self._field(f)) for f in extend.fields)
        return text + "}\n"

    def _field(self, field: wire.Field) -> str:
        label = f"{field.label} " if field.label else ""
        options: list[Any] = list(field.options)
        if field.default is not None:
            options.append(self._default(field.type, field.default))
        if field.json_name is not None:
            options.append(wire.Option("json_name", wire.OptionKind.STRING, field.json_name))
        options = self._filter(options)
        suffix = f" {self.bracketed(options)}" if options else ""
        return f"{label}{field.type} {field.name} = {field.tag}{suffix};\n"

    @staticmethod
    def _default(kind: str, value: str) -> wire.Option:
        """Confluent's ``toKind``: the default's kind follows the field's type."""
        simple = kind.rsplit(".", 1)[-1]
        if simple == "string":
            return wire.Option("default", wire.OptionKind.STRING, value)
        if simple == "bytes":
            return wire.Option("default", wire.OptionKind.NUMBER, _bytes_literal(value))
        if simple == "bool":
            return wire.Option("default", wire.OptionKind.BOOLEAN, value)
        kind_of = wire.OptionKind.NUMBER if simple in _NUMERIC else wire.OptionKind.ENUM
        return wire.Option("default", kind_of, value)


def canonical_text(text: str, *, ignore_extensions: bool = False) -> str:
    """Confluent's canonical (or ``ignore_extensions``) text of .proto ``text``;
    ``_protowire.WireError`` where Wire would not read it."""
    return CanonicalPrinter(ignore_extensions=ignore_extensions).render(wire.parse(text))
