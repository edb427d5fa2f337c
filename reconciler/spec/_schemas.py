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

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._errors import Collector, display_path
from .model import Location


@dataclass(frozen=True)
class SchemaSource:
    text: str
    path: Path | None  # None when inline


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

    def resolve(self, path: Path) -> Path:
        if path.name in ("", "..") or path.parent == path:
            return path.resolve()
        directory = self._directories.get(path.parent)
        if directory is None:
            directory = self._directories[path.parent] = path.parent.resolve()
        resolved = directory / path.name
        return resolved.resolve() if resolved.is_symlink() else resolved


def schema_source(
    value: Any,
    schema_type: str,
    spec_dir: Path,
    root: Path,
    location: Location,
    errors: Collector,
    resolver: Resolver,
) -> SchemaSource | None:
    """Text of a ``schema:`` value, or None after reporting why there is none."""
    if is_inline(value):
        if isinstance(value, str):
            return SchemaSource(value, None)
        if schema_type == "PROTOBUF":
            errors.error(location, "an inline PROTOBUF schema must be text (use a '|' block)")
            return None
        # default=str: YAML turns unquoted dates into date objects; keep their text.
        return SchemaSource(json.dumps(value, indent=2, default=str), None)
    path = resolver.resolve(spec_dir / value)
    if not path.is_relative_to(root):
        errors.error(location, f"schema path {value!r} resolves outside the project directory")
        return None
    if not path.is_file():
        errors.error(location, f"schema file not found: {display_path(path)}")
        return None
    try:
        return SchemaSource(path.read_text(encoding="utf-8"), path)
    except (OSError, UnicodeDecodeError) as exc:
        errors.error(location, f"cannot read schema file {display_path(path)}: {exc}")
        return None
