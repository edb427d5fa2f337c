"""A parsed YAML document: its data and where each of its values is written.

Apart from the parser (``_yaml``, PyYAML) so that what only reads documents
already made (the project cache, the settings kept of the project file) imports
no YAML library.
"""

from __future__ import annotations

from collections.abc import Callable
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

    def later(self, key_path: KeyPath) -> Location:
        """``at``, for a location that may never be read (``Unmarked``: looked up then)."""
        return self.at(key_path)

    def key_later(self, key_path: KeyPath) -> Location:
        """``key_at``, for a location that may never be read (``Unmarked``: looked up then)."""
        return self.key_at(key_path)

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


class Unmarked(Document):
    """A document whose locations are made when first asked for, by ``marks(text)``.

    A load whose specs are not kept (export's check of the 10,000 x 5 project it
    wrote) reads none of the ~100,000 locations its specs hold unless it finds an
    error: composing the spec file without them (``_yaml_plain``) and making each
    location only when read (``Later``) saves ~0.4 s of its ~2 s and ~100 MB.
    The ``Later`` locations hold ``_Marks`` (the text and the way to its locations),
    not the document: its data (~20 MB) is freed once the specs are made of it.
    """

    def __init__(
        self,
        path: Path,
        data: Any,
        root: Path | None,
        text: str,
        marks: Callable[[str], tuple[dict[KeyPath, Mark], dict[KeyPath, Mark]]],
    ) -> None:  # ``values`` and ``keys`` are set by ``__getattr__`` when first asked for
        self.path, self.data, self.root = path, data, root
        self._marks = _Marks(path, root, text, marks)

    def __getattr__(self, name: str) -> Any:
        if name not in ("values", "keys"):
            raise AttributeError(name)
        self.values, self.keys = self._marks.values, self._marks.keys
        return self.__dict__[name]

    def later(self, key_path: KeyPath) -> Location:
        marks = self._marks
        return marks.at(key_path) if marks.made else Later(marks, key_path, False)

    def key_later(self, key_path: KeyPath) -> Location:
        marks = self._marks
        return marks.key_at(key_path) if marks.made else Later(marks, key_path, True)


class _Marks(Document):
    """An ``Unmarked`` document's locations without its data: made of its text when
    first asked for."""

    def __init__(
        self,
        path: Path,
        root: Path | None,
        text: str,
        marks: Callable[[str], tuple[dict[KeyPath, Mark], dict[KeyPath, Mark]]],
    ) -> None:  # ``values`` and ``keys`` are set by ``__getattr__`` when first asked for
        self.path, self.data, self.root = path, None, root
        self._text: str | None = text
        self._marks = marks
        self.made = False

    def __getattr__(self, name: str) -> Any:
        if name not in ("values", "keys") or self.__dict__.get("_text") is None:
            raise AttributeError(name)
        self.values, self.keys = self._marks(self._text)
        self._text, self.made = None, True
        return self.__dict__[name]


class Later(Location):
    """A ``Location`` of an ``Unmarked`` document: the line and column are looked up
    (the document's locations made) when first read; equal to, and pickled and copied
    as, the ``Location`` made at once.

    Its one slot holds the document and the key path, then the location found: no
    ``__dict__`` (two per version at 10,000 subjects x 5 versions: ~0.5 -> ~0.3 us
    and 232 -> 140 bytes each)."""

    __slots__ = ("_of",)

    def __init__(self, doc: Document, key_path: KeyPath, key: bool) -> None:
        _set_of(self, (doc, key_path, key))  # frozen: no setattr

    def _found(self) -> Location:
        of = self._of
        if type(of) is tuple:
            doc, key_path, key = of
            of = doc.key_at(key_path) if key else doc.at(key_path)
            _set_of(self, of)  # the document is no longer needed
        return of

    @property  # type: ignore[override]  # a field of Location's, read-only here
    def file(self) -> Path:
        of = self._of
        return of[0].path if type(of) is tuple else of.file

    @property  # type: ignore[override]
    def root(self) -> Path | None:
        of = self._of
        return of[0].root if type(of) is tuple else of.root

    @property  # type: ignore[override]
    def line(self) -> int:
        return self._found().line

    @property  # type: ignore[override]
    def column(self) -> int:
        return self._found().column

    def __reduce__(self) -> tuple[Any, ...]:
        return (Location, (self.file, self.line, self.column, self.root))


_set_of = Later._of.__set__  # type: ignore[attr-defined]
