""".proto text read as Wire's ``ProtoParser`` reads it: the model Confluent prints.

Confluent stores ``ProtobufSchemaUtils.toString(ProtoFileElement)``, a printer
over Wire's parse tree, not over descriptors: declarations keep their source
order, type names and labels their spelling, options their statements and
values as written (numbers as text, aggregates as maps in source order).
protoc's descriptors lose most of that, so the canonical text (``_protocanon``)
is printed from this model. protoc still decides what is valid: this reader
only runs on text protoc compiled, and follows Wire's ``SyntaxReader`` and
``OptionReader`` rules (words of ``[A-Za-z0-9_.-]``, adjacent strings
concatenated, ``//`` and ``/* */`` comments skipped, a repeated aggregate key
collected into a list). What Wire refuses (``edition``) raises ``WireError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

MAX_TAG = 536_870_911  # Wire's MAX_TAG_VALUE: "to max"


class WireError(ValueError):
    """Text Wire's parser would not read (the caller prints descriptors instead)."""


class OptionKind(Enum):
    STRING = "STRING"
    BOOLEAN = "BOOLEAN"
    NUMBER = "NUMBER"
    ENUM = "ENUM"
    MAP = "MAP"
    LIST = "LIST"
    OPTION = "OPTION"


@dataclass(frozen=True)
class Primitive:
    """Wire's ``OptionPrimitive``: a bool, number or enum literal inside an aggregate."""

    kind: OptionKind
    value: str


@dataclass(frozen=True)
class Option:
    name: str
    kind: OptionKind
    value: Any  # str, Primitive text, dict, list or a nested Option
    parenthesized: bool = False


@dataclass
class Field:
    label: str | None
    type: str
    name: str
    tag: int
    options: list[Option]
    default: str | None = None
    json_name: str | None = None


@dataclass
class Group:
    label: str | None
    name: str
    tag: int
    fields: list[Field]


@dataclass
class OneOf:
    name: str
    fields: list[Field] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)


Range = tuple[int, int]  # Kotlin's IntRange; a lone int is Wire's Integer


@dataclass
class Reserved:
    values: list[str | int | Range]


@dataclass
class Extensions:
    values: list[int | Range]
    options: list[Option]


@dataclass
class Extend:
    name: str
    fields: list[Field]


@dataclass
class Message:
    name: str
    fields: list[Field] = field(default_factory=list)
    oneofs: list[OneOf] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    types: list[Message | EnumType] = field(default_factory=list)
    extensions: list[Extensions] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    reserveds: list[Reserved] = field(default_factory=list)
    extends: list[Extend] = field(default_factory=list)


@dataclass
class Constant:
    name: str
    tag: int
    options: list[Option]


@dataclass
class EnumType:
    name: str
    options: list[Option] = field(default_factory=list)
    constants: list[Constant] = field(default_factory=list)
    reserveds: list[Reserved] = field(default_factory=list)


@dataclass
class Rpc:
    name: str
    request: str
    response: str
    request_streaming: bool
    response_streaming: bool
    options: list[Option]


@dataclass
class Service:
    name: str
    rpcs: list[Rpc] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)


@dataclass
class ProtoFile:
    syntax: str | None = None
    package: str | None = None
    imports: list[str] = field(default_factory=list)
    public_imports: list[str] = field(default_factory=list)
    weak_imports: list[str] = field(default_factory=list)
    types: list[Message | EnumType] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    extends: list[Extend] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)


_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_HEX = "0123456789abcdefABCDEF"


