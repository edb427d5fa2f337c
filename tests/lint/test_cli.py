"""``reconcile lint`` as a subprocess: output, JSON form, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .test_rules import REPO, messy  # noqa: F401  (the fixture)


def reconcile(*args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from reconciler.cli import main; main()", *map(str, args)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        timeout=60,
    )


def test_findings_are_lines_naming_file_line_and_rule(messy: Path) -> None:  # noqa: F811
    done = reconcile("lint", messy)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert f"{messy}/schemas/order.avsc:8:" in done.stdout
    assert any(
        line.startswith(f"{messy}/schemas/order.avsc:8:")
        and "error AVRO_DEFAULT_INVALID: field order_record.count" in line
        for line in lines
    )
    assert lines[-1] == "21 findings (5 errors, 6 warnings, 10 infos)"
    assert done.stderr == ""


def test_fail_on_and_filters_set_the_exit_code(messy: Path) -> None:  # noqa: F811
    assert reconcile("lint", messy, "--fail-on", "never").returncode == 0
    assert reconcile("lint", messy, "--only", "STYLE", "--fail-on", "warning").returncode == 1
    only_info = reconcile("lint", messy, "--only", "JSON_OPEN_CONTENT_MODEL")
    assert only_info.returncode == 0 and "1 findings" in only_info.stdout
    assert (
        reconcile(
            "lint", messy, "--only", "JSON_OPEN_CONTENT_MODEL", "--fail-on", "info"
        ).returncode
        == 1
    )
    unknown = reconcile("lint", messy, "--skip", "NOT_A_RULE")
    assert (
        unknown.returncode == 1 and "unknown lint rule or category 'NOT_A_RULE'" in unknown.stderr
    )


def test_json_report(messy: Path) -> None:  # noqa: F811
    done = reconcile("lint", messy, "--output", "json", "--only", "AVRO_DEFAULT_INVALID")
    report = json.loads(done.stdout)
    assert report == {
        "format_version": 1,
        "command": "lint",
        "counts": {"error": 1, "warning": 0, "info": 0},
        "findings": [
            {
                "rule": "AVRO_DEFAULT_INVALID",
                "category": "CORRECTNESS",
                "severity": "error",
                "file": "schemas/order.avsc",
                "line": 8,
                "column": 14,
                "context": ".",
                "subject": "orders-value",
                "path": "/fields/3",
                "message": 'field order_record.count: default "many" is not a value of the '
                "field's type",
                "fix": None,
            }
        ],
    }


def test_clean_examples_and_rule_list() -> None:
    done = reconcile("lint", REPO / "examples" / "quickstart")
    assert (done.returncode, done.stdout, done.stderr) == (0, "No findings.\n", "")
    listing = reconcile("lint", "--list-rules").stdout
    assert "AVRO_ENUM_WITHOUT_DEFAULT" in listing and "CORRECTNESS" in listing


def test_specs_that_do_not_load_fail_with_the_loaders_errors(tmp_path: Path) -> None:
    (tmp_path / "reconcile.yaml").write_text("version: 1\nspecs: [s.yaml]\n")
    (tmp_path / "s.yaml").write_text("subjects:\n  a: {schema: '{nope'}\n")
    done = reconcile("lint", tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("s.yaml:2:")  # relative to the project


def test_github_annotations_point_at_the_diff(messy: Path) -> None:  # noqa: F811
    only = ("--only", "AVRO_DEFAULT_INVALID", "--only", "JSON_OPEN_CONTENT_MODEL")
    done = reconcile("lint", messy, "-o", "github", *only, GITHUB_WORKSPACE=str(messy.parent))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"::notice file={messy.name}/schemas/event.json,line=3,col=3,title=JSON_OPEN_CONTENT_MODEL"
        "::the object at # is open: adding a typed property to it later is not BACKWARD "
        "compatible (set additionalProperties: false to close it)",
        f"::error file={messy.name}/schemas/order.avsc,line=8,col=14,title=AVRO_DEFAULT_INVALID"
        '::field order_record.count: default "many" is not a value of the field\'s type',
    ]


def test_markdown_section_for_the_plan_comment(messy: Path) -> None:  # noqa: F811
    only = ("--only", "AVRO_DEFAULT_INVALID", "--only", "AVRO_UNION_DEFAULT_NOT_FIRST")
    done = reconcile("lint", messy, "-o", "markdown", *only)
    assert done.stdout.splitlines() == [
        "### reconciler lint",
        "",
        "**2 findings (2 errors, 0 warnings, 0 infos)**",
        "",
        "| severity | rule | where | message |",
        "|---|---|---|---|",
        "| error | `AVRO_DEFAULT_INVALID` | `schemas/order.avsc:8` | field order_record.count: "
        'default "many" is not a value of the field\'s type |',
        "| error | `AVRO_UNION_DEFAULT_NOT_FIRST` | `schemas/order.avsc:9` | field "
        "order_record.comment: default null matches a later branch of the union, not its "
        "first; put that branch first |",
    ]


def test_the_project_files_fail_on_applies_unless_the_flag_is_given(messy: Path) -> None:  # noqa: F811
    project_file = messy / "reconcile.yaml"
    project_file.write_text(project_file.read_text() + "lint: {fail_on: never}\n")
    assert reconcile("lint", messy).returncode == 0
    assert reconcile("lint", messy, "--fail-on", "error").returncode == 1
