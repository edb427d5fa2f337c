"""A text plan on a terminal (rich, styled) shows the same characters as in a pipe.

``print_view`` prints the plain view into a pipe and rich's markup on a
terminal; with the colours taken out, the two must be the same text, whatever
the names and messages hold: backslashes (one ending a text, one before a
``[``), ``[`` and ``]`` sequences that read as markup.
"""

from __future__ import annotations

import functools
import io
import re
from contextlib import redirect_stdout

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reconciler.cli import _common
from reconciler.cli._common import print_view
from reconciler.engine.plan import Plan
from reconciler.render import render_text

from .test_plain_output import plan_of

ANSI = re.compile(r"\x1b\[[0-9;]*m")
TEXTS = [
    "a\\",
    "a\\\\",
    "\\[bold]",
    "\\\\[bold]x",
    "[bold]",
    "[/]",
    "[link=x]",
    "a\\[1]",
    "x [/] \\",
]


def _printed(plan: Plan, monkeypatch: pytest.MonkeyPatch, terminal: bool) -> str:
    with monkeypatch.context() as patch:
        for name in _common._STYLE_VARIABLES:
            patch.delenv(name, raising=False)
        patch.delenv("NO_COLOR", raising=False)
        if terminal:
            patch.setenv("FORCE_COLOR", "1")
        out = io.StringIO()
        with redirect_stdout(out):
            print_view(functools.partial(render_text, plan))
    return out.getvalue()


def _same_on_a_terminal(plan: Plan, monkeypatch: pytest.MonkeyPatch) -> None:
    piped = _printed(plan, monkeypatch, terminal=False)
    styled = _printed(plan, monkeypatch, terminal=True)
    assert "\x1b[" in styled  # rich printed it, styled
    assert piped == render_text(plan, markup=False) + "\n"
    assert ANSI.sub("", styled) == piped


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("failed", [False, True])
def test_a_terminal_shows_names_and_messages_as_a_pipe_does(
    text: str, failed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    _same_on_a_terminal(plan_of(f"n{text}", text, failed), monkeypatch)
    _same_on_a_terminal(plan_of(text, f"m {text}", failed), monkeypatch)


@given(
    name=st.text(st.sampled_from("\\[]/=#@ab:1"), max_size=10),
    message=st.text(st.sampled_from("\\[]/=#@ab:1 "), max_size=20),
    failed=st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_any_markup_like_name_and_message_show_alike(name: str, message: str, failed: bool) -> None:
    plan = plan_of(name, message, failed)
    # rich changes what no escape covers: trailing white space (test_plain_output.py)
    assume(_common._printed_unchanged(render_text(plan, markup=False)))
    with pytest.MonkeyPatch.context() as monkeypatch:
        _same_on_a_terminal(plan, monkeypatch)


def test_an_error_ending_in_a_backslash_shows_it_once(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _common.fail("cannot read C:\\specs\\[x]\\")
    assert capsys.readouterr().err == "error: cannot read C:\\specs\\[x]\\\n"
