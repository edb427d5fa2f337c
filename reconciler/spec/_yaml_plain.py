"""A composer for the common shape of spec files: block mappings and sequences of plain words.

``reconcile export`` writes spec files of that shape only (36,000 lines for
10,000 subjects): keys and values are single plain words (``schema:
../schemas/default/orders-value.avsc``), nested by indentation, with comment
lines. This composer reads such a document line by line into the same data
and the same locations as the YAML composers (``_yaml``), several times
faster than libyaml's composer and the node objects it builds. Anything else
(a quoted or multi-word scalar, a flow collection, an anchor, a tag, a block
scalar, an empty value, a non-ASCII character, a duplicate or non-string key,
an indentation the YAML composers would refuse...) makes it give up, and the
document is composed by ``_yaml`` as before: this path never reports an
error, so every message stays the YAML composers'. Plain words are resolved
and constructed by PyYAML's own resolver and safe constructor, so ``1`` is
an int and ``yes`` a bool here as there (paths and plain decimals, most of an
export's words, skip them: their values are known; tested against them).
tests/spec/test_loaders.py compares it with the other composers on every
test project and on generated documents.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from ._document import KeyPath, Mark

Composed = tuple[dict[str, Any], dict["KeyPath", "Mark"], dict["KeyPath", "Mark"]]

# A word that YAML scans as one plain scalar in block context and that ends
# where the regular expression ends it: no space, no ':' (a key's end), no '#'
# (a comment), none of the characters a plain scalar may not start with.
_WORD = r"(?:[A-Za-z0-9_./+=~]|-(?=[A-Za-z0-9_./+=~]))[A-Za-z0-9_./+=~-]*"
_END = r" *(?: #.*)?\Z"  # trailing spaces and a comment
_KEY = rf"({_WORD}):(?:{_END}| +({_WORD}){_END})"  # ``key: word`` or ``key:``
# Groups: indentation, key, word.
_ENTRY = re.compile(rf"( *){_KEY}")
# ``- word`` or ``- key: word`` or ``- key:``; groups: indentation, the item's
# content (its column), word, key, word.
_ITEM = re.compile(rf"( *)- +((?:({_WORD}){_END})|{_KEY})")
# Documents with only these characters: no tab, no byte order mark, no line
# break other than "\n" (decoding made "\r" one), nothing YAML refuses.
_PRINTABLE = re.compile(r"[\n\x20-\x7e]*\Z")
# Deeper documents are left to the YAML composers, whose builder reports a
# document nesting beyond Python's recursion limit.
_MAX_DEPTH = 100
# YAML allows a simple key of at most 1,024 characters (the composers refuse a longer one).
_MAX_KEY = 1_000
_STR = "tag:yaml.org,2002:str"
# Words PyYAML reads as plain decimal ints: digits without a sign, "_", ":" (sexagesimal) or a
# leading zero (octal in YAML 1.1). Longer ones are left to the resolver (ints there too).
_DECIMAL = re.compile(r"[1-9][0-9]{0,17}\Z")


class _GiveUp(Exception):
    """Not of the plain shape: compose the document with the YAML composers."""


class _Words(dict[str, Any]):
    """Plain scalars' values, as PyYAML's safe loader resolves and constructs them
    (remembered: the values are immutable, ints, bools, dates...)."""

    def __init__(self) -> None:
        super().__init__()
        self._resolver = yaml.resolver.Resolver()
        self._constructor = yaml.constructor.SafeConstructor()

    def __missing__(self, word: str) -> Any:
        if "/" in word:  # no implicit type's pattern holds a "/": a path, say
            self[word] = word
            return word
        if _DECIMAL.match(word):  # what the int constructor reads as plain decimal
            self[word] = value = int(word)
            return value
        tag = self._resolver.resolve(yaml.ScalarNode, word, (True, False))
        if tag == _STR:
            value: Any = word
        else:
            try:
                value = self._constructor.construct_object(yaml.ScalarNode(tag, word))
            except yaml.YAMLError as exc:  # "=": no constructor; let the composers say so
                raise _GiveUp from exc
        self[word] = value
        return value


class _Frame:
    """An open block collection: its column, its container and its key path."""

    __slots__ = ("column", "container", "indentless", "path")

    def __init__(
        self, column: int, container: dict[str, Any] | list[Any], path: KeyPath, indentless: bool
    ) -> None:
        self.column = column
        self.container = container
        self.path = path
        self.indentless = indentless  # a sequence whose "-" is at its mapping key's column


def compose_plain(text: str, marks: bool = True) -> Composed | None:
    """The document's data, its values' and its keys' locations (as ``_yaml.Document``
    holds them) if it has the plain shape (see the module); None otherwise.

    ``marks=False``: the data alone, the locations left empty (a quarter of the time
    and most of the memory: 450,000 key paths for 10,000 subjects x 5 versions);
    composing the same text again with them gives the same data.
    """
    if _PRINTABLE.match(text) is None:
        return None
    try:
        return _compose(text, marks)
    except _GiveUp:
        return None


def _compose(text: str, marks: bool) -> Composed:
    """One pass over the lines, with a stack of the open collections (one function:
    a call per line would cost a third of the time)."""
    data: dict[str, Any] = {}
    values: dict[KeyPath, Mark] = {}
    keys: dict[KeyPath, Mark] = {}
    words = _Words()
    stack: list[_Frame] = []
    pending: _Frame | None = None  # a mapping whose last key waits for its nested collection
    pending_key = ""
    entry, item_entry = _ENTRY.match, _ITEM.match
    for number, line in enumerate(text.split("\n"), 1):
        match = entry(line)
        item = match is None
        if item:
            match = item_entry(line)
            if match is None:
                content = line.lstrip(" ")
                if not content or content[0] == "#":
                    continue  # blank, or a comment
                raise _GiveUp
        column = match.end(1)
        # The collection this line adds to.
        if pending is not None:
            if column <= pending.column and not (item and column == pending.column):
                raise _GiveUp  # an empty value (null): left to the composers
            if len(stack) >= _MAX_DEPTH:
                raise _GiveUp
            path = (*pending.path, pending_key) if marks else ()
            container: dict[str, Any] | list[Any] = [] if item else {}
            pending.container[pending_key] = container  # type: ignore[call-overload]
            if marks:
                values[path] = (number, column + 1)
            frame = _Frame(column, container, path, item and column == pending.column)
            stack.append(frame)
            pending = None
        elif stack:
            frame = stack[-1]
            while frame.column > column or (
                frame.indentless and not item and frame.column == column
            ):
                stack.pop()
                if not stack:
                    raise _GiveUp
                frame = stack[-1]
            if frame.column != column or (type(frame.container) is list) != item:
                raise _GiveUp
        elif item:
            raise _GiveUp  # a document that is a sequence
        else:
            frame = _Frame(column, data, (), False)
            if marks:
                values[()] = (number, column + 1)
            stack.append(frame)
        if item:
            sequence: list[Any] = frame.container  # type: ignore[assignment]
            inner = match.start(2)
            if marks:
                at = (*frame.path, len(sequence))
                values[at] = (number, inner + 1)
            else:
                at = ()
            word = match[3]
            if word is not None:
                sequence.append(word if "/" in word else words[word])
                continue
            # A mapping begins in the item, its keys at the first key's column.
            if len(stack) >= _MAX_DEPTH:
                raise _GiveUp
            mapping: dict[str, Any] = {}
            sequence.append(mapping)
            frame = _Frame(inner, mapping, at, False)
            stack.append(frame)
            column, key_word, word, word_start = inner, match[4], match[5], 5
        else:
            key_word, word, word_start = match[2], match[3], 3
        # ``key: word`` or ``key:`` in the mapping ``frame``, at ``column``.
        if len(key_word) > _MAX_KEY:
            raise _GiveUp
        key = words[key_word]
        mapping = frame.container  # type: ignore[assignment]
        if type(key) is not str or key in mapping:
            raise _GiveUp  # the builder reports keys that are not strings, and duplicates
        if word is None:
            pending, pending_key = frame, key
            mapping[key] = None  # replaced by the nested collection
        elif "/" in word:  # most of an export's words, each once: not kept in ``words``
            mapping[key] = word
        elif word.isdigit() and word[0] != "0" and len(word) < 19:  # ``_DECIMAL``, ASCII
            mapping[key] = int(word)
        else:
            mapping[key] = words[word]
        if marks:
            at = (*frame.path, key)
            keys[at] = (number, column + 1)
            if word is not None:
                values[at] = (number, match.start(word_start) + 1)
    if pending is not None or not stack:
        raise _GiveUp  # an empty value at the end, or no content: the composers report it
    return data, values, keys
