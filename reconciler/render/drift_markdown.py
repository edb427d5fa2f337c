"""The drift report (``reconcile drift -o json``'s object) as markdown: for
``drift -o markdown`` and for the GitHub issue the drift Action keeps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler._words import plural

MAX_ROWS = 200  # GitHub refuses issue bodies over 65,536 characters


def _cell(value: object) -> str:
    return str(value if value is not None else "(not set)").replace("|", "\\|").replace("\n", " ")


def drift_markdown(report: Mapping[str, Any], run_url: str | None = None) -> str:
    """Status first, then each difference, each problem, and the run when given."""
    status = report.get("status", "error")
    differences = list(report.get("differences") or [])
    problems = list(report.get("problems") or [])
    headline = {
        "drifted": f"**Drift found**: {plural(len(differences), 'difference')} between the "
        "registries and the specs.",
        "error": f"**The drift check failed**: {plural(len(problems), 'problem')}.",
        "clean": "**No drift**: the registries match the specs.",
    }.get(status, f"Status: {status}.")
    out = [headline, ""]
    # An apply running now or one that was interrupted explains what follows:
    # the same notes the text view prints first.
    out += [f"> **Note:** {_cell(note)}" for note in report.get("applies") or []]
    if report.get("applies"):
        out.append("")
    if run_url:
        out += [f"Checked at {report.get('checked_at', '?')} by [this run]({run_url}).", ""]
    if differences:
        out += [
            "| registry | target | what | live | the specs want | apply repairs it |",
            "|---|---|---|---|---|---|",
        ]
        for d in differences[:MAX_ROWS]:
            out.append(
                f"| {_cell(d.get('registry'))} | `{_cell(d.get('target'))}` | "
                f"{_cell(d.get('what'))} | {_cell(d.get('live'))} | {_cell(d.get('desired'))} | "
                f"{'yes' if d.get('repairable', True) else 'no'} |"
            )
        if len(differences) > MAX_ROWS:
            out.append(f"\n… and {len(differences) - MAX_ROWS} more: see the run.")
        out.append("")
    if problems:
        out.append("### Problems")
        for p in problems[:MAX_ROWS]:
            where = f" (`{p['source']}`)" if p.get("source") else ""
            out.append(f"- **{p.get('severity', 'error')}**{where}: {_cell(p.get('message'))}")
        out.append("")
    if differences:
        out.append(
            "`reconcile apply` brings back what it repairs; the others need a hand "
            "(see docs/workflows.md, `reconcile drift`)."
        )
    return "\n".join(out).rstrip("\n") + "\n"
