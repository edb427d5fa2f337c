"""GitHub workflow commands: annotations on the lines of a pull request's diff.

``::error file=F,line=L,col=C,title=T::message`` shows the message on line L
of file F (relative to the repository checkout, ``$GITHUB_WORKSPACE``). Lint
findings (``reconciler.lint``) and plan problems are rendered by the same
function, so both escape and place their annotations alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reconciler.engine import Plan


def _escape(value: str, property_: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if property_ else value


def workflow_command(
    level: str,
    message: str,
    *,
    title: str,
    file: Path | None = None,
    line: int | None = None,
    column: int | None = None,
    workspace: Path | None = None,
) -> str:
    """One annotation; ``file`` is shown relative to ``workspace`` when inside it."""
    properties = []
    if file is not None:
        if workspace is not None and file.is_relative_to(workspace):
            file = file.relative_to(workspace)
        properties.append(f"file={_escape(file.as_posix(), True)}")
        if line is not None:
            properties.append(f"line={line}")
        if column is not None:
            properties.append(f"col={column}")
    properties.append(f"title={_escape(title, True)}")
    return f"::{level} {','.join(properties)}::{_escape(message)}"


def _place(source: str | None, root: Path) -> tuple[Path | None, int | None, int | None]:
    """A problem's ``file:line:col`` (relative to the project root) as a path and numbers."""
    if not source:
        return None, None, None
    parts = source.rsplit(":", 2)
    if len(parts) != 3 or not (parts[1].isdigit() and parts[2].isdigit()):
        return (root / source).resolve(), None, None
    return (root / parts[0]).resolve(), int(parts[1]), int(parts[2])


def render_github(plan: Plan, root: Path, workspace: Path) -> list[str]:
    """One annotation per plan problem, at the spec that asked for what failed.

    ``root`` is the project directory the problems' sources are relative to.
    """
    lines = []
    for problem in plan.problems:
        file, line, column = _place(problem.source, root)
        target = f" {problem.target}" if problem.target else ""
        lines.append(
            workflow_command(
                "error" if problem.severity == "error" else "warning",
                f"{problem.registry}{target}: {problem.message}",
                title=f"reconciler plan ({problem.registry})",
                file=file,
                line=line,
                column=column,
                workspace=workspace,
            )
        )
    return lines
