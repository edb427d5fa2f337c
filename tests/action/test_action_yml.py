"""action.yml's script, run as GitHub Actions would run it, on the quickstart."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from reconciler.render.markdown import MARKER

from .fake_github import fake_github

REPO = Path(__file__).resolve().parents[2]
TOKEN = "ghs_secret_token_value"


def _script() -> str:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "run"]
    return step["run"]


def _run(
    project: Path, tmp: Path, command: str, api_url: str, event: dict | None
) -> tuple[subprocess.CompletedProcess[str], dict[str, str], str]:
    output, summary = tmp / "output.txt", tmp / "summary.md"
    output.write_text("")
    summary.write_text("")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "INPUT_COMMAND": command,
        "INPUT_REGISTRY": "",
        "INPUT_COMMENT": "true",
        "INPUT_LINT": "true",
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": "acme/specs",
        "GITHUB_API_URL": api_url,
        "RUNNER_TEMP": str(tmp),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "NO_COLOR": "1",
    }
    env.pop("GITHUB_EVENT_PATH", None)
    if event is not None:
        (tmp / "event.json").write_text(json.dumps(event))
        env["GITHUB_EVENT_PATH"] = str(tmp / "event.json")
    result = subprocess.run(
        ["bash", "-c", _script()], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return result, outputs, summary.read_text()


def test_plan_on_a_pull_request_comments_then_apply_on_merge(tmp_path: Path) -> None:
    project = tmp_path / "quickstart"
    shutil.copytree(
        REPO / "examples/quickstart", project, ignore=shutil.ignore_patterns(".reconcile")
    )
    event = {"pull_request": {"number": 42}}
    with fake_github(TOKEN) as github:
        planned, outputs, summary = _run(project, tmp_path, "plan", github.url, event)
        assert planned.returncode == 0, planned.stdout + planned.stderr
        assert outputs == {"exitcode": "2", "has-changes": "true"}
        assert summary.startswith(MARKER)
        assert "**Plan: 10 to register, 3 to change, 0 to delete.**" in summary
        assert summary.endswith("### reconciler lint\n\n**No findings.**\n")
        assert [c["body"] for c in github.comments] == [summary]
        assert TOKEN not in planned.stdout + planned.stderr

        applied, outputs, _ = _run(project, tmp_path, "apply", github.url, None)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert outputs == {"exitcode": "0", "has-changes": "false"}

        replanned, outputs, summary = _run(project, tmp_path, "plan", github.url, event)
        assert replanned.returncode == 0, replanned.stdout + replanned.stderr
        assert outputs == {"exitcode": "0", "has-changes": "false"}
        assert len(github.comments) == 1 and "**No changes.**" in github.comments[0]["body"]


def test_a_broken_spec_fails_the_step_and_comments_the_errors(tmp_path: Path) -> None:
    project = tmp_path / "quickstart"
    shutil.copytree(
        REPO / "examples/quickstart", project, ignore=shutil.ignore_patterns(".reconcile")
    )
    spec = project / "specs/orders.yaml"
    spec.write_text(spec.read_text().replace("compatibility: BACKWARD", "compatibility: SIDEWAYS"))
    with fake_github(TOKEN) as github:
        result, outputs, _ = _run(
            project, tmp_path, "plan", github.url, {"pull_request": {"number": 1}}
        )
        assert result.returncode == 1
        assert outputs["exitcode"] == "1"
        (comment,) = github.comments
        assert "**reconcile plan failed** (exit 1)" in comment["body"]
        assert "specs/orders.yaml:5:" in comment["body"]


def test_lint_findings_annotate_the_diff_and_follow_the_plan(tmp_path: Path) -> None:
    project = tmp_path / "quickstart"
    shutil.copytree(
        REPO / "examples/quickstart", project, ignore=shutil.ignore_patterns(".reconcile")
    )
    spec = project / "specs/orders.yaml"
    spec.write_text(
        spec.read_text().replace("compatibility: FULL_TRANSITIVE", "compatibility: NONE")
    )
    with fake_github(TOKEN) as github:
        planned, outputs, summary = _run(
            project, tmp_path, "plan", github.url, {"pull_request": {"number": 7}}
        )
        assert planned.returncode == 0, planned.stdout + planned.stderr
        assert outputs["exitcode"] == "2"  # lint findings never fail the step
        assert (
            "::warning file=specs/orders.yaml,line=14,col=3,title=COMPATIBILITY_NONE::"
            in planned.stdout
        )
        assert "| warning | `COMPATIBILITY_NONE` | `specs/orders.yaml:14` |" in summary
        assert [c["body"] for c in github.comments] == [summary]