class _Reader:
    """Wire's ``SyntaxReader``: characters and words with whitespace and comments skipped."""

    def __init__(self, text: str) -> None:
        self.data = text
        self.pos = 0
        # (position, digits as written) of each integer written with leading zeros:
        # Wire reads ``010`` in decimal (10), protoc in octal (8); see ``as_wire_reads``.
        self.leading_zeros: list[tuple[int, str]] = []

    def _skip(self) -> None:
        data, size = self.data, len(self.data)
        while self.pos < size:
            char = data[self.pos]
            if char in " \t\r\n":
                self.pos += 1
            elif data.startswith("//", self.pos):
                end = data.find("\n", self.pos)
                self.pos = size if end < 0 else end + 1
            elif data.startswith("/*", self.pos):
                end = data.find("*/", self.pos + 2)
                if end < 0:
                    raise WireError("unterminated comment")
                self.pos = end + 2
            else:
                return

    def exhausted(self) -> bool:
        self._skip()
        return self.pos >= len(self.data)

    def peek(self) -> str:
        self._skip()
        if self.pos >= len(self.data):
            raise WireError("unexpected end of file")
        return self.data[self.pos]

    def take(self, char: str) -> bool:
        """Wire's ``peekChar(c)``: consume ``char`` if it is next."""
        if self.peek() == char:
            self.pos += 1
            return True
        return False

    def read_char(self) -> str:
        char = self.peek()
        self.pos += 1
        return char

    def require(self, char: str) -> None:
        found = self.read_char()
        if found != char:
            raise WireError(f"expected {char!r} but was {found!r}")

    def word(self, dots: bool = True) -> str:
        self._skip()
        start, data = self.pos, self.data
        while self.pos < len(data) and data[self.pos] in _WORD and (dots or data[self.pos] != "."):
            self.pos += 1
        if start == self.pos:
            raise WireError("expected a word")
        return data[start : self.pos]

    def name(self, *, keep_wrap: bool = False, dots: bool = True) -> str:
        for opening, closing in (("(", ")"), ("[", "]")):
            if self.peek() == opening:
                self.pos += 1
                word = self.word()
                self.require(closing)
                return f"{opening}{word}{closing}" if keep_wrap else word
        return self.word(dots)

    def data_type(self, name: str | None = None) -> str:
        name = self.word() if name is None else name
        if name == "map":
            self.require("<")
            key = self.data_type()
            self.require(",")
            value = self.data_type()
            self.require(">")
            return f"map<{key}, {value}>"
        while self.peek() == ".":
            self.pos += 1
            name += "." + self.word()
        return name

    def note_leading_zeros(self, tag: str) -> None:
        """Remember where the word just read, ``tag``, has leading zeros before a digit."""
        digits = tag.lstrip("+-")
        if digits[:1] == "0" and digits.isdigit() and digits.strip("0"):
            self.leading_zeros.append((self.pos - len(digits), digits))

    def integer(self) -> int:
        tag = self.word()
        self.note_leading_zeros(tag)
        try:
            if tag.startswith(("0x", "0X")):
                return int(tag[2:], 16)
            return int(tag, 10)
        except ValueError:
            raise WireError(f"expected an integer but was {tag}") from None

    def string(self) -> str:
        quote = self.read_char()
        if quote not in "\"'":
            raise WireError("expected quoted string")
        data, out = self.data, []
        while self.pos < len(data):
            char = data[self.pos]
            self.pos += 1
            if char == quote:
                if self.pos < len(data) and self.peek() in "\"'":
                    quote = self.read_char()
                    continue
                return "".join(out)
            if char == "\\":
                if self.pos >= len(data):
                    break
                char = data[self.pos]
                self.pos += 1
                if char in _ESCAPES:
                    char = _ESCAPES[char]
                elif char in "xX":
                    char = self._numeric(16, 2)
                elif char in "01234567":
                    self.pos -= 1
                    char = self._numeric(8, 3)
            out.append(char)
        raise WireError("unterminated string")

    def _numeric(self, radix: int, length: int) -> str:
        value, end = -1, min(self.pos + length, len(self.data))
        while self.pos < end:
            digit = _HEX.find(self.data[self.pos])
            digit = digit if digit < 16 else digit - 6  # upper-case hex digits
            if digit < 0 or digit >= radix:
                break
            value = digit if value < 0 else value * radix + digit
            self.pos += 1
        if value < 0:
            raise WireError("expected a digit after \\x or \\X")
        return chr(value)

    def quoted_or_word(self) -> str:
        return self.string() if self.peek() in "\"'" else self.word()


