"""Terraform-like text view, marked up for rich (colour on a TTY, plain otherwise)."""

from __future__ import annotations

import json
from functools import singledispatch

from rich.markup import escape

from reconciler._words import plural
from reconciler.engine import (
    Action,
    DeleteMode,
    DeleteSubject,
    DeleteVersion,
    Plan,
    Problem,
    Register,
    SetCompatibility,
    SetMode,
)

from ._diff import schema_diff, summary_line

DIFF_STYLE = {"+": "green", "-": "red", "~": "yellow", "@": "cyan"}


def _head(symbol: str, colour: str, verb: str, action: Action) -> str:
    return f"  [{colour}]{symbol}[/] {verb:<13} {escape(action.label)}"


@singledispatch
def _action_lines(action: Action) -> list[str]:
    """The lines that show one action; one function per kind."""
    raise TypeError(f"no text view of a {type(action).__name__}")


@_action_lines.register
def _(action: Register) -> list[str]:
    reg = action.registration
    version = f"version {action.after}"
    if reg.id is not None:
        version += f", id {reg.id}"
    head = _head("+", "green", "register", action)
    lines = [f"{head}  ({reg.schema_type}, {version}: {escape(action.reason)})"]
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


@_action_lines.register
def _(action: DeleteSubject) -> list[str]:
    what = "permanently" if action.permanent else f"soft, {action.before}"
    return [f"{_head('-', 'red', 'delete', action)}  ({what}: {escape(action.reason)})"]


@_action_lines.register
def _(action: DeleteVersion) -> list[str]:
    what = "permanently" if action.permanent else "soft"
    return [f"{_head('-', 'red', 'delete', action)}  version {action.version} ({what})"]


@_action_lines.register
def _(action: SetCompatibility) -> list[str]:
    return [_setting(_head("~", "yellow", "compatibility", action), action, "")]


@_action_lines.register
def _(action: SetMode) -> list[str]:
    noted = action.restore or action.force
    return [_setting(_head("~", "yellow", "mode", action), action, action.reason if noted else "")]


@_action_lines.register
def _(action: DeleteMode) -> list[str]:
    note = action.reason if action.restore else ""
    return [_setting(_head("~", "yellow", "mode", action), action, note)]


def _setting(head: str, action: Action, note: str) -> str:
    """A level or mode change: before -> after, and why when it is a temporary switch."""
    shown = f"  [dim]{escape(note)}[/]" if note else ""
    return f"{head}  {action.before or '(not set)'} -> {action.after or '(not set)'}{shown}"


def render_text(plan: Plan) -> str:
    """The whole plan as rich markup; print with a rich Console.

    A plan that failed says so on its first line, then its problems (errors
    first), then what it would have done: the first line a reviewer reads is
    what went wrong. The last line is the verdict either way.
    """
    verdict = _verdict(plan)
    problems = [
        _problem_line(p) for p in sorted(plan.problems, key=lambda p: p.severity != "error")
    ]
    lines: list[str] = [verdict, *problems, ""] if plan.errors else []
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
    if problems and not plan.errors:
        lines += [*problems, ""]
    lines.append(verdict)
    return "\n".join(lines)


def _problem_line(problem: Problem) -> str:
    colour = "red" if problem.severity == "error" else "yellow"
    where = f"{problem.source}: " if problem.source else ""
    target = f" {problem.target}:" if problem.target else ""
    return (
        f"[{colour}]{problem.severity}[/]: {escape(where)}{escape(problem.registry)}"
        f"{escape(target)} {escape(problem.message)}"
    )


def _verdict(plan: Plan) -> str:
    if plan.errors:
        return f"[red]Plan failed[/]: {plural(len(plan.errors), 'error')}. Nothing can be applied."
    if not plan.has_changes:
        return "No changes. The registries match the specs."
    return summary_line(plan.counts())
