"""Terraform-like text view, marked up for rich (colour on a TTY, plain otherwise)."""

from __future__ import annotations

import json

from rich.markup import escape

from reconciler._words import plural
from reconciler.engine.plan import Action, Kind, Plan

from ._diff import schema_diff, summary_line

SYMBOL = {
    Kind.REGISTER: ("+", "green"),
    Kind.SET_COMPATIBILITY: ("~", "yellow"),
    Kind.SET_MODE: ("~", "yellow"),
    Kind.DELETE_MODE: ("~", "yellow"),
    Kind.DELETE_SUBJECT: ("-", "red"),
    Kind.DELETE_VERSION: ("-", "red"),
}
VERB = {
    Kind.REGISTER: "register",
    Kind.SET_COMPATIBILITY: "compatibility",
    Kind.SET_MODE: "mode",
    Kind.DELETE_MODE: "mode",
    Kind.DELETE_SUBJECT: "delete",
    Kind.DELETE_VERSION: "delete",
}
DIFF_STYLE = {"+": "green", "-": "red", "@": "cyan"}


def _action_lines(action: Action) -> list[str]:
    symbol, colour = SYMBOL[action.kind]
    head = f"  [{colour}]{symbol}[/] {VERB[action.kind]:<13} {escape(action.label)}"
    if action.kind is Kind.REGISTER:
        reg = action.registration
        assert reg is not None
        version = f"version {action.after}"
        if reg.id is not None:
            version += f", id {reg.id}"
        head += f"  ({reg.schema_type}, {version}: {escape(action.reason)})"
        lines = [head]
        if reg.verdict is not None and reg.verdict.level != "NONE" and reg.verdict.checked_versions:
            ok = "compatible" if reg.verdict.compatible else "[red]INCOMPATIBLE[/]"
            checked = ", ".join(map(str, reg.verdict.checked_versions))
            lines.append(f"      {ok} ({reg.verdict.level}, checked against version {checked})")
        for ref in reg.references:
            lines.append(
                f"      reference {escape(ref.name)} -> {escape(ref.subject)} version {ref.version}"
            )
        if reg.metadata:
            lines.append(f"      metadata {escape(json.dumps(reg.metadata, sort_keys=True))}")
        if reg.rule_set:
            lines.append(f"      ruleSet {escape(json.dumps(reg.rule_set, sort_keys=True))}")
        for line in schema_diff(action):
            style = DIFF_STYLE.get(line[0])
            text = escape(line)
            lines.append(f"      [{style}]{text}[/]" if style else f"      {text}")
        return lines
    if action.kind is Kind.DELETE_SUBJECT:
        what = "permanently" if action.permanent else f"soft, {action.before}"
        return [f"{head}  ({what}: {escape(action.reason)})"]
    if action.kind is Kind.DELETE_VERSION:
        what = "permanently" if action.permanent else "soft"
        return [f"{head}  version {action.version} ({what})"]
    after = action.after or "(not set)"
    note = f"  [dim]{escape(action.reason)}[/]" if action.restore or action.force else ""
    return [f"{head}  {action.before or '(not set)'} -> {after}{note}"]


def render_text(plan: Plan) -> str:
    """The whole plan as rich markup; print with a rich Console."""
    lines: list[str] = []
    for state in plan.registries:
        actions = [a for a in plan.actions if a.registry == state.name]
        contexts = ", ".join(state.contexts)
        header = f"[bold]Registry {escape(state.display)}[/]"
        lines.append(f"{header}, contexts: {escape(contexts)}")
        if len(state.answered) > 1:
            answered = ", then ".join(state.answered)
            lines.append(f"  [yellow]failed over: answered by {escape(answered)}[/]")
        if not actions:
            lines.append("  no changes")
        for action in actions:
            lines += _action_lines(action)
        lines.append("")
    for problem in plan.problems:
        colour = "red" if problem.severity == "error" else "yellow"
        where = f"{problem.source}: " if problem.source else ""
        target = f" {problem.target}:" if problem.target else ""
        lines.append(
            f"[{colour}]{problem.severity}[/]: {escape(where)}{escape(problem.registry)}"
            f"{escape(target)} {escape(problem.message)}"
        )
    if plan.problems:
        lines.append("")
    if plan.errors:
        lines.append(f"Plan failed: {plural(len(plan.errors), 'error')}. Nothing can be applied.")
    elif not plan.has_changes:
        lines.append("No changes. The registries match the specs.")
    else:
        lines.append(summary_line(plan.counts()))
    return "\n".join(lines)
