"""Where a ``schema:`` value's text comes from: inline, or a file in the project.

The rule, also in docs/spec-format.md: a YAML mapping or sequence is an
inline JSON document (Avro or JSON Schema) and is dumped to JSON text; a
string containing a line break or a ``{``, or starting with ``[`` or ``"``,
is inline schema text (a file path has none of these; every JSON object and
every .proto with a message or enum has a brace); any other string is a file
path relative to the spec file, which must stay inside the project directory
after resolving symlinks.
"""

from __future__ import annotations

import errno
import json
import os
import posixpath
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ._cache import _child
from ._errors import Collector, display_path
from ._files import Given, Reads, decode, read_bytes
from .model import DEFAULT_SCHEMA_BYTES, Location

# The errors ``Path.is_file()`` and ``Path.is_symlink()`` read as "no"; others propagate.
_ABSENT = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})

Problem = Literal["outside", "missing"] | None


@dataclass(slots=True)  # one per schema of a load: not a frozen dataclass, 4x cheaper to make
class SchemaSource:
    text: str
    path: Path | None  # None when inline


def _posix_split(path: str) -> tuple[str, str]:
    """``posixpath.split`` of a ``str`` without its calls (a third of the time, ~0.5 us,
    for 50,000 schema paths at 10,000 subjects x 5 versions)."""
    cut = path.rfind("/") + 1
    head = path[:cut]
    return head.rstrip("/") or head, path[cut:]  # a head of slashes only is kept


_split = _posix_split if os.path is posixpath else os.path.split


