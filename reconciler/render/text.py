"""Terraform-like text view, marked up for rich (colour on a TTY), or plain.

Plain (``render_text(plan, markup=False)``): the same text with no markup and
nothing escaped, what rich prints of the marked-up view where it prints no
style, for a CLI that prints into a pipe or a file without importing rich
(``cli/_common.py``'s ``print_view``; tests/render/test_plain_text.py compares
the two).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import singledispatch

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
from .markup import escape, style

DIFF_STYLE = {"+": "green", "-": "red", "~": "yellow", "@": "cyan"}


def _same(text: str) -> str:
    return text


class _Markup:
    """How the view marks its text up: rich markup (``escape`` the text that is not
    markup, ``style`` a piece of markup; ``markup.py`` says why not rich's escape), or
    not at all."""

    def __init__(self, markup: bool) -> None:
        self.escape: Callable[[str], str] = escape if markup else _same
        self.markup = markup

    def style(self, name: str, markup: str) -> str:
        return style(name, markup) if self.markup else markup


def _head(m: _Markup, symbol: str, colour: str, verb: str, action: Action) -> str:
    return f"  {m.style(colour, symbol)} {verb:<13} {m.escape(action.label)}"


@singledispatch
def _action_lines(action: Action, m: _Markup) -> list[str]:
    """The lines that show one action; one function per kind."""
    raise TypeError(f"no text view of a {type(action).__name__}")


@_action_lines.register
def _(action: Register, m: _Markup) -> list[str]:
    reg = action.registration
    version = f"version {action.after}"
    if reg.id is not None:
        version += f", id {reg.id}"
    head = _head(m, "+", "green", "register", action)
    lines = [f"{head}  ({reg.schema_type}, {version}: {m.escape(action.reason)})"]
    if reg.verdict is not None and reg.verdict.level != "NONE" and reg.verdict.checked_versions:
        ok = "compatible" if reg.verdict.compatible else m.style("red", "INCOMPATIBLE")
        checked = ", ".join(map(str, reg.verdict.checked_versions))
        lines.append(f"      {ok} ({reg.verdict.level}, checked against version {checked})")
    for ref in reg.references:
        lines.append(
            f"      reference {m.escape(ref.name)} -> {m.escape(ref.subject)} version {ref.version}"
        )
    if reg.metadata:
        lines.append(f"      metadata {m.escape(json.dumps(reg.metadata, sort_keys=True))}")
    if reg.rule_set:
        lines.append(f"      ruleSet {m.escape(json.dumps(reg.rule_set, sort_keys=True))}")
    for line in schema_diff(action):
        style = DIFF_STYLE.get(line[0])
        text = m.escape(line)
        lines.append(f"      {m.style(style, text)}" if style else f"      {text}")
    return lines


@_action_lines.register
def _(action: DeleteSubject, m: _Markup) -> list[str]:
    what = "permanently" if action.permanent else f"soft, {action.before}"
    return [f"{_head(m, '-', 'red', 'delete', action)}  ({what}: {m.escape(action.reason)})"]


@_action_lines.register
def _(action: DeleteVersion, m: _Markup) -> list[str]:
    what = "permanently" if action.permanent else "soft"
    return [f"{_head(m, '-', 'red', 'delete', action)}  version {action.version} ({what})"]


@_action_lines.register
def _(action: SetCompatibility, m: _Markup) -> list[str]:
    return [_setting(m, _head(m, "~", "yellow", "compatibility", action), action, "")]


@_action_lines.register
def _(action: SetMode, m: _Markup) -> list[str]:
    note = action.reason if action.restore or action.force else ""
    return [_setting(m, _head(m, "~", "yellow", "mode", action), action, note)]


@_action_lines.register
def _(action: DeleteMode, m: _Markup) -> list[str]:
    note = action.reason if action.restore else ""
    return [_setting(m, _head(m, "~", "yellow", "mode", action), action, note)]


def _setting(m: _Markup, head: str, action: Action, note: str) -> str:
    """A level or mode change: before -> after, and why when it is a temporary switch."""
    shown = f"  {m.style('dim', m.escape(note))}" if note else ""
    return f"{head}  {action.before or '(not set)'} -> {action.after or '(not set)'}{shown}"


def render_text(plan: Plan, markup: bool = True) -> str:
    """The whole plan as rich markup, to print with a rich Console; or, with
    ``markup=False``, as the plain text such a console prints of it without style.

    A plan that failed says so on its first line, then its problems (errors
    first), then what it would have done: the first line a reviewer reads is
    what went wrong. The last line is the verdict either way.
    """
    m = _Markup(markup)
    verdict = _verdict(m, plan)
    problems = [
        _problem_line(m, p) for p in sorted(plan.problems, key=lambda p: p.severity != "error")
    ]
    lines: list[str] = [verdict, *problems, ""] if plan.errors else []
    for state in plan.registries:
        actions = [a for a in plan.actions if a.registry == state.name]
        contexts = ", ".join(state.contexts)
        header = m.style("bold", f"Registry {m.escape(state.display)}")
        lines.append(f"{header}, contexts: {m.escape(contexts)}")
        if len(state.answered) > 1:
            answered = ", then ".join(state.answered)
            lines.append(f"  {m.style('yellow', f'failed over: answered by {m.escape(answered)}')}")
        if not actions:
            lines.append("  no changes")
        for action in actions:
            lines += _action_lines(action, m)
        lines.append("")
    if problems and not plan.errors:
        lines += [*problems, ""]
    lines.append(verdict)
    return "\n".join(lines)


def _problem_line(m: _Markup, problem: Problem) -> str:
    colour = "red" if problem.severity == "error" else "yellow"
    where = f"{problem.source}: " if problem.source else ""
    target = f" {problem.target}:" if problem.target else ""
    return (
        f"{m.style(colour, problem.severity)}: {m.escape(where)}{m.escape(problem.registry)}"
        f"{m.escape(target)} {m.escape(problem.message)}"
    )


def _verdict(m: _Markup, plan: Plan) -> str:
    if plan.errors:
        failed = m.style("red", "Plan failed")
        return f"{failed}: {plural(len(plan.errors), 'error')}. Nothing can be applied."
    if not plan.has_changes:
        return "No changes. The registries match the specs."
    return summary_line(plan.counts())
