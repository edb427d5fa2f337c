"""Markdown view for pull-request comments: headline, problems, summary table, diffs.

What a reviewer must know comes first: a failed plan is headed "Plan failed:
N errors" (never "No changes", never the action counts first), and its
problems follow at once, each at its ``file:line``. A comment has a size
limit (GitHub refuses bodies over 65,536 characters); ``render_markdown(plan,
limit=...)`` shrinks the comment by leaving out schema diffs, then table
rows, never problems (only when the problems alone exceed the limit are the
last ones left out, warnings first), and says so and where the full plan is.
Every block is whole (a ``<details>`` with its closing tag, a code fence
with its closing fence), so whatever is left out, the markdown stays balanced.
"""

from __future__ import annotations

import html
import re
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

MARKER = "<!-- reconciler-plan -->"  # lets the Action find and update its own comment

# Where the full plan is when the comment is shortened; the Action writes both.
FULL_PLAN = "the job summary and the `reconcile-plan` artifact"

_BACKTICKS = re.compile(r"`+")


def _cell(text: str) -> str:
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    """Inline code that no backtick in ``text`` can close early."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text.replace(chr(10), ' ')}{pad}{fence}"


def headline(plan: Plan) -> str:
    """The first thing the comment says: failed (how many errors), or what changes."""
    warnings = len(plan.problems) - len(plan.errors)
    also = f" ({plural(warnings, 'warning')})" if warnings else ""
    if plan.errors:
        line = f"**❌ Plan failed: {plural(len(plan.errors), 'error')}.** Nothing can be applied"
        if plan.has_changes:
            counts = summary_line(plan.counts()).removeprefix("Plan: ")
            line += f" until they are fixed; it would otherwise make {counts}"
        else:
            line += " until they are fixed."
        return line + also
    if plan.has_changes:
        return f"**{summary_line(plan.counts())}**{also}"
    return f"**No changes.** The registries match the specs.{also}"


def _problem_line(problem: Problem) -> str:
    icon = "❌" if problem.severity == "error" else "⚠️"
    where = f"{_code(problem.source)} " if problem.source else ""
    target = f" {_code(problem.target)}" if problem.target else ""
    message = _cell(problem.message)
    return f"- {icon} **{problem.severity}** {where}{_cell(problem.registry)}{target}: {message}"


def _row(action: Action) -> str:
    symbol, change, compat = _change(action)
    return (
        f"| `{symbol}` | {_cell(action.registry)} | {_code(action.label)} | "
        f"{_cell(change)} | {compat} |"
    )


@singledispatch
def _change(action: Action) -> tuple[str, str, str]:
    """(symbol, change, compatibility verdict) of one action's table row."""
    raise TypeError(f"no markdown view of a {type(action).__name__}")


@_change.register
def _(action: Register) -> tuple[str, str, str]:
    verdict = action.registration.verdict
    compat = "-" if verdict is None else f"{'✅' if verdict.compatible else '❌'} {verdict.level}"
    return "+", f"register version {action.after}: {action.reason}", compat


@_change.register
def _(action: DeleteSubject) -> tuple[str, str, str]:
    permanently = " permanently" if action.permanent else ""
    return "-", f"delete subject{permanently}: {action.reason}", ""


@_change.register
def _(action: DeleteVersion) -> tuple[str, str, str]:
    permanently = " permanently" if action.permanent else ""
    return "-", f"delete version {action.version}{permanently}", ""


@_change.register
def _(action: SetCompatibility) -> tuple[str, str, str]:
    return "~", _setting("compatibility", action), ""


@_change.register
def _(action: SetMode | DeleteMode) -> tuple[str, str, str]:
    return "~", _setting("mode", action), ""


def _setting(what: str, action: Action) -> str:
    return f"{what} {action.before or '(not set)'} → {action.after or '(not set)'}"


