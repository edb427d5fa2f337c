"""Markdown that stays balanced, as a real CommonMark parser (markdown-it-py) reads it."""

from __future__ import annotations

from markdown_it import MarkdownIt


def assert_balanced(markdown: str) -> None:
    """Every fence closed and every <details> closed, as a CommonMark parser reads it."""
    lines = markdown.split("\n")
    depth = 0
    tokens = MarkdownIt("commonmark").parse(markdown)
    for token in [t for block in tokens for t in (block, *(block.children or ()))]:
        if token.type == "fence":
            assert token.map is not None
            closing = lines[token.map[1] - 1].strip()
            assert closing.startswith(token.markup) and set(closing) == {token.markup[0]}, (
                f"unclosed fence at line {token.map[0] + 1}"
            )
        if token.type in ("html_block", "html_inline"):
            depth += token.content.count("<details") - token.content.count("</details>")
            assert depth >= 0
    assert depth == 0, "an open <details>"
