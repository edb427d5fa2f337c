"""examples/github/: the workflows are valid, have the jobs and steps they promise, and
the commands they run work: the Action's steps with the workflows' inputs, and the
nightly drift job end to end (a local registry over HTTP, the stand-in GitHub API)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import yaml

from reconciler.action.drift_issue import MARKER
from reconciler.localregistry import serve_in_thread

from .fake_github import FakeGitHub, _handler

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "github"
TOKEN = "ghs_secret_token_value"
REGISTRIES = 'registries:\n  prod: {url: "${SR_PROD_URL}", auth: {bearer: "${SR_PROD_TOKEN}"}}\n'
SECRETS = {"SR_PROD_URL", "SR_PROD_TOKEN"}


def workflow(name: str) -> dict[Any, Any]:
    return yaml.safe_load((EXAMPLES / name).read_text())


def triggers(flow: dict[Any, Any]) -> dict[str, Any]:
    return flow[True] if True in flow else flow["on"]  # YAML 1.1 reads `on:` as True


def action_step(job: dict[str, Any]) -> dict[str, Any]:
    (step,) = [s for s in job["steps"] if str(s.get("uses", "")).startswith("acme/reconciler@")]
    return step


def secrets_of(step: dict[str, Any]) -> set[str]:
    return {k for k, v in (step.get("env") or {}).items() if "secrets." in str(v)}


def test_the_old_single_workflow_is_gone() -> None:
    assert not (REPO / "examples" / "github-workflow.yml").exists()
    assert sorted(p.name for p in EXAMPLES.glob("*.yml")) == ["apply.yml", "drift.yml", "plan.yml"]


def test_plan_on_pull_requests_with_against_for_forks() -> None:
    flow = workflow("plan.yml")
    assert list(triggers(flow)) == ["pull_request"]
    assert flow["permissions"]["pull-requests"] == "write"
    step = action_step(flow["jobs"]["plan"])
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert set(step["with"]) <= set(action["inputs"])
    assert step["with"]["command"] == "plan"
    assert step["with"]["against"] == "auto"
    assert "head.repo.full_name == github.repository" in step["with"]["comment"]
    assert secrets_of(step) == SECRETS


def test_apply_on_merge_one_at_a_time() -> None:
    flow = workflow("apply.yml")
    assert triggers(flow)["push"]["branches"] == ["main"]
    concurrency = flow["concurrency"]
    # One group for every run of the project: nothing per ref or per run in its name.
    assert "${{" not in concurrency["group"]
    assert concurrency["cancel-in-progress"] is False
    step = action_step(flow["jobs"]["apply"])
    assert step["with"] == {"command": "apply"}
    assert secrets_of(step) == SECRETS


def test_nightly_drift_updates_one_issue() -> None:
    flow = workflow("drift.yml")
    assert "cron" in triggers(flow)["schedule"][0]
    assert flow["permissions"]["issues"] == "write"
    steps = flow["jobs"]["drift"]["steps"]
    names = [s.get("name") or s.get("uses") for s in steps]
    assert names[-3:] == [
        "reconcile drift",
        "Open, update or close the drift issue",
        "Fail when the check failed",
    ]
    assert "reconcile drift . --output json" in steps[-3]["run"]
    assert "python -m reconciler.action.drift_issue" in steps[-2]["run"]
    assert secrets_of(steps[-3]) == SECRETS


# -- running them ---------------------------------------------------------------------


@dataclass
class FakeIssues(FakeGitHub):
    """The stand-in GitHub API, with issues (listing, create, edit) besides comments."""

    issues: list[dict[str, Any]] = field(default_factory=list)


@contextmanager
def fake_github_issues(token: str) -> Iterator[FakeIssues]:
    state = FakeIssues(token)
    comments = _handler(state)

    class Handler(comments):  # type: ignore[misc, valid-type]
        def _issue_path(self) -> list[str] | None:
            """What follows /repos/OWNER/NAME/issues; None for comments' paths."""
            parts = urlparse(self.path).path.strip("/").split("/")
            rest = parts[4:]
            return rest if parts[3:4] == ["issues"] and "comments" not in rest else None

        def do_GET(self) -> None:
            rest = self._issue_path()
            if rest != []:
                return super().do_GET()
            state.calls.append(f"GET {self.path}")
            if not self._authorized():
                return None
            query = parse_qs(urlparse(self.path).query)
            per_page, page = int(query["per_page"][0]), int(query["page"][0])
            wanted = [i for i in state.issues if i["state"] == query["state"][0]]
            return self._reply(200, wanted[(page - 1) * per_page : page * per_page])

        def do_POST(self) -> None:
            if self._issue_path() != []:
                return super().do_POST()
            state.calls.append(f"POST {self.path}")
            if not self._authorized():
                return None
            issue = {"number": len(state.issues) + 1, "state": "open", **self._body()}
            state.issues.append(issue)
            return self._reply(201, issue)

        def do_PATCH(self) -> None:
            rest = self._issue_path()
            if not rest or len(rest) != 1:
                return super().do_PATCH()
            state.calls.append(f"PATCH {self.path}")
            if not self._authorized():
                return None
            issue = state.issues[int(rest[0]) - 1]
            issue.update(self._body())
            return self._reply(200, issue)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    with serve_forever(server):
        yield state


