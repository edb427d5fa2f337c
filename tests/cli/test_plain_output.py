"""A text plan printed where rich would print no style is printed without rich, the same.

``cli/_common.py``'s ``print_view`` prints ``render_text(plan, markup=False)``
as it is when stdout is no terminal and rich would print that text unchanged;
else rich prints the markup. Either way stdout must hold what rich's console
prints of the markup: each case compares the two, on plans of every kind and on
generated names and messages (markup, escapes, control characters, tabs,
trailing spaces, any Unicode).
"""

from __future__ import annotations

import functools
import io
import os
import pty
from contextlib import redirect_stdout

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.cli import _common
from reconciler.cli._common import console, print_view
from reconciler.engine.plan import (
    DeleteMode,
    DeleteSubject,
    DeleteVersion,
    Plan,
    Problem,
    Register,
    Registration,
    RegistryState,
    Scope,
    SetCompatibility,
    SetMode,
    Verdict,
)
from reconciler.registry import Reference
from reconciler.render import render_text

OLD = '{"type": "record", "name": "A", "fields": [{"name": "a", "type": "string"}]}'
NEW = (
    '{"type": "record", "name": "A", "fields": [{"name": "a", "type": "string"}, '
    '{"name": "b", "type": ["null", "string"], "default": null}]}'
)


def plan_of(name: str, message: str, failed: bool = False) -> Plan:
    """A plan with every kind of action and problem, ``name`` and ``message`` in each
    place the view prints a subject, a registry or a message."""
    reg = Registration(
        "AVRO",
        NEW,
        (Reference(name, name, 3),),
        False,
        1,
        OLD,
        Verdict("BACKWARD", failed, (1,), ()),
        metadata={"properties": {name: message}},
    )
    subject = Scope.SUBJECT
    actions = [
        SetCompatibility(name, ".", Scope.GLOBAL, "", message, "BACKWARD", "FULL"),
        SetMode(name, ".billing", Scope.CONTEXT, ":.billing:", message, None, "READONLY"),
        SetMode(name, ".", subject, name, message, None, "IMPORT", force=True),
        Register(name, ".", subject, name, message, "1", "2", registration=reg, source=name),
        DeleteMode(name, ".", subject, name, message, "IMPORT", None, restore=True),
        DeleteVersion(name, ".", subject, name, message, version=1),
        DeleteSubject(name, ".", subject, name, message, "2 versions"),
        DeleteSubject(name, ".", subject, name, message, permanent=True),
    ]
    problems = [Problem("warning", name, name, message, source=name)]
    if failed:
        problems.append(Problem("error", name, "", message))
    state = RegistryState(name, f"{name} ({message})", "abc", False, (".", name), (name, message))
    return Plan([state], actions, problems)


def by_rich(plan: Plan) -> str:
    """What the CLI printed of a text plan before ``print_view``: rich, always."""
    out = io.StringIO()
    with redirect_stdout(out):
        console().print(render_text(plan))
    return out.getvalue()


def printed(plan: Plan) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        print_view(functools.partial(render_text, plan))
    return out.getvalue()


@pytest.fixture(autouse=True)
def no_style_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _common._STYLE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


PLANS = {
    "no changes": Plan([RegistryState("dev", "dev (http://127.0.0.1:1)", "f", False, (".",))]),
    "every action": plan_of("orders-value", "schema differs"),
    "failed": plan_of("orders-value", "not compatible", failed=True),
    "markup": plan_of("a[bold]b[/]c", "[/] :smile: [red] [@click]"),
    "escapes": plan_of("a\\[x]\\", "[/] \\\\[red] x\\"),
    # The metadata's JSON escapes non-ASCII characters with backslashes.
    "wide characters": plan_of("注文-value", "é ü ß 🙂"),
}


@pytest.mark.parametrize("plan", PLANS.values(), ids=PLANS.keys())
def test_a_plan_is_printed_without_rich_as_rich_prints_it(
    plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_common, "console", None)  # print_view must not need it
    assert printed(plan) == by_rich(plan)


@pytest.mark.parametrize(
    "message",
    ["a\tb", "bell\x07", "cr\r", "trailing space ", "nbsp\u00a0x", "esc\x1b[31m"],
)
def test_text_rich_would_change_is_printed_by_rich(message: str) -> None:
    plan = Plan(
        [RegistryState("dev", "dev", "f", False, (".",))],
        problems=[Problem("warning", "dev", "x-value", message)],
    )
    assert not _common._printed_unchanged(render_text(plan, markup=False))
    assert printed(plan) == by_rich(plan)


@given(name=st.text(max_size=12), message=st.text(max_size=30), failed=st.booleans())
@settings(max_examples=300, deadline=None)
def test_any_name_and_message_print_as_rich_prints_them(
    name: str, message: str, failed: bool
) -> None:
    plan = plan_of(name, message, failed)
    assert printed(plan) == by_rich(plan)


@pytest.mark.parametrize(
    ("variables", "terminal"),
    [({}, False), ({"FORCE_COLOR": "1"}, True), ({"TTY_COMPATIBLE": "1"}, True)],
)
def test_a_style_rich_would_print_goes_through_rich(
    variables: dict[str, str], terminal: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where rich's console styles stdout, ``print_view`` leaves the printing to it."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    out = io.StringIO()
    with redirect_stdout(out):
        assert console().is_terminal is terminal
        assert _common._may_style_stdout() is terminal
        plan = PLANS["every action"]
        print_view(functools.partial(render_text, plan))
    assert ("\x1b[" in out.getvalue()) is terminal


def test_a_terminal_gets_rich_styles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    reader, writer = pty.openpty()
    try:
        with os.fdopen(writer, "w") as terminal, redirect_stdout(terminal):
            print_view(functools.partial(render_text, PLANS["no changes"]))
        assert b"\x1b[" in os.read(reader, 1 << 16)
    finally:
        os.close(reader)
