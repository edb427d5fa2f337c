"""Export's YAML: the bytes ``yaml.dump(doc, sort_keys=False, allow_unicode=True,
width=100)`` writes, by the quickest writer that writes them.

An exported spec is mostly names, numbers and paths in nested mappings and
lists (50,000 versions at 10,000 subjects x 5). PyYAML builds a node per
value in Python before any emitter runs: 3 s of CPU at that size, with
libyaml's emitter. ``Block`` writes such a document line by line instead,
as PyYAML lays it out (block style, two-space indent, lists unindented under
their key, ``- `` carrying an item's first key); it declines any value it is
not sure of (a string PyYAML would quote, fold or escape, an empty
collection, a float, a long key), and the document then goes to PyYAML: to
libyaml's emitter where the two write alike, else to PyYAML's own
(tests/workflows/test_yaml_writer.py compares all three).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

try:
    from yaml import CSafeDumper as _FastDumper
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeDumper as _FastDumper

# libyaml's emitter (4x faster on a large spec) writes what PyYAML's does byte for
# byte, except strings either must escape (control characters, line breaks, a BOM,
# characters beyond the BMP: the two escape and fold them differently) and mapping
# keys either may write as complex keys (``? ''``: empty or long ones, measured
# differently: PyYAML from 123 characters, libyaml from 129 UTF-8 bytes).
# Documents holding either are written by PyYAML's own emitter, so that an export
# never depends on how PyYAML was built.
_ESCAPED = re.compile(r"[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]")
_SIMPLE_KEY_BYTES = 100  # keys this long or longer are left to PyYAML


def has_escaped_string(doc: Any) -> bool:
    """Whether ``doc`` holds a string libyaml and PyYAML write differently."""
    stack = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _ESCAPED.search(item):
                return True
        elif isinstance(item, dict):
            if any(
                isinstance(k, str) and not 0 < len(k.encode()) < _SIMPLE_KEY_BYTES for k in item
            ):
                return True
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


# Strings written plain whatever their place: no space, quote, comment or flow
# indicator, no leading indicator; ``_RESOLVER`` then rules out those that would
# read back as another type (``1``, ``true``, ``null``, ``1.5``, ``2024-01-01``...).
_PLAIN = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./=+-]*")
_PLAIN_TAIL = re.compile(r"[A-Za-z0-9_./=+-]*")
_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"


class Declined(Exception):
    """A value ``Block`` leaves to PyYAML."""


def _plain(text: str, known: dict[str, str]) -> str:
    written = known.get(text)
    if written is None:
        if (
            len(text) >= _SIMPLE_KEY_BYTES
            or not _PLAIN.fullmatch(text)
            or text.startswith("...")  # a document end marker: quoted
            or _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) != _STR
        ):
            raise Declined
        written = known[text] = text
    return written


class Block:
    """A document's lines as PyYAML lays it out (block style, two-space indent, lists
    unindented under their key, ``- `` carrying an item's first key); ``Declined`` for
    anything else. ``text`` joins them. A writer that knows its document's shape
    (``export_text``) appends the lines it knows and leaves the rest to ``mapping``."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._known: dict[str, str] = {}
        self._folders: set[str] = set()  # checked by ``plain_under``

    def plain(self, text: str) -> str:
        """``text`` as written plain (``Declined`` if PyYAML would quote it)."""
        return _plain(text, self._known)

    def plain_under(self, folder: str, name: str) -> str:
        """``plain(folder + name)``, for a ``folder`` starting with ``../`` (a file's path):
        once ``folder`` is plain, so is any such path as long as it is short enough and
        ``name`` holds no character a plain scalar may not continue with. Such a path
        never reads back as another type (of the types PyYAML resolves, only floats may
        start with a ``.``, never with two) nor ends a document (``...``)."""
        if folder not in self._folders:
            if not folder.startswith("../"):
                raise ValueError(f"not a path up from the spec's folder: {folder!r}")
            self._folders.add(_plain(folder, self._known))
        if len(folder) + len(name) >= _SIMPLE_KEY_BYTES or not _PLAIN_TAIL.fullmatch(name):
            raise Declined
        return folder + name

    def scalar(self, value: Any) -> str:
        if isinstance(value, str):
            return _plain(value, self._known)
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if type(value) is int:
            return str(value)
        raise Declined

    def mapping(self, items: dict[str, Any], indent: str, first: str) -> None:
        """``first``: what starts the first line (``- `` for a list's item)."""
        if not items:
            raise Declined
        lines, known = self.lines, self._known
        lead = first
        for key, value in items.items():
            if not isinstance(key, str):
                raise Declined
            key = _plain(key, known)
            if isinstance(value, dict):
                lines.append(f"{lead}{key}:")
                self.mapping(value, indent + "  ", indent + "  ")
            elif isinstance(value, list):
                lines.append(f"{lead}{key}:")
                self.sequence(value, indent)
            else:
                lines.append(f"{lead}{key}: {self.scalar(value)}")
            lead = indent

    def sequence(self, items: list[Any], indent: str) -> None:
        if not items:
            raise Declined
        for item in items:
            if isinstance(item, dict):
                self.mapping(item, indent + "  ", indent + "- ")
            elif isinstance(item, list):
                raise Declined
            else:
                self.lines.append(f"{indent}- {self.scalar(item)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def dump_yaml(doc: Any) -> str:
    if isinstance(doc, dict):
        block = Block()
        try:
            block.mapping(doc, "", "")
            return block.text()
        except Declined:
            pass
    dumper = yaml.SafeDumper if has_escaped_string(doc) else _FastDumper
    return yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