def is_inline(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    return "\n" in value or "{" in value or value.lstrip().startswith(("[", '"'))


class Resolver:
    """``Path.resolve()`` that resolves each directory once (for one spec file).

    Resolving is some 70 us a path, a component at a time (``realpath`` is
    pure Python): 0.7 s for 10,000 schema files in one folder. Resolving the
    directory once and the file name alone (only if it is a symlink) gives
    the same path: ``realpath`` resolves components in order.
    """

    def __init__(self) -> None:
        self._directories: dict[Path, Path] = {}
        # (spec directory, directory part of a value) -> resolved, as text ending with a
        # separator, inside the root, and the ``reads`` given and its ``in_folder`` there
        self._folders: dict[tuple[Path, str], tuple[Path, str, bool, Reads | None, Given]] = {}
        # Whether a path went through a symlink inside the project: the file read is
        # then not the one the path names, and the project cache keeps no such load.
        self.followed_links = False

    def resolve(self, path: Path) -> Path:
        if path.name in ("", "..") or path.parent == path:
            resolved = path.resolve()
            self._note_links(path, resolved)
            return resolved
        directory = self._directories.get(path.parent)
        if directory is None:
            directory = self._directories[path.parent] = path.parent.resolve()
            self._note_links(path.parent, directory)
        resolved = directory / path.name
        if resolved.is_symlink():
            self.followed_links = True
            return resolved.resolve()
        return resolved

    def _note_links(self, written: Path, resolved: Path) -> None:
        if os.path.normpath(written) != str(resolved):
            self.followed_links = True

    def schema_file(
        self, spec_dir: Path, value: str, root: Path, reads: Reads | None = None
    ) -> tuple[Path, str, Problem, int | None, bytes | None]:
        """``resolve(spec_dir / value)`` (as a path and as text: pathlib formats the text
        anew for each new path, 1.5 us), whether it is outside ``root`` or not a file,
        the file's size when its ``lstat`` told it (None: not looked at), and its bytes
        when ``reads`` was given them.

        The same answers as ``Path.resolve``, ``is_relative_to`` and ``is_file``,
        in one ``lstat`` for a file that is not a symlink: those three cost
        ~100 us a file in pathlib's pure Python (10,000 schema files: ~1 s).
        A file that is not a symlink is inside the root exactly when its
        resolved directory is, which is checked once per directory. A file whose
        bytes ``reads`` was given is a regular file there without its ``lstat``
        (``Reads``: its caller has checked).
        """
        head, name = _split(value)
        if name in ("", ".", ".."):
            return self._checked(self.resolve(spec_dir / value), root)
        folder = self._folders.get((spec_dir, head))
        if folder is None or folder[3] is not reads:
            resolved = (spec_dir / head).resolve()
            self._note_links(spec_dir / head, resolved)
            text = os.path.join(resolved, "")
            given = None if reads is None else reads.in_folder(text)
            folder = (resolved, text, resolved.is_relative_to(root), reads, given)
            self._folders[spec_dir, head] = folder
        directory, directory_text, inside, _, given = folder
        full = directory_text + name  # os.path.join: the folder's text ends with a separator
        data = None if given is None else given[0](given[1] + name)  # ``reads.given(full)``
        if data is not None:
            path: Path = _child(directory, name)  # type: ignore[assignment]  # a Path's child
            return path, full, None if inside else "outside", len(data), data
        try:
            found = os.lstat(full)
            mode, size = found.st_mode, found.st_size
        except OSError as exc:
            if exc.errno not in _ABSENT:
                raise
            mode, size = 0, None
        if stat.S_ISLNK(mode):
            self.followed_links = True
            return self._checked(Path(full).resolve(), root)
        path = _child(directory, name)
        if not inside:
            return path, full, "outside", None, None
        if not stat.S_ISREG(mode):
            return path, full, "missing", None, None
        return path, full, None, size, None

    @staticmethod
    def _checked(path: Path, root: Path) -> tuple[Path, str, Problem, None, None]:
        if not path.is_relative_to(root):
            return path, str(path), "outside", None, None
        return path, str(path), None if path.is_file() else "missing", None, None


def _over(limit: int) -> str:
    return f"over the limit of {limit} (limits.schema_bytes in reconcile.yaml)"


def schema_source(
    value: Any,
    schema_type: str,
    spec_dir: Path,
    root: Path,
    location: Location,
    errors: Collector,
    resolver: Resolver,
    limit: int = DEFAULT_SCHEMA_BYTES,
    reads: Reads | None = None,
) -> SchemaSource | None:
    """Text of a ``schema:`` value, or None after reporting why there is none.

    A schema over ``limit`` bytes is refused; a file's size is checked before
    it is read (a 64 MiB file once cost 710 MB on its way to a refusal). The
    bytes of a file read are added to ``reads``.
    """
    if is_inline(value):
        if isinstance(value, str):
            text = value
        elif schema_type == "PROTOBUF":
            errors.error(location, "an inline PROTOBUF schema must be text (use a '|' block)")
            return None
        else:
            # default=str: YAML turns unquoted dates into date objects; keep their text.
            text = json.dumps(value, indent=2, default=str)
        size = len(text) if len(text) * 4 <= limit else len(text.encode("utf-8"))
        if size > limit:
            errors.error(location, f"inline schema is {size} bytes, {_over(limit)}")
            return None
        return SchemaSource(text, None)
    path, text_path, problem, size, data = resolver.schema_file(spec_dir, value, root, reads)
    if problem == "outside":
        errors.error(location, f"schema path {value!r} resolves outside the project directory")
        return None
    if problem == "missing":
        errors.error(location, f"schema file not found: {display_path(path, root)}")
        return None
    try:
        if size is None:  # reached through a symlink: its target's size
            size = os.stat(text_path).st_size
        if size > limit:
            errors.error(
                location, f"schema file {display_path(path, root)} is {size} bytes, {_over(limit)}"
            )
            return None
        if data is None:
            data = read_bytes(text_path, size)
        text = decode(data)
        if reads is not None:
            reads.add(text_path, data, text)
        return SchemaSource(text, path)
    except (OSError, UnicodeDecodeError) as exc:
        errors.error(
            location,
            f"cannot read schema file {display_path(path, root)}: "
            f"{getattr(exc, 'strerror', None) or exc}",
        )
        return None
