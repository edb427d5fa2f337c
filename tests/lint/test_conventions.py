"""A team's conventions.yaml: required fields on every record, documented fields, each with
its fix; without the file neither rule runs, and a mistake in it names its line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.lint import ConventionsError, lint
from reconciler.spec import load_project

ORDER = """\
{
  "type": "record",
  "name": "Order",
  "namespace": "acme",
  "fields": [
    {"name": "event_id", "type": "string", "doc": "unique per event"},
    {"name": "total", "type": "long"}
  ]
}
"""

EVENT = json.dumps(
    {
        "type": "object",
        "properties": {"occurred_at": {"type": "string", "description": "ISO 8601"}},
    },
    indent=2,
)

AUDIT = 'syntax = "proto3";\npackage acme;\n\nmessage Entry {\n  string id = 1;\n}\n'

CONVENTIONS = """\
required_fields:
  - event_id
  - {name: occurred_at, type: {type: long, logicalType: timestamp-millis}}
field_docs: true
"""


@pytest.fixture
def team(tmp_path: Path) -> Path:
    files = {
        "reconcile.yaml": "version: 1\n",
        "specs/s.yaml": "compatibility: BACKWARD\nsubjects:\n"
        "  orders-value: {schema: ../schemas/order.avsc}\n"
        "  orders-key: {schema: ../schemas/order.avsc}\n"
        "  events-value: {type: JSON, schema: ../schemas/event.json}\n"
        "  audit-value: {type: PROTOBUF, schema: ../schemas/audit.proto}\n",
        "schemas/order.avsc": ORDER,
        "schemas/event.json": EVENT,
        "schemas/audit.proto": AUDIT,
        "conventions.yaml": CONVENTIONS,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def _findings(root: Path) -> set[tuple[str, str, str, int, str]]:
    report = lint(load_project(root), only=["FIELD_DOC_MISSING", "REQUIRED_FIELD_MISSING"])
    found = set()
    for f in report.findings:
        assert f.location is not None
        found.add(
            (
                f.rule.id,
                f.subject,
                f.location.file.relative_to(root).as_posix(),
                f.location.line,
                f.fix,
            )
        )
    return found


def test_required_fields_and_docs_with_their_fixes(team: Path) -> None:
    occurred = (
        '{"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}}'
    )
    assert _findings(team) == {
        # The record lacks occurred_at; the key subject is left out.
        (
            "REQUIRED_FIELD_MISSING",
            "orders-value",
            "schemas/order.avsc",
            3,
            f"add {occurred} with a default, to evolve compatibly",
        ),
        (
            "FIELD_DOC_MISSING",
            "orders-value",
            "schemas/order.avsc",
            7,
            'add "doc": "<what the field holds, its unit or format>"',
        ),
        (
            "FIELD_DOC_MISSING",
            "orders-key",
            "schemas/order.avsc",
            7,
            'add "doc": "<what the field holds, its unit or format>"',
        ),
        (
            "REQUIRED_FIELD_MISSING",
            "events-value",
            "schemas/event.json",
            3,
            'add "event_id": {"type": "string"} to properties',
        ),
        (
            "REQUIRED_FIELD_MISSING",
            "audit-value",
            "schemas/audit.proto",
            4,
            "add `string event_id = 2;`",
        ),
        (
            "REQUIRED_FIELD_MISSING",
            "audit-value",
            "schemas/audit.proto",
            4,
            "add `string occurred_at = 3;`",
        ),
    }


def test_without_the_file_neither_rule_runs(team: Path) -> None:
    (team / "conventions.yaml").unlink()
    assert _findings(team) == set()


def test_a_mistake_in_the_file_names_its_line(team: Path) -> None:
    (team / "conventions.yaml").write_text("required_fields: [event_id]\nfield_doc: true\n")
    with pytest.raises(ConventionsError, match=r"conventions.yaml:2: unknown convention"):
        lint(load_project(team))
    (team / "conventions.yaml").write_text("required_fields:\n  - {nam: x}\n")
    with pytest.raises(ConventionsError, match=r"conventions.yaml:2: a required field"):
        lint(load_project(team))
    done = subprocess.run(
        [sys.executable, "-c", "from reconciler.cli import main; main()", "lint", str(team)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        timeout=60,
    )
    assert done.returncode == 1 and "conventions.yaml:2: a required field" in done.stderr