@contextmanager
def serve_forever(server: ThreadingHTTPServer) -> Iterator[None]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "specs-repo"
    shutil.copytree(REPO / "examples/quickstart", root, ignore=shutil.ignore_patterns(".reconcile"))
    (root / "reconcile.yaml").write_text((root / "reconcile.yaml").read_text() + REGISTRIES)
    return root


def run_step(
    script: str, cwd: Path, tmp: Path, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """One workflow step's ``run:`` as GitHub runs it (bash -e), with a fresh GITHUB_OUTPUT."""
    output = tmp / "output.txt"
    output.write_text("")
    result = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=cwd,
        env={
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "RUNNER_TEMP": str(tmp),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
            "NO_COLOR": "1",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result, dict(line.split("=", 1) for line in output.read_text().splitlines())


def action_script() -> str:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "run"]
    return str(step["run"])


def test_the_apply_and_plan_workflows_run_the_action_as_configured(
    project: Path, tmp_path: Path
) -> None:
    """The Action's step, with each workflow's inputs, on a project and a live registry."""
    with serve_in_thread(tmp_path / "prod.db") as url:
        secrets = {"SR_PROD_URL": url, "SR_PROD_TOKEN": "sr-token"}
        apply_inputs = action_step(workflow("apply.yml")["jobs"]["apply"])["with"]
        env = {f"INPUT_{k.upper()}": str(v) for k, v in apply_inputs.items()}
        applied, outputs = run_step(
            action_script(), project, tmp_path, {**env, "INPUT_REGISTRY": "", **secrets}
        )
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert outputs["exitcode"] == "0"
        assert httpx.get(f"{url}/subjects").json()  # the registry got the specs

        plan_inputs = action_step(workflow("plan.yml")["jobs"]["plan"])["with"]
        env = {
            f"INPUT_{k.upper()}": "false" if "${{" in str(v) else str(v)
            for k, v in plan_inputs.items()
        }
        planned, outputs = run_step(
            action_script(),
            project,
            tmp_path,
            {**env, "INPUT_REGISTRY": "", "INPUT_LINT": "true", **secrets},
        )
        assert planned.returncode == 0, planned.stdout + planned.stderr
        assert outputs == {"exitcode": "0", "has-changes": "false"}
        assert "sr-token" not in planned.stdout + planned.stderr


def test_the_nightly_drift_job_opens_updates_and_closes_one_issue(
    project: Path, tmp_path: Path
) -> None:
    steps = {s.get("name"): s for s in workflow("drift.yml")["jobs"]["drift"]["steps"]}
    drift_script = steps["reconcile drift"]["run"]
    issue_script = steps["Open, update or close the drift issue"]["run"]
    fail_if = steps["Fail when the check failed"]["if"]

    def night(github: FakeIssues, registry_url: str) -> str:
        secrets = {"SR_PROD_URL": registry_url, "SR_PROD_TOKEN": "sr-token"}
        drifted, outputs = run_step(drift_script, project, tmp_path, secrets)
        assert drifted.returncode == 0, drifted.stdout + drifted.stderr
        json.loads((tmp_path / "drift.json").read_text())  # one JSON document, always
        github_env = {
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_REPOSITORY": "acme/specs",
            "GITHUB_API_URL": github.url,
            "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_RUN_ID": "77",
        }
        issued, _ = run_step(issue_script, project, tmp_path, github_env)
        assert issued.returncode == 0, issued.stdout + issued.stderr
        for secret in (TOKEN, "sr-token"):
            assert secret not in drifted.stdout + drifted.stderr + issued.stdout + issued.stderr
        code = outputs["exitcode"]
        # the last step's `if:`, a GitHub expression of string comparisons, evaluated
        condition = fail_if.replace("steps.drift.outputs.exitcode", repr(code))
        fails = eval(condition.replace("&&", " and ").replace("||", " or "))
        assert fails == (code not in ("0", "2"))
        return code

    with fake_github_issues(TOKEN) as github, serve_in_thread(tmp_path / "prod.db") as url:
        env = {"SR_PROD_URL": url, "SR_PROD_TOKEN": "sr-token"}
        assert (
            run_step("reconcile apply . --auto-approve", project, tmp_path, env)[0].returncode == 0
        )
        assert night(github, url) == "0"
        assert github.issues == []

        httpx.put(f"{url}/config/orders-value", json={"compatibility": "NONE"}).raise_for_status()
        assert night(github, url) == "2"
        (issue,) = github.issues
        assert issue["state"] == "open" and issue["body"].startswith(MARKER)
        assert (
            "| prod | `orders-value` | compatibility | NONE | FULL_TRANSITIVE | yes |"
            in (issue["body"])
        )
        assert "https://github.example/acme/specs/actions/runs/77" in issue["body"]

        httpx.put(f"{url}/mode/refunds-value", json={"mode": "READONLY"}).raise_for_status()
        assert night(github, url) == "2"
        (issue,) = github.issues  # the same issue, updated
        assert "`refunds-value` | mode | READONLY" in issue["body"]

        run_step("reconcile apply . --auto-approve", project, tmp_path, env)
        assert night(github, url) == "0"
        (issue,) = github.issues
        assert issue["state"] == "closed"
        (closing,) = github.comments
        assert closing["body"].startswith("No drift at ")

        # The registry down: the check failed (exit 1), and a new issue says why.
        assert night(github, "http://127.0.0.1:9") == "1"
        assert len(github.issues) == 2
        failed = github.issues[1]
        assert failed["state"] == "open" and failed["title"].endswith("the check failed")
        assert "127.0.0.1:9" in failed["body"]
