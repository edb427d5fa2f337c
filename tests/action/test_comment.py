"""The PR comment: one per pull request, updated in place, the token never shown."""

from __future__ import annotations

import pytest
from render.markdown_check import assert_balanced

from reconciler.action import CommentError, upsert_comment
from reconciler.action.comment import MAX_BODY, comment_body
from reconciler.render.markdown import MARKER

from .fake_github import fake_github

TOKEN = "ghs_secret_token_value"


def test_first_call_creates_then_updates_in_place() -> None:
    with fake_github(TOKEN) as github:
        github.comments.append({"id": 1, "body": "LGTM"})
        kwargs = {"repository": "acme/specs", "number": 7, "token": TOKEN, "api_url": github.url}
        assert upsert_comment(f"{MARKER}\nplan one", **kwargs) == "created"
        assert upsert_comment(f"{MARKER}\nplan two", **kwargs) == "updated"
        assert [c["body"] for c in github.comments] == ["LGTM", f"{MARKER}\nplan two"]


def test_the_marker_is_added_when_missing_and_pages_are_followed() -> None:
    with fake_github(TOKEN) as github:
        github.comments += [{"id": n, "body": f"comment {n}"} for n in range(150)]
        kwargs = {"repository": "acme/specs", "number": 7, "token": TOKEN, "api_url": github.url}
        assert upsert_comment("plan", **kwargs) == "created"
        assert upsert_comment("plan again", **kwargs) == "updated"
        assert github.comments[-1]["body"] == f"{MARKER}\nplan again"
        assert sum(1 for call in github.calls if call.startswith("GET")) == 4


def test_an_oversized_plan_is_cut_with_a_note() -> None:
    with fake_github(TOKEN) as github:
        upsert_comment(
            MARKER + "x" * (MAX_BODY * 2),
            repository="a/b",
            number=1,
            token=TOKEN,
            api_url=github.url,
        )
        body = github.comments[0]["body"]
        assert len(body) <= MAX_BODY and body.startswith(MARKER + "xxx")
        assert body.endswith(
            "The full text is in the job summary and the `reconcile-plan` artifact._\n"
        )


def test_a_cut_comment_closes_its_open_blocks() -> None:
    fence = "\n".join(["<details><summary>s</summary>", "", "```diff", *["+ x" * 30] * 5000])
    body = comment_body(f"{MARKER}\n**reconcile plan failed**\n{fence}\n```\n</details>\n")
    assert len(body) <= MAX_BODY
    assert_balanced(body)
    assert body.rstrip().endswith("artifact._")


def test_errors_name_the_call_and_never_the_token() -> None:
    with fake_github("another-token") as github, pytest.raises(CommentError) as caught:
        upsert_comment("plan", repository="acme/specs", number=7, token=TOKEN, api_url=github.url)
    assert str(caught.value) == "GET /repos/acme/specs/issues/7/comments: HTTP 401"
    assert TOKEN not in repr(caught.value)
    with pytest.raises(CommentError) as unreachable:
        upsert_comment(
            "plan", repository="a/b", number=1, token=TOKEN, api_url="http://127.0.0.1:9"
        )
    assert TOKEN not in str(unreachable.value) and unreachable.value.__cause__ is None


def test_a_shortened_plan_keeps_the_note_below_the_marker() -> None:
    from reconciler.engine.plan import Plan, Register, Registration, Scope

    schema = "{" + '"type": "string", ' * 20 + '"doc": "x"}'
    actions = [
        Register("dev", ".", Scope.SUBJECT, f"s{i}", "new", None, "1",
                 registration=Registration("AVRO", schema))
        for i in range(2000)
    ]  # fmt: skip
    plan = Plan(actions=actions)
    note = "> **Planned against the base branch `main`, not the live registry**"
    body = comment_body("x" * (MAX_BODY + 1), plan, "### reconciler lint\n", note)
    assert len(body) <= MAX_BODY
    assert body.startswith(f"{MARKER}\n{note}\n\n## reconciler plan")
    assert body.endswith("### reconciler lint\n")
    assert_balanced(body)
