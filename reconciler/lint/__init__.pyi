"""The names of the door in __init__.py, for lazy_loader and type checkers."""

from ._catalog import CATEGORIES, RULES, SEVERITIES, Category, Rule, Severity
from ._conventions import ConventionsError, LintSettingsError
from ._report import LINT_FORMAT_VERSION, Finding, Report
from ._run import UnknownRuleError, lint
from ._views import render_github, render_markdown, render_text

__all__ = [
    "CATEGORIES",
    "LINT_FORMAT_VERSION",
    "RULES",
    "SEVERITIES",
    "Category",
    "ConventionsError",
    "Finding",
    "LintSettingsError",
    "Report",
    "Rule",
    "Severity",
    "UnknownRuleError",
    "lint",
    "render_github",
    "render_markdown",
    "render_text",
]
