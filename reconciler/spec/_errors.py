"""Errors of the desired state, each pointing at a file, line and column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import ReconcilerError

from .model import Location


def display_path(path: Path, root: Path | None = None) -> str:
    """``path`` relative to the project ``root`` (or, without one, to the current
    directory) when inside it, else as is."""
    base = Path.cwd() if root is None else root
    return path.relative_to(base).as_posix() if path.is_relative_to(base) else str(path)


def format_location(location: Location) -> str:
    """``FILE:LINE:COL``, the file relative to the project root (see ``Location.path``)."""
    if location.root is None:
        return f"{display_path(location.file)}:{location.line}:{location.column}"
    return str(location)


@dataclass(frozen=True)
class SpecError:
    """One problem in the desired state; ``str()`` gives ``FILE:LINE:COL: message``."""

    location: Location | None
    message: str

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{format_location(self.location)}: {self.message}"


class SpecErrors(ReconcilerError):
    """Every error of one load, raised together so that users fix them in one pass."""

    def __init__(self, errors: list[SpecError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


class Collector:
    """Accumulates errors and warnings across all files of one load."""

    def __init__(self) -> None:
        self.errors: list[SpecError] = []
        self.warnings: list[SpecError] = []
        # Errors that matter only if something is used: a registry's unset
        # ``${VAR}``s, by registry name (see ``RegistryConfig.unresolved``).
        self.deferred: dict[str, list[SpecError]] = {}
        self._broken: set[Location] = set()

    def error(self, location: Location | None, message: str) -> None:
        if location not in self._broken:
            self.errors.append(SpecError(location, message))

    def defer(self, group: str, location: Location | None, message: str) -> None:
        self.deferred.setdefault(group, []).append(SpecError(location, message))

    def mark_broken(self, location: Location) -> None:
        """Silence later errors at ``location``: they would be about what a value
        became after its own error (an empty URL after a missing variable)."""
        self._broken.add(location)

    def warn(self, location: Location | None, message: str) -> None:
        self.warnings.append(SpecError(location, message))
