"""action.yml as a gate: a failed plan fails the check, annotates, and comments truthfully.

The step's script runs as GitHub Actions runs it (bash, the RUNNER_TEMP,
GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files), against the stand-in GitHub API
on 127.0.0.1.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from render.markdown_check import assert_balanced

from reconciler.action.comment import MAX_BODY
from reconciler.render.markdown import MARKER

from .fake_github import fake_github
from .projects import quickstart
from .test_action_yml import REPO, TOKEN, _run

EVENT = {"pull_request": {"number": 9}}
DANGLING = (
    "  refs-value:\n"
    '    schema: \'{"type": "record", "name": "R", "fields": [{"name": "m", "type": "M"}]}\'\n'
    "    references: [{name: M, subject: nowhere, version: 1}]\n"
)


def test_a_failed_plan_fails_the_check_annotates_and_heads_the_comment(tmp_path: Path) -> None:
    project = quickstart(tmp_path / "quickstart")
    spec = project / "specs/orders.yaml"
    spec.write_text(spec.read_text() + DANGLING)
    with fake_github(TOKEN) as github:
        result, outputs, summary = _run(project, tmp_path, "plan", github.url, EVENT)
        assert result.returncode == 1, result.stdout + result.stderr
        assert outputs == {"exitcode": "1", "has-changes": "false"}
        line = next(
            n for n, text in enumerate(spec.read_text().splitlines(), 1) if "refs-value" in text
        )
        assert (
            f"::error file=specs/orders.yaml,line={line},col=3,title=reconciler plan (local)::"
            "local refs-value: reference M points to subject nowhere" in result.stdout
        )
        (comment,) = github.comments
        body = comment["body"]
        assert body.startswith(MARKER)
        headline = next(text for text in body.splitlines() if text.startswith("**"))
        assert headline.startswith("**❌ Plan failed: 1 error.**"), headline
        assert body.index(f"`specs/orders.yaml:{line}:3`") < body.index("### Changes")
        assert_balanced(body)
        assert summary.startswith(MARKER) and "Plan failed" in summary
        assert (tmp_path / "reconcile-plan.json").is_file()  # what the artifact step uploads


def test_500_subjects_and_an_error_make_a_comment_under_the_limit(tmp_path: Path) -> None:
    project = tmp_path / "big"
    (project / "specs").mkdir(parents=True)
    (project / "reconcile.yaml").write_text("version: 1\n")
    fields = ", ".join(f'{{"name": "f{n}", "type": "string"}}' for n in range(30))
    subjects = "".join(
        f'  s{i}-value:\n    schema: \'{{"type": "record", "name": "S{i}", '
        f'"fields": [{fields}]}}\'\n'
        for i in range(500)
    )
    (project / "specs/big.yaml").write_text("subjects:\n" + subjects + DANGLING)
    with fake_github(TOKEN) as github:
        result, outputs, summary = _run(project, tmp_path, "plan", github.url, EVENT)
        assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
        assert outputs["exitcode"] == "1"
        (comment,) = github.comments
        body = comment["body"]
        assert len(body) <= MAX_BODY
        assert "**❌ Plan failed: 1 error.**" in body
        assert "reference M points to subject nowhere" in body
        assert "`specs/big.yaml:" in body
        assert "job summary" in body and "artifact" in body
        assert "### reconciler lint" in body  # the lint section still follows
        assert_balanced(body)
        # The job summary holds the whole plan.
        assert len(summary) > MAX_BODY and "s499-value" in summary
        saved = json.loads((tmp_path / "reconcile-plan.json").read_text())
        assert len(saved["actions"]) == 500


def test_the_full_plan_is_kept_as_the_artifact_the_comment_names() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    (upload,) = [s for s in action["runs"]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert upload["with"]["name"] == "reconcile-plan"
    assert "reconcile-plan.json" in upload["with"]["path"]
    assert "always()" in upload["if"]


def test_a_plan_that_cannot_load_annotates_each_error(tmp_path: Path) -> None:
    project = quickstart(tmp_path / "quickstart")
    spec = project / "specs/orders.yaml"
    spec.write_text(
        spec.read_text()
        + "  refs-value:\n"
        + '    schema: \'{"type": "record", "name": "R", '
        + '"fields": [{"name": "c", "type": "C"}]}\'\n'
        + "    references: [{name: C, subject: customers-value, version: 3}]\n"
    )
    line = len(spec.read_text().splitlines())
    with fake_github(TOKEN) as github:
        result, outputs, _ = _run(project, tmp_path, "plan", github.url, EVENT)
        assert result.returncode == 1 and outputs["exitcode"] == "1"
        assert (
            f"::error file=specs/orders.yaml,line={line},col=18,title=reconcile validate::"
            "reference 'C': subject 'customers-value' has no version 3" in result.stdout
        )
        (comment,) = github.comments
        assert f"specs/orders.yaml:{line}:18" in comment["body"]
