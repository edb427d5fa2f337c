"""``validate``: the desired state loaded offline, as a report of errors and warnings.

One function for the CLI's text, markdown and JSON views (and any other door):
every problem keeps its file (relative to the project), line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler._words import plural
from reconciler.spec import Project, SpecError, SpecErrors, load_project


@dataclass(frozen=True)
class Validation:
    """What ``validate`` found: ``project`` is None when there were errors."""

    errors: list[SpecError]
    warnings: list[SpecError] = field(default_factory=list)
    project: Project | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """One line: the error count, or what was loaded and which registries."""
        if self.project is None:
            return plural(len(self.errors), "error")
        project = self.project
        subjects = sum(len(spec.subjects) for spec in project.specs)
        names = ", ".join(project.registries)
        if project.uses_embedded_default:
            names += ", embedded default"
        return (
            f"OK: {plural(len(project.specs), 'spec file')}, {plural(subjects, 'subject')}, "
            f"{plural(len(project.registries), 'registry', 'registries')} ({names})"
        )

    def to_json(self) -> dict[str, Any]:
        project = self.project
        return {
            "status": "ok" if self.ok else "error",
            "summary": self.summary(),
            "errors": [_problem(e) for e in self.errors],
            "warnings": [_problem(w) for w in self.warnings],
            "spec_files": len(project.specs) if project else 0,
            "subjects": sum(len(s.subjects) for s in project.specs) if project else 0,
            "registries": list(project.registries) if project else [],
        }

    def to_markdown(self) -> str:
        head = "✅ " + self.summary() if self.ok else "❌ " + self.summary()
        lines = [f"### reconcile validate: {head}", ""]
        for label, problems in (("Errors", self.errors), ("Warnings", self.warnings)):
            if problems:
                lines += [f"**{label}**", ""]
                lines += [_markdown_line(p) for p in problems]
                lines.append("")
        return "\n".join(lines)


def _problem(error: SpecError) -> dict[str, Any]:
    where = error.location
    return {
        "file": where.path if where else None,
        "line": where.line if where else None,
        "column": where.column if where else None,
        "message": error.message,
    }


def _markdown_line(error: SpecError) -> str:
    where = f"`{error.location}` " if error.location else ""
    return f"- {where}{error.message}"


def validate(directory: Path) -> Validation:
    """Load the project in ``directory`` with the checks plan makes, offline."""
    try:
        project = load_project(directory, plan_checks=True)
    except SpecErrors as exc:
        return Validation(errors=list(exc.errors))
    return Validation(errors=[], warnings=list(project.warnings), project=project)
