"""``render.markup``: text escaped for rich's markup prints as the text, exactly.

rich's own ``escape`` doubles a backslash that ends the text and leaves a ``\\[``
that rich then prints as ``[`` (render/markup.py); these compare what rich's
parser makes of the escaped text with the text, alone, between other text and
inside a style.
control characters are left out: rich drops them whatever the escape.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.markup import render

from reconciler.render.markup import escape, style

TEXTS = [
    "a\\",
    "a\\\\",
    "\\",
    "\\[bold]",
    "\\\\[bold]",
    "[bold]x[/bold]",
    "[/]",
    "[link=x]y[/link]",
    "[@click]",
    "a\\[1]",
    "\\[",
    "[[bold]]",
    "x[/]\\",
    "C:\\dir\\[x]\\",
]
# Characters that mean something to rich's markup, and a few that do not.
MARKUP_ALPHABET = st.sampled_from("\\[]/=#@ab:1 ")


def _printed(markup: str) -> tuple[str, list[tuple[int, int, str]]]:
    text = render(markup, emoji=False)  # what rich.console.Console.print parses
    return text.plain, [(s.start, s.end, str(s.style)) for s in text.spans if s.end > s.start]


# Markup around the escaped text, and what rich prints of it.
AROUND = [
    ("", "", "", ""),
    ("x ", " y", "x ", " y"),
    ("", " a]", "", " a]"),
    ("[red]x", "[/]", "x", ""),
    ("(", "[red]y[/])", "(", "y)"),
]


def _check(text: str) -> None:
    for before, after, printed_before, printed_after in AROUND:
        printed = _printed(f"{before}{escape(text)}{after}")[0]
        assert printed == f"{printed_before}{text}{printed_after}"
    styled = _printed(f"p {style('bold', escape(text))} q")
    assert styled == (f"p {text} q", [(2, 2 + len(text), "bold")] if text else [])


@pytest.mark.parametrize("text", TEXTS)
def test_rich_prints_escaped_text_as_it_is(text: str) -> None:
    _check(text)


@given(st.text(MARKUP_ALPHABET, max_size=16))
@settings(max_examples=500, deadline=None)
def test_rich_prints_any_escaped_markup_like_text_as_it_is(text: str) -> None:
    _check(text)


@given(st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=24))
@settings(max_examples=300, deadline=None)
def test_rich_prints_any_escaped_text_as_it_is(text: str) -> None:
    _check(text)
