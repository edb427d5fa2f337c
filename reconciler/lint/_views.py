"""Views of a lint report: text lines, markdown for PR comments, GitHub annotations.

The JSON form is ``Report.to_json``; these render the same findings for
people (text, markdown) and for GitHub, whose workflow commands
(``::warning file=...,line=...::message``) show each finding on the line of
the pull request's diff it is about.
"""

from __future__ import annotations

from pathlib import Path

from reconciler.render import workflow_command

from ._catalog import SEVERITIES
from ._report import Finding, Report

_ANNOTATION = {"error": "error", "warning": "warning", "info": "notice"}


def summary(report: Report) -> str:
    if not report.findings:
        return "No findings."
    counts = report.counts()
    shown = ", ".join(f"{counts[s]} {s}{'' if counts[s] == 1 else 's'}" for s in SEVERITIES)
    return f"{len(report.findings)} findings ({shown})"


def render_text(report: Report) -> list[str]:
    return [*(str(f) for f in report.findings), summary(report)]


def _relative(finding: Finding, root: Path) -> str:
    if finding.location is None:
        return ""
    file = finding.location.file
    shown = file.relative_to(root) if file.is_relative_to(root) else file
    return f"{shown}:{finding.location.line}"


def render_markdown(report: Report, root: Path) -> str:
    """A section for the plan comment: a summary line, then one table row per finding."""
    lines = ["### reconciler lint", "", f"**{summary(report)}**"]
    if report.findings:
        lines += ["", "| severity | rule | where | message |", "|---|---|---|---|"]
        for f in report.findings:
            fix = f" (fix: {f.fix})" if f.fix else ""
            message = (f.message + fix).replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {f.severity} | `{f.rule.id}` | `{_relative(f, root)}` | {message} |")
    return "\n".join(lines) + "\n"


def render_github(report: Report, workspace: Path) -> list[str]:
    """One workflow command per finding; file paths relative to the repository checkout."""
    return [
        workflow_command(
            _ANNOTATION[f.severity],
            f.message,
            title=f.rule.id,
            file=f.location.file if f.location else None,
            line=f.location.line if f.location else None,
            column=f.location.column if f.location else None,
            workspace=workspace,
        )
        for f in report.findings
    ]