class _Options:
    """Wire's ``OptionReader``."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader

    def bracketed(self) -> list[Option]:
        if not self.reader.take("["):
            return []
        result = []
        while True:
            result.append(self.option("="))
            if self.reader.take("]"):
                return result
            if not self.reader.take(","):
                raise WireError("Expected ',' or ']'")

    def option(self, separator: str) -> Option:
        reader = self.reader
        extension = reader.peek() == "["
        parenthesized = reader.peek() == "("
        name = reader.name()
        if extension:
            name = f"[{name}]"
        sub_names = []
        while True:
            char = reader.read_char()
            if char != ".":
                break
            sub_names.append(reader.name(keep_wrap=True, dots=False))
        if separator == ":" and char == "{":
            reader.pos -= 1
        elif char != separator:
            raise WireError(f"expected {separator!r} in option")
        kind, value = self._kind_and_value()
        for sub_name in reversed(sub_names):
            wrapped = sub_name.startswith("(")
            value = Option(sub_name[1:-1] if wrapped else sub_name, kind, value, wrapped)
            kind = OptionKind.OPTION
        return Option(name, kind, value, parenthesized)

    def _kind_and_value(self) -> tuple[OptionKind, Any]:
        reader = self.reader
        peeked = reader.peek()
        if peeked == "{":
            return OptionKind.MAP, self._map()
        if peeked == "[":
            return OptionKind.LIST, self._list()
        if peeked in "\"'":
            return OptionKind.STRING, reader.string()
        if peeked.isdigit() or peeked == "-":
            return OptionKind.NUMBER, reader.word()
        word = reader.word()
        return (OptionKind.BOOLEAN if word in ("true", "false") else OptionKind.ENUM), word

    @staticmethod
    def _element(kind: OptionKind, value: Any) -> Any:
        return Primitive(kind, value) if kind in _PRIMITIVE else value

    def _map(self) -> dict[str, Any]:
        reader = self.reader
        reader.require("{")
        result: dict[str, Any] = {}
        while True:
            if reader.take("}"):
                return result
            option = self.option(":")
            value = self._element(option.kind, option.value)
            if isinstance(value, Option):
                result.setdefault(option.name, {})[value.name] = value.value
            elif option.name not in result:
                result[option.name] = value
            else:
                previous = result[option.name]
                items = previous if isinstance(previous, list) else [previous]
                items = [*items, *(value if isinstance(value, list) else [value])]
                result[option.name] = items
            if not reader.take(","):
                reader.take(";")

    def _list(self) -> list[Any]:
        reader = self.reader
        reader.require("[")
        result: list[Any] = []
        while True:
            if reader.take("]"):
                return result
            result.append(self._element(*self._kind_and_value()))
            if reader.take(","):
                continue
            if reader.peek() != "]":
                raise WireError("expected ',' or ']'")


_PRIMITIVE = (OptionKind.BOOLEAN, OptionKind.ENUM, OptionKind.NUMBER)
_LABELS = ("required", "optional", "repeated")


class _Parser:
    """Wire's ``ProtoParser``: declarations in source order, by context."""

    def __init__(self, text: str) -> None:
        self.reader = _Reader(text)
        self.options = _Options(self.reader)
        self.file = ProtoFile()

    def parse(self) -> ProtoFile:
        file = self.file
        while not self.reader.exhausted():
            declared = self._declaration("file")
            if isinstance(declared, Message | EnumType):
                file.types.append(declared)
            elif isinstance(declared, Service):
                file.services.append(declared)
            elif isinstance(declared, Option):
                file.options.append(declared)
            elif isinstance(declared, Extend):
                file.extends.append(declared)
        return file

    def _block(self, context: str) -> list[Any]:
        """The declarations between ``{`` and ``}``."""
        self.reader.require("{")
        found = []
        while not self.reader.take("}"):
            declared = self._declaration(context)
            if declared is not None:
                found.append(declared)
        return found

    def _declaration(self, context: str) -> Any:
        reader = self.reader
        if reader.take(";"):
            return None
        label = reader.word()
        if label == "package" and context == "file":
            self.file.package = reader.name()
            reader.require(";")
            return None
        if label == "import" and context == "file":
            if reader.peek() in "\"'":
                self.file.imports.append(reader.string())
            else:
                kind = reader.quoted_or_word()
                if kind not in ("weak", "public"):
                    raise WireError("expected quoted string")
                target = self.file.weak_imports if kind == "weak" else self.file.public_imports
                target.append(reader.string())
            reader.require(";")
            return None
        if label == "syntax" and context == "file":
            reader.require("=")
            self.file.syntax = reader.string()
            reader.require(";")
            return None
        if label == "option":
            option = self.options.option("=")
            reader.require(";")
            return option
        if label == "reserved":
            return self._reserved()
        if label == "message" and context in ("file", "message"):
            return self._message()
        if label == "enum" and context in ("file", "message"):
            return self._enum()
        if label == "service" and context == "file":
            name = reader.name()
            service = Service(name)
            for item in self._block("service"):
                if isinstance(item, Rpc):
                    service.rpcs.append(item)
                elif isinstance(item, Option):
                    service.options.append(item)
            return service
        if label == "extend" and context in ("file", "message"):
            name = reader.name()
            return Extend(name, [f for f in self._block("extend") if isinstance(f, Field)])
        if label == "rpc" and context == "service":
            return self._rpc()
        if label == "oneof" and context == "message":
            return self._oneof()
        if label == "extensions" and context == "message":
            return self._extensions()
        if context in ("message", "extend"):
            return self._field(label)
        if context == "enum":
            reader.require("=")
            tag = reader.integer()
            options = self.options.bracketed()
            reader.require(";")
            return Constant(label, tag, options)
        raise WireError(f"unexpected label: {label}")

    def _message(self) -> Message:
        message = Message(self.reader.name())
        for item in self._block("message"):
            if isinstance(item, Field):
                message.fields.append(item)
            elif isinstance(item, OneOf):
                message.oneofs.append(item)
            elif isinstance(item, Group):
                message.groups.append(item)
            elif isinstance(item, Message | EnumType):
                message.types.append(item)
            elif isinstance(item, Extensions):
                message.extensions.append(item)
            elif isinstance(item, Option):
                message.options.append(item)
            elif isinstance(item, Extend):
                message.extends.append(item)
            elif isinstance(item, Reserved):
                message.reserveds.append(item)
        return message

    def _enum(self) -> EnumType:
        enum = EnumType(self.reader.name())
        for item in self._block("enum"):
            if isinstance(item, Constant):
                enum.constants.append(item)
            elif isinstance(item, Option):
                enum.options.append(item)
            elif isinstance(item, Reserved):
                enum.reserveds.append(item)
        return enum

    def _field(self, word: str) -> Field | Group:
        reader = self.reader
        if word in _LABELS:
            label: str | None = word
            kind = reader.data_type()
        else:
            label, kind = None, reader.data_type(word)
        if kind == "group":
            return self._group(label)
        return self._field_rest(label, kind)

    def _field_rest(self, label: str | None, kind: str) -> Field:
        reader = self.reader
        name = reader.name()
        reader.require("=")
        tag = reader.integer()
        options = self.options.bracketed()
        default = _strip(options, "default")
        json_name = _strip(options, "json_name")
        reader.require(";")
        return Field(label, kind, name, tag, options, default, json_name)

    def _group(self, label: str | None) -> Group:
        reader = self.reader
        name = reader.word()
        reader.require("=")
        tag = reader.integer()
        fields = []
        reader.require("{")
        while not reader.take("}"):
            found = self._field(reader.word())
            if not isinstance(found, Field):
                raise WireError("expected field declaration")
            fields.append(found)
        return Group(label, name, tag, fields)

    def _oneof(self) -> OneOf:
        reader = self.reader
        oneof = OneOf(reader.name())
        reader.require("{")
        while not reader.take("}"):
            kind = reader.data_type()
            if kind == "group":
                oneof.groups.append(self._group(None))
            elif kind == "option":
                oneof.options.append(self.options.option("="))
                reader.require(";")
            else:
                oneof.fields.append(self._field_rest(None, kind))
        return oneof

    def _range_end(self) -> int:
        end = self.reader.word()
        self.reader.note_leading_zeros(end)
        if end == "max":
            return MAX_TAG
        try:
            return int(end)
        except ValueError:
            raise WireError(f"expected an integer but was {end}") from None

    def _reserved(self) -> Reserved:
        reader = self.reader
        values: list[str | int | Range] = []
        while True:
            if reader.peek() in "\"'":
                values.append(reader.string())
            else:
                start = reader.integer()
                if reader.peek() in ",;":
                    values.append(start)
                else:
                    if reader.word() != "to":
                        raise WireError("expected ',', ';', or 'to'")
                    values.append((start, self._range_end()))
            char = reader.read_char()
            if char == ";":
                return Reserved(values)
            if char != ",":
                raise WireError("expected ',' or ';'")

    def _extensions(self) -> Extensions:
        reader = self.reader
        values: list[int | Range] = []
        options: list[Option] = []
        while True:
            start = reader.integer()
            if reader.peek() in ",;[":
                values.append(start)
            else:
                if reader.word() != "to":
                    raise WireError("expected ',', ';', '[' or 'to'")
                values.append((start, self._range_end()))
            if reader.peek() == "[":
                options += self.options.bracketed()
                reader.require(";")
                return Extensions(values, options)
            char = reader.read_char()
            if char == ";":
                return Extensions(values, options)
            if char != ",":
                raise WireError("expected ',' or ';'")

    def _rpc(self) -> Rpc:
        reader = self.reader
        name = reader.name()
        ends: list[tuple[str, bool]] = []
        for index in range(2):
            if index == 1 and reader.word() != "returns":
                raise WireError("expected 'returns'")
            reader.require("(")
            word = reader.word()
            streaming = word == "stream"
            ends.append((reader.data_type() if streaming else reader.data_type(word), streaming))
            reader.require(")")
        options = []
        if reader.take("{"):
            while not reader.take("}"):
                declared = self._declaration("rpc")
                if isinstance(declared, Option):
                    options.append(declared)
        else:
            reader.require(";")
        (request, into), (response, back) = ends
        return Rpc(name, request, response, into, back, options)


