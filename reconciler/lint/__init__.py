"""Lint the desired state: schema and spec conventions that plan and apply do not enforce.

``lint(project, only=..., skip=...)`` returns a ``Report`` of ``Finding``s,
each naming its ``Rule`` (an ID, a category, a default severity and a
documented meaning; all rules are in ``RULES`` and in docs/lint.md). It is
offline: no registry is contacted. The CLI (`reconcile lint`) and the MCP
server (`lint` tool) call it; ``Report.to_json()`` is the versioned JSON form,
``render_text``/``render_markdown``/``render_github`` the other views.
"""

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
