"""Which compatibility level and mode are in force, and what a level compares with.

Read from Confluent's ``storage/InMemoryCache.java`` (``config()``, ``mode()``)
and ``storage/AbstractSchemaRegistry.java`` (``getConfigInScope``,
``getModeInScope``, ``isReadOnlyMode``). The top level (``/config``,
``/mode``) is the default context's own level, ``QualifiedSubject(".", "")``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from .subjects import DEFAULT_CONTEXT, GLOBAL_CONTEXT, QualifiedSubject

DEFAULT_LEVEL = "BACKWARD"  # what a registry uses when no level is set anywhere
DEFAULT_MODE = "READWRITE"
MODES = ("READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT")
# isReadOnlyMode: these refuse registrations, deletes and compatibility changes.
WRITE_BLOCKING_MODES = frozenset({"READONLY", "READONLY_OVERRIDE"})

TOP_LEVEL = QualifiedSubject(DEFAULT_CONTEXT, "")
GLOBAL_CONTEXT_LEVEL = QualifiedSubject(GLOBAL_CONTEXT, "")

T = TypeVar("T")


def lookup_chain(subject: QualifiedSubject) -> list[QualifiedSubject]:
    """The levels whose setting applies to ``subject``, most specific first.

    Its own; its context's (for the default context that is the top level,
    ``/config`` and ``/mode``: a named context never falls back to it); then
    the ``:.__GLOBAL:`` context's, shared by every context. The first level
    with a setting wins, for READONLY_OVERRIDE too: since Confluent 8.0.4,
    8.1.2 and 8.2 (commit d611ff6a09e) a global READONLY_OVERRIDE is no longer
    looked at before the subject's own mode; older registries did that.
    """
    chain: list[QualifiedSubject] = []
    for level in (subject, subject.context_key, GLOBAL_CONTEXT_LEVEL):
        if level not in chain:
            chain.append(level)
    return chain


def reads_global_context(contexts: Iterable[str]) -> bool:
    """Whether the settings in force in ``contexts`` need ``:.__GLOBAL:`` read on its own.

    A reader that knows each level's own setting needs the last fallback too.
    For the default context, ``GET /config`` and ``GET /mode`` with
    ``defaultToGlobal=true`` answer the top level's own setting, else
    ``:.__GLOBAL:``'s, else the default (``getConfigInScope(null)``): that one
    read covers both levels. A named context falls back to ``:.__GLOBAL:``
    directly, which ``GET /config/:.__GLOBAL:`` answers (own, else the default).
    """
    return any(context != DEFAULT_CONTEXT for context in contexts)


def in_force(settings: Iterable[str | None], default: str) -> str:
    """The first setting of a lookup chain's levels, else the registry's default."""
    return next((found for found in settings if found is not None), default)


def own_or_default(subject: QualifiedSubject, own: str | None, default: str) -> str | None:
    """A level's own setting as ``GET /config/S`` and ``GET /mode/S`` answer it.

    The top level and the ``:.__GLOBAL:`` context answer the default when
    unset; any other level answers None (Confluent's 40408/40409).
    """
    if own is not None or not (subject == TOP_LEVEL or subject.context == GLOBAL_CONTEXT):
        return own
    return default


def transitive(level: str) -> bool:
    """Whether ``level`` checks a new version against every live one, not the latest only."""
    return level.endswith("_TRANSITIVE")


def versions_checked(level: str, versions: Sequence[T]) -> Sequence[T]:
    """The versions (oldest first) a new one is checked against: every one under a
    ``*_TRANSITIVE`` level, else the latest only (Confluent's ``isCompatibleWithPrevious``)."""
    return versions if transitive(level) else versions[-1:]