def _strip(options: list[Option], name: str) -> str | None:
    """Wire's ``stripValue``: ``default`` and ``json_name`` are not options (the last wins)."""
    found = None
    for option in [o for o in options if o.name == name]:
        options.remove(option)
        found = option.value if isinstance(option.value, str) else str(option.value)
    return found


def parse(text: str) -> ProtoFile:
    """``text`` as Wire's parse tree; ``WireError`` where Wire would not read it."""
    parser = _Parser(text)
    try:
        return parser.parse()
    except IndexError as error:  # pragma: no cover - a guard: the reader checks bounds
        raise WireError(str(error)) from error


_LEADING_ZERO = re.compile(r"(?<![\w.])0\d")


def _leading_zeros(text: str) -> list[tuple[int, str]]:
    """(position, digits as written) of the integers Wire reads in ``text`` that are
    written with leading zeros."""
    if not _LEADING_ZERO.search(text):
        return []
    parser = _Parser(text)
    try:
        parser.parse()
    except (WireError, IndexError):
        return []
    return parser.reader.leading_zeros


def decimal_with_leading_zeros(text: str) -> list[str]:
    """The integers ``text`` writes with leading zeros where Wire reads integers, as
    written (``010``), in source order: protoc would read them as octal."""
    return [digits for _, digits in _leading_zeros(text)]


def as_wire_reads(text: str) -> str:
    """``text`` with the leading zeros of its integers blanked where Wire reads integers
    (field and enum numbers, reserved and extension ranges).

    Wire's ``SyntaxReader.readInt`` reads ``010`` in decimal, 10, where protoc
    reads octal, 8; Confluent stores, checks and serves what Wire read, so the
    text protoc compiles must say 10 too, or a spec's schema and the version a
    registry holds of it would differ forever. Blanks keep every position: what
    protoc reports still points into ``text``. ``text`` itself where it has no
    such integer or Wire does not read it.
    """
    zeros = _leading_zeros(text)
    if not zeros:
        return text
    chars = list(text)
    for position, digits in zeros:
        count = len(digits) - len(digits.lstrip("0"))
        chars[position : position + count] = " " * count
    return "".join(chars)
