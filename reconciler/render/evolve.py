"""Evolution advice (``reconcile evolve``) as terminal text and as markdown.

Both render the advice's JSON form (``format_version`` 1, see docs/evolve.md),
so that render does not depend on workflows and a saved report renders the
same. They list the verdict under every level (at most ``_MAX_BREAKS``
reasons a level, the rest counted) and each suggestion with its edits and
steps; the edited schema itself is in markdown's collapsed block and in the
JSON form, not in the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

_MAX_BREAKS = 5
_UNEDITED = ("loosen-level", "new-subject")  # their schema is the proposal as written

Report = Mapping[str, Any]


def _versions(numbers: list[int]) -> str:
    if not numbers:
        return "no version"
    word = "version" if len(numbers) == 1 else "versions"
    return f"{word} {', '.join(str(n) for n in numbers)}"


def headline(advice: Report) -> str:
    """One sentence: the verdict under the subject's level."""
    held = _versions(advice["versions"]) if advice["versions"] else "no versions yet"
    verdict = "compatible" if advice["compatible"] else "incompatible"
    return (
        f"{advice['subject']}: the proposed {advice['type']} schema is {verdict} under "
        f"{advice['level']} (the subject holds {held})"
    )


def _reasons(verdict: Report) -> list[str]:
    lines = []
    for item in verdict["breaks"][:_MAX_BREAKS]:
        where = f" at {item['location']}" if item["location"] else ""
        against = f" (version {item['version']})" if item["version"] is not None else ""
        lines.append(f"{item['rule']}{where}{against}: {item['message']}")
    if len(verdict["breaks"]) > _MAX_BREAKS:
        lines.append(f"... and {len(verdict['breaks']) - _MAX_BREAKS} more")
    return lines


def _verdict_line(verdict: Report) -> str:
    return "compatible" if verdict["compatible"] else f"breaks {_versions(verdict['versions'])}"


def _step_lines(suggestion: Report) -> list[str]:
    return [
        f"{i}. {step['description']} ({step['subject']})"
        for i, step in enumerate(suggestion["steps"], start=1)
    ]


def _detail_lines(suggestion: Report, code: Callable[[str], str]) -> list[str]:
    """A suggestion's rule and fix, edits, steps (when more than one) and cost, with
    ``code`` marking up the rule IDs and edits as each view shows code."""
    lines = []
    if suggestion.get("fix"):
        lines.append(f"{code(suggestion['rule'])}: {suggestion['fix']}")
    lines += [code(edit) for edit in suggestion["edits"]]
    if len(suggestion["steps"]) > 1:
        lines += _step_lines(suggestion)
    if suggestion["cost"]:
        lines.append(f"cost: {suggestion['cost']}")
    return lines


def text(advice: Report) -> str:
    lines = [headline(advice), "", "Under each level:"]
    for verdict in advice["verdicts"]:
        mark = "*" if verdict["level"] == advice["level"] else " "
        lines.append(f" {mark}{verdict['level']:<20} {_verdict_line(verdict)}")
        lines += [f"      {reason}" for reason in _reasons(verdict)]
    if advice["suggestions"]:
        lines += ["", f"Suggestions (each checked: it passes {advice['level']}):"]
        for number, suggestion in enumerate(advice["suggestions"], start=1):
            lines.append(f"  {number}. {suggestion['summary']} [{suggestion['kind']}]")
            lines += [f"       {line}" for line in _detail_lines(suggestion, str)]
        lines.append("  (the edited schemas: --output json or markdown)")
    elif not advice["compatible"]:
        lines += ["", "No suggestion passes the check."]
    return "\n".join(lines) + "\n"


def _schema_block(schema_type: str, schema: str, summary: str) -> list[str]:
    fence = "proto" if schema_type == "PROTOBUF" else "json"
    return [
        "",
        f"   <details><summary>{summary}</summary>",
        "",
        f"   ```{fence}",
        *[f"   {line}" for line in schema.rstrip("\n").splitlines()],
        "   ```",
        "",
        "   </details>",
    ]


def _code(text: str) -> str:
    return f"`{text}`"


def markdown(advice: Report) -> str:
    mark = "✅" if advice["compatible"] else "❌"
    lines = [f"### {mark} {headline(advice)}", "", "| level | verdict |", "|---|---|"]
    for verdict in advice["verdicts"]:
        level = verdict["level"]
        shown = f"**{level}**" if level == advice["level"] else level
        lines.append(f"| {shown} | {_verdict_line(verdict)} |")
    own = next((v for v in advice["verdicts"] if v["level"] == advice["level"]), None)
    if own is not None and own["breaks"]:
        lines += ["", f"Why, under {advice['level']}:", ""]
        lines += [f"- {reason}" for reason in _reasons(own)]
    if advice["suggestions"]:
        lines += ["", f"#### Suggestions (each checked: it passes {advice['level']})", ""]
        for number, suggestion in enumerate(advice["suggestions"], start=1):
            lines.append(f"{number}. **{suggestion['summary']}** (`{suggestion['kind']}`)")
            lines += [f"   - {line}" for line in _detail_lines(suggestion, _code)]
            first = suggestion["steps"][0].get("schema") if suggestion["steps"] else None
            if first and suggestion["kind"] not in _UNEDITED:
                summary = (
                    "the intermediate schema" if len(suggestion["steps"]) > 1 else "the schema"
                )
                lines += _schema_block(advice["type"], first, f"{summary} to register")
    return "\n".join(lines) + "\n"
