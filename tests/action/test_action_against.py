"""action.yml's `against` input: pull requests from forks, or without registry secrets,
are planned against the base branch's specs, and the comment says so.

The step's script runs as GitHub Actions runs it, in a clone of a local "origin"
repository, posting to a stand-in GitHub API on 127.0.0.1; the project names a
registry whose URL and token variables are never set.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from .fake_github import fake_github

REPO = Path(__file__).resolve().parents[2]
TOKEN = "ghs_secret_token_value"
REGISTRIES = 'registries:\n  prod: {url: "${SR_PROD_URL}", auth: {bearer: "${SR_PROD_TOKEN}"}}\n'
NOTE = "**Planned against the base branch `main`, not the live registry**"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def _pull_request(tmp: Path) -> Path:
    """origin (main: the quickstart) and a clone on a branch that changes money-value."""
    seed = tmp / "seed"
    shutil.copytree(REPO / "examples/quickstart", seed, ignore=shutil.ignore_patterns(".reconcile"))
    (seed / "reconcile.yaml").write_text((seed / "reconcile.yaml").read_text() + REGISTRIES)
    _git(seed, "init", "-q", "-b", "main")
    _git(seed, "add", "-A")
    _git(seed, "commit", "-q", "-m", "base")
    _git(tmp, "clone", "-q", "--bare", str(seed), "origin.git")
    # as actions/checkout leaves it: one commit deep, the base branch not fetched
    _git(tmp, "clone", "-q", "--depth=1", f"file://{tmp / 'origin.git'}", "work")
    work = tmp / "work"
    _git(work, "checkout", "-q", "-b", "change")
    _git(work, "update-ref", "-d", "refs/remotes/origin/main")
    money = work / "schemas/money.avsc"
    schema = json.loads(money.read_text())
    schema["fields"].append({"name": "note", "type": ["null", "string"], "default": None})
    money.write_text(json.dumps(schema, indent=2))
    _git(work, "commit", "-q", "-am", "money-value: an optional note")
    return work


def _run(
    work: Path,
    tmp: Path,
    api_url: str,
    event: dict,
    against: str,
    secrets: dict[str, str] | None = None,
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["inputs"]["against"]["default"] == "auto"
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "run"]
    assert step["env"]["INPUT_AGAINST"] == "${{ inputs.against }}"
    output, summary = tmp / "output.txt", tmp / "summary.md"
    output.write_text("")
    summary.write_text("")
    (tmp / "event.json").write_text(json.dumps(event))
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp),
        "INPUT_COMMAND": "plan",
        "INPUT_REGISTRY": "",
        "INPUT_COMMENT": "true",
        "INPUT_LINT": "true",
        "INPUT_AGAINST": against,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": "acme/specs",
        "GITHUB_API_URL": api_url,
        "GITHUB_EVENT_PATH": str(tmp / "event.json"),
        "GITHUB_BASE_REF": "main",
        "RUNNER_TEMP": str(tmp),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "NO_COLOR": "1",
        **(secrets or {}),
    }
    result = subprocess.run(
        ["bash", "-c", step["run"]], cwd=work, env=env, capture_output=True, text=True, timeout=300
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return result, outputs


def _event(head_repo: str, number: int = 3) -> dict:
    return {
        "pull_request": {
            "number": number,
            "head": {"repo": {"full_name": head_repo}},
            "base": {"repo": {"full_name": "acme/specs"}},
        }
    }


def test_a_fork_is_planned_against_the_base_branch(tmp_path: Path) -> None:
    """Secrets set (to a registry that is down): a fork's code is still never given them."""
    work = _pull_request(tmp_path)
    secrets = {"SR_PROD_URL": "http://127.0.0.1:9", "SR_PROD_TOKEN": "sr-secret-token"}
    with fake_github(TOKEN) as github:
        result, outputs = _run(work, tmp_path, github.url, _event("someone/specs"), "auto", secrets)
        assert result.returncode == 0, result.stdout + result.stderr
        assert outputs == {"exitcode": "2", "has-changes": "true"}
        assert "::notice::reconcile plan runs against the base branch main" in result.stdout
        (comment,) = github.comments
        body = comment["body"]
        assert body.startswith("<!-- reconciler-plan -->\n> " + NOTE)
        assert "**Plan: 1 to register, 0 to change, 0 to delete.**" in body
        assert "`money-value`" in body
        assert TOKEN not in result.stdout + result.stderr
        assert "sr-secret-token" not in result.stdout + result.stderr + body


def test_without_secrets_an_incompatible_change_fails_the_step(tmp_path: Path) -> None:
    """A pull request from the repository itself, but no registry secrets are set."""
    work = _pull_request(tmp_path)
    money = work / "schemas/money.avsc"
    schema = json.loads(money.read_text())
    schema["fields"].append({"name": "rate", "type": "double"})
    money.write_text(json.dumps(schema))
    with fake_github(TOKEN) as github:
        result, outputs = _run(work, tmp_path, github.url, _event("acme/specs"), "auto")
        assert result.returncode == 1, result.stdout + result.stderr
        assert outputs["exitcode"] == "1"
        (comment,) = github.comments
        assert NOTE in comment["body"]
        assert "not BACKWARD compatible" in comment["body"]


def test_live_is_never_replaced(tmp_path: Path) -> None:
    """`against: live` plans against the registries, which here cannot even be named."""
    work = _pull_request(tmp_path)
    with fake_github(TOKEN) as github:
        result, outputs = _run(work, tmp_path, github.url, _event("acme/specs"), "live")
        assert result.returncode == 1
        assert outputs["exitcode"] == "1"
        assert "SR_PROD_URL is not set" in result.stderr
        (comment,) = github.comments
        assert NOTE not in comment["body"]
