"""The names of the door in __init__.py, for lazy_loader and type checkers."""

from . import evolve, markup
from .drift_markdown import drift_markdown
from .github import render_github, workflow_command
from .json import render_json
from .markdown import MARKER, cut, headline, render_markdown
from .report import report_json
from .text import render_text

__all__ = [
    "MARKER",
    "cut",
    "drift_markdown",
    "evolve",
    "headline",
    "markup",
    "render_github",
    "render_json",
    "render_markdown",
    "render_text",
    "report_json",
    "workflow_command",
]
