"""Markdown view for pull-request comments: summary table, collapsible diffs."""

from __future__ import annotations

from reconciler.engine.plan import Kind, Plan

from ._diff import schema_diff, summary_line

MARKER = "<!-- reconciler-plan -->"  # lets the Action find and update its own comment


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(plan: Plan) -> str:
    out = [MARKER, "## reconciler plan", ""]
    if plan.has_changes:
        out.append(f"**{summary_line(plan.counts())}**")
    else:
        out.append("**No changes.** The registries match the specs.")
    out.append("")
    if plan.actions:
        out += ["| | registry | target | change | compatibility |", "|---|---|---|---|---|"]
        for action in plan.actions:
            symbol = {Kind.REGISTER: "+", Kind.DELETE_SUBJECT: "-", Kind.DELETE_VERSION: "-"}.get(
                action.kind, "~"
            )
            compat = ""
            if action.kind is Kind.DELETE_SUBJECT:
                change = f"delete subject{' permanently' if action.permanent else ''}: "
                change += action.reason
            elif action.kind is Kind.DELETE_VERSION:
                change = f"delete version {action.version}"
                change += " permanently" if action.permanent else ""
            elif action.kind is Kind.REGISTER:
                change = f"register version {action.after}: {action.reason}"
                verdict = action.registration.verdict if action.registration else None
                compat = (
                    "-"
                    if verdict is None
                    else (f"{'✅' if verdict.compatible else '❌'} {verdict.level}")
                )
            else:
                what = "compatibility" if action.kind is Kind.SET_COMPATIBILITY else "mode"
                change = f"{what} {action.before or '(not set)'} → {action.after or '(not set)'}"
            out.append(
                f"| `{symbol}` | {_cell(action.registry)} | `{_cell(action.label)}` | "
                f"{_cell(change)} | {compat} |"
            )
        out.append("")
    for action in plan.actions:
        if action.kind is not Kind.REGISTER:
            continue
        out += [
            f"<details><summary><code>{action.label}</code> version {action.after} "
            f"({action.registry})</summary>",
            "",
            "```diff",
        ]
        out += schema_diff(action)
        out += ["```", "", "</details>", ""]
    if plan.problems:
        out.append("### Problems")
        for p in plan.problems:
            where = f" (`{p.source}`)" if p.source else ""
            out.append(f"- **{p.severity}** {p.registry} `{p.target}`{where}: {p.message}")
        out.append("")
    return "\n".join(out)
