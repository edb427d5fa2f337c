"""Post the plan as one pull-request comment, updated in place on every push.

The comment is found by the marker the markdown view starts with, so a
re-run edits it rather than adding another. Only the GitHub REST API is
used (``GET/POST /repos/{repo}/issues/{n}/comments``, ``PATCH
/repos/{repo}/issues/comments/{id}``); the token never appears in output.

Run by ``action.yml`` as ``python -m reconciler.action.comment FILE [--plan
PLAN_JSON --append SECTION]``, with ``GITHUB_TOKEN``, ``GITHUB_REPOSITORY``,
``GITHUB_EVENT_PATH`` and ``GITHUB_API_URL`` from the Actions environment.

FILE (the whole plan and lint markdown, also the job summary) is posted as
it is when it fits GitHub's limit. When it does not, the comment is made
again from the saved plan, shortened the way ``render_markdown`` shortens
(schema diffs and table rows go, never problems), followed by the SECTION
(the lint findings); without a plan, FILE is cut at a line with its open
blocks closed. Either way the comment says the full plan is in the job
summary and the artifact.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

import httpx

from reconciler.engine import Plan
from reconciler.errors import ReconcilerError
from reconciler.render import MARKER, cut, render_markdown

MAX_BODY = 65_000  # GitHub refuses comment bodies over 65,536 characters


class CommentError(ReconcilerError):
    """The comment could not be posted; the message names the API call, never the token."""


def github_api(
    token: str, api_url: str, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """A client of GitHub's REST API (the Action's comment and the drift issue)."""
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
    }
    return httpx.Client(base_url=api_url, headers=headers, transport=transport, timeout=30)


def comment_body(markdown: str, plan: Plan | None = None, section: str = "", note: str = "") -> str:
    """The comment for ``markdown`` (a plan, then ``section``), within ``MAX_BODY``.

    ``note`` is the line ``markdown`` has below its marker (what the plan was
    made against); a plan shortened from ``plan`` keeps it there.
    """
    if not markdown.startswith(MARKER):
        markdown = f"{MARKER}\n{markdown}"
    if len(markdown) <= MAX_BODY:
        return markdown
    if plan is None:
        return cut(markdown, MAX_BODY)
    section = cut(section, MAX_BODY // 4) if section else ""
    note = f"{note}\n\n" if note else ""
    shown = render_markdown(plan, limit=MAX_BODY - len(section) - len(note) - 1)
    if note:
        marker, _, rest = shown.partition("\n")
        shown = f"{marker}\n{note}{rest}"
    return f"{shown}\n{section}" if section else shown


def upsert_comment(
    markdown: str,
    *,
    repository: str,
    number: int,
    token: str,
    api_url: str = "https://api.github.com",
    transport: httpx.BaseTransport | None = None,
) -> str:
    """Create or update the plan comment on PR ``number``; return "created" or "updated"."""
    body = comment_body(markdown)
    with github_api(token, api_url, transport) as http:

        def call(method: str, path: str, **kwargs: object) -> httpx.Response:
            try:
                response = http.request(method, path, **kwargs)  # type: ignore[arg-type]
            except httpx.HTTPError as exc:
                raise CommentError(f"{method} {path}: {type(exc).__name__}") from None
            if response.status_code >= 400:
                raise CommentError(f"{method} {path}: HTTP {response.status_code}")
            return response

        comments_path = f"/repos/{repository}/issues/{number}/comments"
        page = 1
        while True:
            found = call("GET", comments_path, params={"per_page": 100, "page": page}).json()
            for comment in found:
                if str(comment.get("body", "")).startswith(MARKER):
                    call(
                        "PATCH",
                        f"/repos/{repository}/issues/comments/{comment['id']}",
                        json={"body": body},
                    )
                    return "updated"
            if len(found) < 100:
                break
            page += 1
        call("POST", comments_path, json={"body": body})
        return "created"


def pull_request_number(event: Mapping[str, object]) -> int | None:
    pull = event.get("pull_request")
    if isinstance(pull, Mapping) and isinstance(pull.get("number"), int):
        return int(pull["number"])  # type: ignore[arg-type]
    return None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """A usage error exits 64 (EX_USAGE), never argparse's 2 (docs/cli.md)."""
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        sys.exit(64)


def main(argv: list[str]) -> int:
    parser = _Parser(prog="python -m reconciler.action.comment")
    parser.add_argument("markdown", help="the comment: the plan and lint markdown")
    parser.add_argument("--plan", help="the saved plan, to shorten the comment by")
    parser.add_argument("--append", help="the section following the plan (lint)")
    parser.add_argument("--note", default="", help="the line below the marker (--against)")
    args = parser.parse_args(argv)
    environ = os.environ
    missing = [
        v for v in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_EVENT_PATH") if not environ.get(v)
    ]
    if missing:
        print(f"error: {', '.join(missing)} not set; run inside GitHub Actions", file=sys.stderr)
        return 1
    event = json.loads(Path(environ["GITHUB_EVENT_PATH"]).read_text())
    number = pull_request_number(event)
    if number is None:
        print("not a pull request event: no comment posted")
        return 0
    try:
        plan = None
        if args.plan and Path(args.plan).is_file():
            plan = Plan.from_json(json.loads(Path(args.plan).read_text()))
        section = Path(args.append).read_text() if args.append else ""
        result = upsert_comment(
            comment_body(Path(args.markdown).read_text(), plan, section, args.note),
            repository=environ["GITHUB_REPOSITORY"],
            number=number,
            token=environ["GITHUB_TOKEN"],
            api_url=environ.get("GITHUB_API_URL", "https://api.github.com"),
        )
    except CommentError as exc:
        print(f"error: could not post the plan comment: {exc}", file=sys.stderr)
        return 1
    print(f"plan comment {result} on pull request #{number}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
