"""Reading the project's files: as bytes, once, and remembered for the project cache.

A load reads ~10,000 schema files; ``open(..., encoding="utf-8")`` builds
three Python objects and makes as many system calls again per file (0.15 s
for 10,000 files against 0.07 s for ``os.open``/``os.read`` and a decode).
The bytes read are kept (``Reads``): the project cache's key is made of
exactly the bytes the specs were made from, not of what a second read finds
(a file edited while the project loads would otherwise have the old specs
cached under its new bytes).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

# A folder's files given to a load: the lookup by path relative to the root, and the folder's.
Given = tuple[Callable[[str], bytes | None], str] | None
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation by the C runtime


def read_all(handle: int, size_hint: int = 0) -> bytes:
    """Everything left to read from ``handle``, up to its end (not merely ``size_hint``)."""
    chunks = []
    while chunk := os.read(handle, max(size_hint + 1, 1 << 16)):
        chunks.append(chunk)
    return b"".join(chunks)


def read_bytes(path: str, size: int = 0) -> bytes:
    """The file's bytes (``size``, its size as just found, saves a buffer's growth)."""
    handle = os.open(path, os.O_RDONLY | _BINARY)
    try:
        return read_all(handle, size)
    finally:
        os.close(handle)


def decode(data: bytes | memoryview) -> str:
    """``data`` as ``open(path, encoding="utf-8").read()`` gives it: universal newlines,
    and the same ``UnicodeDecodeError`` (that reads the whole file and decodes it at once)."""
    text = str(data, "utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


class Reads:
    """The bytes of every file one load read, by path (as text).

    ``written``: the bytes of files the caller has just written, by path relative to
    ``root`` (``/``-separated), taken instead of reading them back (export's check of
    the project it wrote: 50,000 opens and reads at 10,000 subjects x 5 versions).
    Each is taken to be a regular file at that path, not a symlink, without a look
    at it (50,000 ``lstat`` calls, ~0.18 s): the caller checks that it is, as
    ``workflows.export_check.check_exported`` does by listing their folders. ``keep``:
    whether the bytes are kept (``data``: the project cache's key; a load that
    caches no specs needs none of them).

    A file whose ``text``, given with its bytes, is ASCII without a carriage return is
    kept as that text: the same characters as its bytes (``as_bytes`` gives them back),
    and the very string the spec holds, not a second copy of every schema until the
    project cache is written (~25 MB at 10,000 subjects x 5 versions).
    """

    def __init__(
        self, written: Mapping[str, bytes] | None = None, root: str = "", keep: bool = True
    ) -> None:
        self.data: dict[str, bytes | str] = {}
        # False once a file read twice gave other bytes (edited meanwhile): the
        # specs then hold both versions, which no single key describes.
        self.consistent = True
        self._written = written or {}
        self._prefix = os.path.join(root, "")
        self._keep = keep

    def given(self, path: str) -> bytes | None:
        """The bytes the caller wrote at ``path``; None: the file is to be read."""
        if not self._written or not path.startswith(self._prefix):
            return None
        relative = path[len(self._prefix) :]
        return self._written.get(relative if os.sep == "/" else relative.replace(os.sep, "/"))

    def in_folder(self, folder: str) -> Given:
        """``given`` of the files in ``folder`` (its text ends with a separator) by name,
        worked out once per folder instead of once per file (50,000 schema files at
        10,000 subjects x 5 versions): the caller's lookup and the folder's path relative
        to ``root``; None: none of them was given."""
        if not self._written or not folder.startswith(self._prefix):
            return None
        relative = folder[len(self._prefix) :]
        return self._written.get, relative if os.sep == "/" else relative.replace(os.sep, "/")

    def add(self, path: str, data: bytes, text: str | None = None) -> None:
        """Keep ``data``, the bytes read at ``path`` (``text``: as ``decode`` gave them)."""
        if not self._keep:
            return
        kept = text if text is not None and text.isascii() and b"\r" not in data else data
        first = self.data.setdefault(path, kept)
        if first is not kept and as_bytes(first) != data:
            self.consistent = False


def as_bytes(kept: bytes | str) -> bytes:
    """The bytes of a file as ``Reads`` keeps them (a text kept is ASCII)."""
    return kept if isinstance(kept, bytes) else kept.encode()
