"""Counts in messages agree in number: ``1 error``, ``2 errors``."""

from __future__ import annotations


def plural(count: int, word: str, words: str | None = None) -> str:
    """``count`` and ``word``, or ``words`` (default ``word + "s"``) when not 1."""
    return f"{count} {noun(count, word, words)}"


def noun(count: int, word: str, words: str | None = None) -> str:
    """``word`` or ``words`` for ``count``, without the number: "versions 1, 2"."""
    return word if count == 1 else words or word + "s"
