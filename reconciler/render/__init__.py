"""Views of a plan: text for terminals, markdown for PR comments, JSON for machines,
GitHub annotations for the lines its problems are about."""

from .github import render_github
from .json import render_json
from .markdown import render_markdown
from .text import render_text

__all__ = ["render_github", "render_json", "render_markdown", "render_text"]
