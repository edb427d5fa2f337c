"""Findings, the report that holds them, and its versioned JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.spec import Location

from ._catalog import SEVERITIES, Rule, Severity

LINT_FORMAT_VERSION = 1  # of the lint report's JSON form, versioned apart from plans


@dataclass(frozen=True)
class Finding:
    """One rule broken at one place.

    ``subject`` is empty for findings about a spec file or registry as a whole;
    ``path`` locates the finding inside the schema (a JSON pointer, or a
    Protobuf type path) when there is one.
    """

    rule: Rule
    location: Location | None
    message: str
    subject: str = ""
    context: str = ""
    path: str = ""
    fix: str = ""  # the edit that resolves it, when there is one to name

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        fix = f" (fix: {self.fix})" if self.fix else ""
        return f"{where}{self.severity} {self.rule.id}: {self.message}{fix}"

    def to_json(self, root: Path | None = None) -> dict[str, Any]:
        file = None
        if self.location is not None:
            file = str(self.location.file)
            if root is not None and self.location.file.is_relative_to(root):
                file = str(self.location.file.relative_to(root))
        return {
            "rule": self.rule.id,
            "category": self.rule.category,
            "severity": self.severity,
            "file": file,
            "line": self.location.line if self.location else None,
            "column": self.location.column if self.location else None,
            "context": self.context or None,
            "subject": self.subject or None,
            "path": self.path or None,
            "message": self.message,
            "fix": self.fix or None,
        }


def _order(finding: Finding) -> tuple[str, int, int, str]:
    location = finding.location
    if location is None:
        return ("", 0, 0, finding.rule.id)
    return (str(location.file), location.line, location.column, finding.rule.id)


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]

    @classmethod
    def of(cls, findings: list[Finding]) -> Report:
        return cls(tuple(sorted(findings, key=_order)))

    def counts(self) -> dict[str, int]:
        return {s: sum(f.severity == s for f in self.findings) for s in SEVERITIES}

    def fails(self, fail_on: Severity | None) -> bool:
        """Whether a finding is at least as severe as ``fail_on`` (None: never fail)."""
        if fail_on is None:
            return False
        worst = SEVERITIES.index(fail_on)
        return any(SEVERITIES.index(f.severity) <= worst for f in self.findings)

    def to_json(self, root: Path | None = None) -> dict[str, Any]:
        return {
            "format_version": LINT_FORMAT_VERSION,
            "counts": self.counts(),
            "findings": [f.to_json(root) for f in self.findings],
        }
