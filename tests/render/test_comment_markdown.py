"""The plan as a PR comment: failed first, problems first, shrunk without losing them.

The markdown is checked with a real CommonMark parser (markdown-it-py): every
``<details>`` is closed and every code fence is closed, whatever was cut.
"""

from __future__ import annotations

import json

from reconciler.engine.plan import (
    Plan,
    Problem,
    Register,
    Registration,
    RegistryState,
    Scope,
    Verdict,
)
from reconciler.render import render_markdown
from reconciler.render.markdown import MARKER

from .markdown_check import assert_balanced

LIMIT = 65_000


def _schema(index: int, fields: int = 40) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": f"Subject{index}",
            "doc": "```not a fence``` and <details> in a doc",
            "fields": [{"name": f"field_{n}", "type": "string"} for n in range(fields)],
        },
        indent=2,
    )


def _register(index: int) -> Register:
    return Register(
        "dev",
        ".",
        Scope.SUBJECT,
        f"subject-{index}-value",
        "new subject",
        None,
        "1",
        registration=Registration("AVRO", _schema(index), verdict=Verdict("BACKWARD", True)),
        source=f"specs/s{index}.yaml:3:3",
    )


ERRORS = [
    Problem(
        "error",
        "dev",
        "orders-value",
        "the new schema is not BACKWARD compatible with version 1: "
        "READER_FIELD_MISSING_DEFAULT_VALUE total",
        "specs/orders.yaml:13:3",
    ),
    Problem(
        "error",
        "dev",
        "refs-value",
        "reference Money points to subject money, which neither the specs nor the registry have",
        "specs/refs.yaml:4:3",
    ),
    Problem("warning", "dev", "x-value", "kept although the context is pruned", "specs/x.yaml:2:3"),
]


def _plan(subjects: int, problems: list[Problem]) -> Plan:
    return Plan(
        registries=[RegistryState("dev", "dev (https://sr)", "f")],
        actions=[_register(i) for i in range(subjects)],
        problems=problems,
    )


def test_a_failed_plan_without_actions_says_failed_not_no_changes() -> None:
    markdown = render_markdown(_plan(0, ERRORS[:1]))
    assert markdown.startswith(MARKER)
    assert "**❌ Plan failed: 1 error.**" in markdown
    assert "No changes" not in markdown
    assert "`specs/orders.yaml:13:3`" in markdown
    assert_balanced(markdown)


def test_a_failed_plan_with_actions_heads_with_the_failure_and_problems_come_first() -> None:
    markdown = render_markdown(_plan(2, ERRORS))
    headline = next(line for line in markdown.splitlines() if line.startswith("**"))
    assert headline.startswith("**❌ Plan failed: 2 errors.**"), headline
    assert markdown.index("### Problems") < markdown.index("| registry |")
    assert markdown.index("specs/refs.yaml:4:3") < markdown.index("<details>")
    assert_balanced(markdown)


def test_a_clean_plan_heads_with_its_summary() -> None:
    markdown = render_markdown(_plan(2, []))
    assert "**Plan: 2 to register, 0 to change, 0 to delete.**" in markdown
    assert "### Problems" not in markdown
    assert render_markdown(_plan(0, [])).count("**No changes.**") == 1


def test_500_subjects_with_errors_shrink_to_a_comment_keeping_every_problem() -> None:
    plan = _plan(500, ERRORS)
    full = render_markdown(plan)
    assert len(full) > 5 * LIMIT
    assert_balanced(full)
    shrunk = render_markdown(plan, limit=LIMIT)
    assert len(shrunk) <= LIMIT
    assert shrunk.startswith(MARKER)
    assert "**❌ Plan failed: 2 errors.**" in shrunk
    for problem in ERRORS:
        assert f"`{problem.source}`" in shrunk and problem.message in shrunk
    assert "job summary" in shrunk and "artifact" in shrunk
    assert "left out" in shrunk
    assert_balanced(shrunk)


def test_even_a_table_too_long_for_a_comment_keeps_the_problems() -> None:
    plan = _plan(3000, ERRORS)
    shrunk = render_markdown(plan, limit=LIMIT)
    assert len(shrunk) <= LIMIT
    for problem in ERRORS:
        assert problem.message in shrunk
    assert_balanced(shrunk)


def test_problem_text_cannot_open_html_or_break_the_list() -> None:
    evil = Problem("error", "dev", "a|b", "bad <details> and ```fence\nsecond line", "s.yaml:1:1")
    markdown = render_markdown(_plan(1, [evil]))
    assert_balanced(markdown)
    assert "&lt;details&gt;" in markdown