def _diff_block(action: Register) -> str:
    lines = schema_diff(action)
    longest = max((len(r) for line in lines for r in _BACKTICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    summary = (
        f"<code>{html.escape(action.label)}</code> version {html.escape(str(action.after))} "
        f"({html.escape(action.registry)})"
    )
    return "\n".join(
        [
            f"<details><summary>{summary}</summary>",
            "",
            f"{fence}diff",
            *lines,
            fence,
            "",
            "</details>",
        ]
    )


def render_markdown(plan: Plan, limit: int | None = None) -> str:
    """The plan as markdown; with ``limit``, at most that many characters."""
    head = [MARKER, "## reconciler plan", "", headline(plan), ""]
    head += [
        f"> registry {_cell(s.name)} failed over: answered by {_cell(', then '.join(s.answered))}\n"
        for s in plan.registries
        if len(s.answered) > 1
    ]
    head += [
        f"> registry {_cell(s.name)}: planned against {_code(s.base)}, the state its specs "
        "describe, not the live registry\n"
        for s in plan.registries
        if s.base is not None
    ]
    problems = sorted(plan.problems, key=lambda p: p.severity != "error")  # errors first
    parts = (
        [_problem_line(p) for p in problems],
        [_row(a) for a in plan.actions],
        [_diff_block(a) for a in plan.actions if isinstance(a, Register)],
    )
    full = _assemble(head, parts, parts)
    if limit is None or len(full) <= limit:
        return full
    # Greedy, in order of importance: problems, then table rows, then diffs.
    budget = limit - len(_assemble(head, ([], [], []), parts)) - _SECTION_HEADINGS
    kept: list[list[str]] = []
    for items in parts:
        taken = []
        for item in items:
            if len(item) + 2 > budget:
                break
            taken.append(item)
            budget -= len(item) + 2
        kept.append(taken)
    text = _assemble(head, (kept[0], kept[1], kept[2]), parts)
    while len(text) > limit:  # the estimate was short: drop from the least important
        for items in reversed(kept):
            if items:
                items.pop()
                break
        text = _assemble(head, (kept[0], kept[1], kept[2]), parts)
    return text


_SECTION_HEADINGS = 200  # "### Problems", the table's heading rows, blank lines

Parts = tuple[list[str], list[str], list[str]]


def _assemble(head: list[str], kept: Parts, full: Parts) -> str:
    problems, rows, diffs = kept
    out = list(head)
    if problems:
        out += ["### Problems", "", *problems, ""]
    if rows:
        out += ["### Changes", "", "| | registry | target | change | compatibility |"]
        out += ["|---|---|---|---|---|", *rows, ""]
    for block in diffs:
        out += [block, ""]
    gone = [
        plural(len(whole) - len(part), what)
        for part, whole, what in zip(
            kept, full, ("problem", "table row", "schema diff"), strict=True
        )
        if len(whole) > len(part)
    ]
    if gone:
        out += [
            f"_Shortened to fit a comment: {', '.join(gone)} left out. "
            f"The full plan is in {FULL_PLAN}._",
            "",
        ]
    return "\n".join(out)


_FENCE = re.compile(r"(`{3,}|~{3,})")


def cut(markdown: str, limit: int) -> str:
    """At most ``limit`` characters of any markdown, cut at a line boundary, its open
    code fence and ``<details>`` closed, and a note saying where the full text is."""
    if len(markdown) <= limit:
        return markdown
    note = f"_Shortened to fit a comment. The full text is in {FULL_PLAN}._\n"
    budget = limit - len(note) - 200  # the closers
    kept: list[str] = []
    fence: str | None = None
    details = size = 0
    for line in markdown.split("\n"):
        if size + len(line) + 1 > budget:
            if budget > size:  # the part of the line that fits (a fence line never is this long)
                kept.append(line[: budget - size])
            break
        kept.append(line)
        size += len(line) + 1
        stripped = line.strip()
        if fence is not None:
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = None
        elif match := _FENCE.match(stripped):
            fence = match.group(1)
        else:
            details += line.count("<details") - line.count("</details>")
    closers = ([fence] if fence else []) + ["</details>"] * max(details, 0)
    return "\n".join([*kept, *closers, "", note])
