"""Post the plan as one pull-request comment, updated in place on every push.

The comment is found by the marker the markdown view starts with, so a
re-run edits it rather than adding another. Only the GitHub REST API is
used (``GET/POST /repos/{repo}/issues/{n}/comments``, ``PATCH
/repos/{repo}/issues/comments/{id}``); the token never appears in output.

Run by ``action.yml`` as ``python -m reconciler.action.comment FILE``, with
``GITHUB_TOKEN``, ``GITHUB_REPOSITORY``, ``GITHUB_EVENT_PATH`` and
``GITHUB_API_URL`` from the Actions environment.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import httpx

from reconciler.render.markdown import MARKER

MAX_BODY = 65_000  # GitHub refuses comment bodies over 65,536 characters


class CommentError(Exception):
    """The comment could not be posted; the message names the API call, never the token."""


def _body(markdown: str) -> str:
    if len(markdown) <= MAX_BODY:
        return markdown
    note = "\n\n_The plan is too long for a comment; the full plan is in the job log._\n"
    return markdown[: MAX_BODY - len(note)] + note


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
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
    }
    body = _body(markdown if markdown.startswith(MARKER) else f"{MARKER}\n{markdown}")
    with httpx.Client(base_url=api_url, headers=headers, transport=transport, timeout=30) as http:

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


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m reconciler.action.comment PLAN_MARKDOWN_FILE", file=sys.stderr)
        return 2
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
        result = upsert_comment(
            Path(argv[0]).read_text(),
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
