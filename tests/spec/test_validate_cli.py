"""``reconcile validate`` as a subprocess: output streams and exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import ORDER, Write

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def reconcile(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from reconciler.cli import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "SR_TOKEN": "s3cr3t"},
        timeout=60,
    )


def test_success_prints_summary(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\n",
            "specs/a.yaml": f"subjects:\n  a: {{schema: '{ORDER}'}}\n  b: {{}}\n",
            "specs/b.yaml": "context: other\nsubjects:\n  c: {compatibility: FULL}\n",
        }
    )
    result = reconcile("validate", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "OK: 2 spec files, 3 subjects, 1 registry (local, embedded default)\n"
    assert result.stderr == ""


def test_directory_argument_and_configured_registries(write: Write, tmp_path: Path) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\nregistries:\n  dev: {url: 'http://h'}\n"
            "  prod: {url: 'https://p', auth: {bearer: '${SR_TOKEN}'}}\n",
            "specs/a.yaml": "registries: [dev, prod]\nsubjects: {a: {}}\n",
        }
    )
    result = reconcile("validate", str(root), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "OK: 1 spec file, 1 subject, 2 registries (dev, prod)\n"


def test_errors_go_to_stderr_with_exit_1(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\n",
            "specs/a.yaml": "subjects:\n  a: {schema: nope.avsc}\n  b: {typ: AVRO}\n",
        }
    )
    result = reconcile("validate", cwd=root)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "specs/a.yaml:2:15: schema file not found: specs/nope.avsc",
        "specs/a.yaml:3:7: unknown key 'typ' in subjects.b; did you mean 'type'?",
        "2 errors",
    ]


def test_missing_project_file(tmp_path: Path) -> None:
    result = reconcile("validate", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == "reconcile.yaml: project file not found"


def test_warnings_do_not_fail(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\n",
            "specs/a.yaml": 'subjects:\n  a:\n    schema: |\n      {"type": "Ext"}\n'
            "    references: [{name: Ext, subject: ext}]\n",
        }
    )
    result = reconcile("validate", cwd=root)
    assert result.returncode == 0
    assert result.stderr.startswith("specs/a.yaml:5:18: warning: reference 'Ext': subject 'ext'")


def test_quickstart_example_is_valid() -> None:
    result = reconcile("validate", str(EXAMPLES / "quickstart"), cwd=EXAMPLES)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: ")
