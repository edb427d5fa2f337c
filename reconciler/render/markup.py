"""Text in rich markup that rich prints exactly as the text: ``escape`` and ``style``.

rich's own ``rich.markup.escape`` is not exact: it doubles a backslash that ends
the text (right only where a tag follows, as in ``a\\\\[/]``), so where no tag
follows two are shown; and it leaves a ``\\[`` that opens no tag, which rich's
parser prints as ``[``. rich's parser (``rich.markup._parse`` and ``render``,
rich 13-15): a backslash counts only right before a ``[``; a ``[`` that opens
what reads as a tag (``rich.markup.RE_TAGS``: a letter, ``#``, ``/`` or ``@``,
then anything but ``[`` up to a ``]``) is printed as written after an odd
number of backslashes, half of the others printed; any other ``[`` loses the
one backslash right before it.

Whether a ``[`` reads as a tag may depend on what follows the escaped text (a
``[`` with no ``]`` after it in the text), and so does a backslash that ends
it; such a text ends in ``_STOP``, an empty styled span that prints nothing,
so that the text means the same before anything.
"""

from __future__ import annotations

import re

_OPENING = re.compile(r"(\\*)\[")
_TAG_REST = re.compile(r"[a-z#/@][^[]*?]")  # what follows the '[' of a tag (RE_TAGS)
_TAG_START = re.compile(r"[a-z#/@]")
_OPEN_ENDED = re.compile(r"\\\[[^\]]*\Z")  # a '[' after a backslash, no ']' after it
_TRAILING_BACKSLASHES = re.compile(r"\\+\Z")
_STOP = "[b][/b]"


def escape(text: str) -> str:
    """``text`` as rich markup that prints as ``text``, wherever it is put (but after
    a backslash)."""
    escaped = _OPENING.sub(_opening, text) if "[" in text else text
    if escaped.endswith("\\") or _OPEN_ENDED.search(text):
        return _TRAILING_BACKSLASHES.sub(_doubled, escaped) + _STOP
    return escaped


def style(name: str, markup: str) -> str:
    """``markup`` (rich markup, text ``escape``d) printed in the style ``name``."""
    return f"[{name}]{markup}[/]"


def _opening(match: re.Match[str]) -> str:
    backslashes, text, end = match[1], match.string, match.end()
    if _TAG_REST.match(text, end):
        return f"{backslashes}{backslashes}\\["  # 2n+1: n backslashes, the tag as text
    if not backslashes and end < len(text) and not _TAG_START.match(text, end):
        return "["  # never a tag, whatever follows: as written (JSON's '["null", ...]')
    return f"{backslashes}\\["  # n+1: rich drops the one right before the '['


def _doubled(match: re.Match[str]) -> str:
    return match[0] * 2  # before _STOP's tag: each printed, the tag read as a tag
