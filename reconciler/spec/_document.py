"""A parsed YAML document: its data and where each of its values is written.

Apart from the parser (``_yaml``, PyYAML) so that what only reads documents
already made (the project cache, the settings kept of the project file) imports
no YAML library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import Location

KeyPath = tuple[str | int, ...]


def dotted(key_path: KeyPath) -> str:
    """``subjects.orders-value.versions[0].schema`` style path for messages."""
    text = ""
    for part in key_path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


Mark = tuple[int, int]  # 1-based line and column


@dataclass
class Document:
    """A parsed YAML file: plain Python data plus the location of every node.

    The locations are kept as ``(line, column)`` and made ``Location`` objects
    when asked for: a 10,000-subject file has ~110,000 nodes and keys, and
    building a ``Location`` for each cost a third of building the document.
    """

    path: Path
    data: Any
    root: Path | None = None  # the project directory, which locations are shown relative to
    values: dict[KeyPath, Mark] = field(default_factory=dict)
    keys: dict[KeyPath, Mark] = field(default_factory=dict)

    def at(self, key_path: KeyPath) -> Location:
        """Location of the value at ``key_path`` (or of its nearest ancestor)."""
        while key_path not in self.values:
            key_path = key_path[:-1]
        return Location(self.path, *self.values[key_path], self.root)

    def key_at(self, key_path: KeyPath) -> Location:
        """Location of the mapping key naming ``key_path`` (its value's if none)."""
        mark = self.keys.get(key_path)
        return self.at(key_path) if mark is None else Location(self.path, *mark, self.root)

    def existing_path(self, loc: tuple[Any, ...]) -> KeyPath:
        """The longest real path in ``loc``, skipping parts that are not data keys.

        Pydantic's ``loc`` mixes data keys with union member tags
        (``"function-after[...]"``); a part that is not in the data is skipped.
        """
        node, found = self.data, []
        for part in loc:
            if isinstance(node, dict):
                present = part in node
            else:
                present = isinstance(node, list) and isinstance(part, int) and part < len(node)
            if present:
                node = node[part]
                found.append(part)
        return tuple(found)
