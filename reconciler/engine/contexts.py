"""Context names and qualified subject names, as the Confluent API spells them.

A context is written in specs as ``.`` (the default context), ``ecommerce`` or
``.ecommerce``; on the wire a subject of a non-default context is
``:.ecommerce:orders-value`` and the context itself (for context-level config
and mode) is ``:.ecommerce:``.
"""

from __future__ import annotations

from reconciler.confluent import DEFAULT_CONTEXT as DEFAULT
from reconciler.confluent import QualifiedSubject, context_prefix, normalize_context

__all__ = ["DEFAULT", "context_of", "context_prefix", "normalize_context", "qualify", "unqualify"]


def qualify(context: str, subject: str) -> str:
    """The wire name of ``subject`` in ``context``; already qualified names pass through."""
    if context == DEFAULT:  # the default context's prefix is empty (a diff asks 60,000 times)
        return subject
    if subject.startswith(":."):
        return subject
    return context_prefix(context) + subject


def context_of(subject: str) -> str:
    """The context a wire subject name belongs to (``:.ctx`` is the context itself)."""
    if not subject.startswith(":"):  # neither ``:.ctx:`` nor ``:*:``: most names, no parse
        return DEFAULT
    return QualifiedSubject.parse(subject).context


def unqualify(subject: str) -> str:
    """A wire subject name without its context."""
    return QualifiedSubject.parse(subject).name
