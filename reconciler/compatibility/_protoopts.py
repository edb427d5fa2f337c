"""Custom options that no import defines, kept as text as Confluent keeps them.

Confluent parses schemas with Wire, which keeps every option statement as
written without resolving it, and prints them back in the canonical form; so
``option (my_oneof_option) = 7;`` is accepted although nothing defines
``my_oneof_option``. protoc refuses such a file. Here each option protoc names
as unknown is cut out of the text given to protoc (blanked, so that every
other source position stays where it was), and kept as text together with
the declaration it belongs to (a SourceCodeInfo path), for the printer to
write back where it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from google.protobuf import descriptor_pb2

from ._protoprint import SourcePositions

_UNKNOWN = re.compile(r'<schema>:(\d+):(\d+): Option "\([^"]*\)[^"]*" unknown\.')
_STRING = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'""")


@dataclass(frozen=True)
class KeptOption:
    """One option as text (``(name).path = value``), at a protoc source position."""

    text: str
    line: int  # protoc's line and column of the option's name (0-based)
    column: int
    in_brackets: bool  # ``[ ... ]`` after a field or enum value, else a statement


def unknown_option_positions(errors: str) -> list[tuple[int, int]]:
    """protoc's (0-based) positions of the options it reports as unknown, or ``[]``.

    Only when every error is such an option: the schema is otherwise valid.
    """
    messages = [m for m in errors.split("; ") if m and "warning:" not in m]
    found = [_UNKNOWN.match(m) for m in messages]
    if not messages or not all(found):
        return []
    return [(int(m[1]) - 1, int(m[2]) - 1) for m in found if m]


def cut(text: str, positions: list[tuple[int, int]]) -> tuple[str, list[KeptOption]] | None:
    """``text`` with those options blanked out, and the options; ``None`` if one is not
    where an option can be (then protoc's refusal stands)."""
    mapping = SourcePositions(text)
    chars = list(text)
    kept: list[KeptOption] = []
    for line, column in positions:
        start = mapping.offset(line, column)
        if start is None:
            return None
        found = _option_at(text, start)
        if found is None:
            return None
        option, blank_from, blank_to, in_brackets = found
        for index in range(blank_from, blank_to):
            if chars[index] != "\n":
                chars[index] = " "
        kept.append(KeptOption(option, line, column, in_brackets))
    return "".join(chars), kept


def _option_at(text: str, start: int) -> tuple[str, int, int, bool] | None:
    """The option whose name starts at ``start``: its text and the span to blank."""
    end = _end_of_value(text, start)
    if end is None:
        return None
    name, _, value = text[start:end].partition("=")
    option = f"{''.join(name.split())} = {_collapse(value)}"
    before = text[:start].rstrip()
    keyword = before.endswith("option") and not re.search(r"[\w.]option$", before)
    if keyword and end < len(text) and text[end] == ";":
        return option, len(before) - len("option"), end + 1, False
    if before.endswith(","):  # [a, (x) = 1]: blank ", (x) = 1"
        return option, len(before) - 1, end, True
    if before.endswith("["):
        after = len(text) - len(text[end:].lstrip())
        if after < len(text) and text[after] == ",":  # [(x) = 1, a]: blank "(x) = 1,"
            return option, start, after + 1, True
        if after < len(text) and text[after] == "]":  # [(x) = 1]: blank the brackets
            return option, len(before) - 1, after + 1, True
    return None


def _end_of_value(text: str, start: int) -> int | None:
    """Where the option starting at ``start`` ends: at ``;``, ``,`` or ``]`` outside
    strings and nested braces or brackets."""
    depth, index = 0, start
    while index < len(text):
        char = text[index]
        if char in "\"'":
            literal = _STRING.match(text, index)
            if literal is None:
                return None
            index = literal.end()
            continue
        if char in "{[(<":
            depth += 1
        elif char in "}])>":
            if depth == 0:
                return index if char == "]" else None
            depth -= 1
        elif depth == 0 and char in ";,":
            return index
        index += 1
    return None


def _collapse(value: str) -> str:
    """Whitespace runs outside string literals as one space."""
    out, at = [], 0
    for literal in _STRING.finditer(value):
        out += [_SPACE.sub(" ", value[at : literal.start()]), literal.group()]
        at = literal.end()
    out.append(_SPACE.sub(" ", value[at:]))
    return "".join(out).strip()


_SPACE = re.compile(r"\s+")


_Path = tuple[int, ...]
# Declarations that can carry options, by the last two SourceCodeInfo path parts'
# first element and the kind of their parent: messages and nested messages,
# fields, oneofs, enums and their values, services and their methods.
_FILE_KINDS = {4: "message", 5: "enum", 6: "service"}
_MESSAGE_KINDS = {2: "field", 3: "message", 4: "enum", 8: "oneof"}
_ENUM_KINDS = {2: "value"}
_SERVICE_KINDS = {2: "method"}


def _kind(path: _Path) -> str | None:
    """What a SourceCodeInfo path names, if it is a declaration that can have options."""
    if len(path) % 2:
        return None
    kind = "file"
    for index in range(0, len(path), 2):
        table = {
            "file": _FILE_KINDS,
            "message": _MESSAGE_KINDS,
            "enum": _ENUM_KINDS,
            "service": _SERVICE_KINDS,
        }.get(kind)
        kind = table.get(path[index]) if table else None
        if kind is None:
            return None
    return kind


def place(
    file: descriptor_pb2.FileDescriptorProto, kept: list[KeptOption]
) -> dict[_Path, tuple[str, ...]]:
    """Each kept option under the innermost declaration that encloses it (``()``: the file)."""
    spans: list[tuple[_Path, tuple[int, int], tuple[int, int]]] = []
    for location in file.source_code_info.location:
        path = tuple(location.path)
        if _kind(path) is None:
            continue
        span = list(location.span)
        end = (span[0], span[2]) if len(span) == 3 else (span[2], span[3])
        spans.append((path, (span[0], span[1]), end))
    placed: dict[_Path, list[str]] = {}
    for option in kept:
        at = (option.line, option.column)
        inside = [(p, s) for p, s, e in spans if s <= at <= e]
        if option.in_brackets:  # only a field or an enum value has brackets
            inside = [(p, s) for p, s in inside if _kind(p) in ("field", "value")]
        path = max(inside, key=lambda item: (len(item[0]), item[1]))[0] if inside else ()
        placed.setdefault(path, []).append(option.text)
    return {path: tuple(texts) for path, texts in placed.items()}
