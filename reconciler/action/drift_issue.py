"""Keep one GitHub issue in step with the nightly ``reconcile drift -o json`` report.

Drifted, or the check failed: the open issue carrying the marker is updated
(or one is opened). Clean: that issue, if any, gets a comment and is closed.
So a repository has at most one open drift issue, whatever the number of
nights it stays drifted. Only the REST API is used (``GET /repos/{repo}/issues``,
``POST /repos/{repo}/issues``, ``PATCH /repos/{repo}/issues/{n}``, ``POST
/repos/{repo}/issues/{n}/comments``); the token never appears in output.

Run as ``python -m reconciler.action.drift_issue DRIFT_JSON`` with
``GITHUB_TOKEN`` and ``GITHUB_REPOSITORY`` (``GITHUB_API_URL``,
``GITHUB_SERVER_URL`` and ``GITHUB_RUN_ID`` from the Actions environment
link the issue to the run). A missing or unreadable report is reported as a
failed check. Exit 0 when the issue is in step, 1 when the API refuses.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from reconciler.errors import ReconcilerError
from reconciler.render import drift_markdown

from .comment import github_api

MARKER = "<!-- reconciler-drift -->"
TITLE = "Schema registry drift"


class IssueError(ReconcilerError):
    """The issue could not be updated; the message names the API call, never the token."""


def issue_body(report: Mapping[str, Any], run_url: str | None = None) -> str:
    """The issue's markdown: the marker that finds the issue again, then the report."""
    return (
        f"{MARKER}\n{drift_markdown(report, run_url)}\nThis issue is updated every night "
        "and closed when the registries match the specs again.\n"
    )


def sync_issue(
    report: Mapping[str, Any],
    *,
    repository: str,
    token: str,
    api_url: str = "https://api.github.com",
    run_url: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> str:
    """Open, update or close the drift issue; return what was done."""
    with github_api(token, api_url, transport) as http:

        def call(method: str, path: str, **kwargs: Any) -> Any:
            try:
                response = http.request(method, path, **kwargs)
            except httpx.HTTPError as exc:
                raise IssueError(f"{method} {path}: {type(exc).__name__}") from None
            if response.status_code >= 400:
                raise IssueError(f"{method} {path}: HTTP {response.status_code}")
            return response.json()

        issues_path = f"/repos/{repository}/issues"
        found: int | None = None
        page = 1
        while found is None:
            listed = call(
                "GET", issues_path, params={"state": "open", "per_page": 100, "page": page}
            )
            found = next(
                (
                    int(i["number"])
                    for i in listed
                    if "pull_request" not in i and str(i.get("body") or "").startswith(MARKER)
                ),
                None,
            )
            if len(listed) < 100:
                break
            page += 1
        if report.get("status") == "clean":
            if found is None:
                return "clean: no open drift issue"
            when = report.get("checked_at", "now")
            note = f"No drift at {when}: the registries match the specs."
            if run_url:
                note += f" ([run]({run_url}))"
            call("POST", f"{issues_path}/{found}/comments", json={"body": note})
            call("PATCH", f"{issues_path}/{found}", json={"state": "closed"})
            return f"clean: closed issue #{found}"
        body = issue_body(report, run_url)
        title = TITLE if report.get("status") == "drifted" else f"{TITLE}: the check failed"
        if found is not None:
            call("PATCH", f"{issues_path}/{found}", json={"title": title, "body": body})
            return f"updated issue #{found}"
        created = call("POST", issues_path, json={"title": title, "body": body})
        return f"opened issue #{created['number']}"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m reconciler.action.drift_issue DRIFT_JSON", file=sys.stderr)
        return 2
    environ = os.environ
    missing = [v for v in ("GITHUB_TOKEN", "GITHUB_REPOSITORY") if not environ.get(v)]
    if missing:
        print(f"error: {', '.join(missing)} not set; run inside GitHub Actions", file=sys.stderr)
        return 1
    try:
        report = json.loads(Path(argv[0]).read_text())
    except (OSError, ValueError) as exc:
        # No report at all (drift crashed): still an issue, the check failed.
        report = {"status": "error", "problems": [{"message": f"no drift report: {exc}"}]}
    run_url = None
    if environ.get("GITHUB_SERVER_URL") and environ.get("GITHUB_RUN_ID"):
        run_url = (
            f"{environ['GITHUB_SERVER_URL']}/{environ['GITHUB_REPOSITORY']}"
            f"/actions/runs/{environ['GITHUB_RUN_ID']}"
        )
    try:
        done = sync_issue(
            report,
            repository=environ["GITHUB_REPOSITORY"],
            token=environ["GITHUB_TOKEN"],
            api_url=environ.get("GITHUB_API_URL", "https://api.github.com"),
            run_url=run_url,
        )
    except IssueError as exc:
        print(f"error: could not update the drift issue: {exc}", file=sys.stderr)
        return 1
    print(done)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
