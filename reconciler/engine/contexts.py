"""Context names and qualified subject names, as the Confluent API spells them.

A context is written in specs as ``.`` (the default context), ``ecommerce`` or
``.ecommerce``; on the wire a subject of a non-default context is
``:.ecommerce:orders-value`` and the context itself (for context-level config
and mode) is ``:.ecommerce:``.
"""

from __future__ import annotations

DEFAULT = "."


def normalize_context(context: str | None) -> str:
    """``None``/``""``/``"."`` -> ``"."``; ``"ecommerce"``/``".ecommerce"`` -> ``".ecommerce"``."""
    if not context or context == DEFAULT:
        return DEFAULT
    return context if context.startswith(".") else f".{context}"


def context_prefix(context: str) -> str:
    """The subject prefix that selects a context (``""`` for the default one)."""
    context = normalize_context(context)
    return "" if context == DEFAULT else f":{context}:"


def qualify(context: str, subject: str) -> str:
    """The wire name of ``subject`` in ``context``; already qualified names pass through."""
    if subject.startswith(":."):
        return subject
    return context_prefix(context) + subject


def context_of(subject: str) -> str:
    """The context a wire subject name belongs to."""
    if subject.startswith(":."):
        return subject[1 : subject.index(":", 1)]
    return DEFAULT


def unqualify(subject: str) -> str:
    if subject.startswith(":."):
        return subject[subject.index(":", 1) + 1 :]
    return subject
