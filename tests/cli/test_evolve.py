"""``reconcile evolve`` as a subprocess: the spec's schema or a file, against a local registry."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from render.markdown_check import assert_balanced

from reconciler.registry import RegistryClient

from .conftest import V2, propose_v2_over_v1, reconcile


@pytest.fixture(scope="module")
def proposed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The registry holds V1 under BACKWARD; the spec now asks for V2 (a field, no default).
    Shared by the tests of this module, which only add files beside the specs."""
    project = tmp_path_factory.mktemp("evolve")
    propose_v2_over_v1(project)
    return project


def test_spec_proposal_incompatible_exits_2_with_suggestions(proposed: Path) -> None:
    done = reconcile("evolve", "orders-value", cwd=proposed)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "incompatible under BACKWARD (the subject holds version 1)" in done.stdout
    assert "READER_FIELD_MISSING_DEFAULT_VALUE at /fields/1 (version 1)" in done.stdout
    assert 'Order.total: add "default": 0' in done.stdout
    assert "[loosen-level]" in done.stdout


def test_json_report(proposed: Path) -> None:
    done = reconcile("evolve", "orders-value", "-o", "json", cwd=proposed)
    assert done.returncode == 2, done.stderr
    report = json.loads(done.stdout)
    assert list(report)[:2] == ["format_version", "command"] and report["command"] == "evolve"
    assert report["format_version"] == 1 and report["level"] == "BACKWARD"
    assert report["versions"] == [1]
    first = report["suggestions"][0]
    assert first["kind"] == "add-default" and first["checked"] is True
    schema = json.loads(first["steps"][0]["schema"])
    assert schema["fields"][1] == {"name": "total", "type": "int", "default": 0}


def test_markdown_report_is_balanced(proposed: Path) -> None:
    done = reconcile("evolve", "orders-value", "-o", "markdown", cwd=proposed)
    assert done.returncode == 2, done.stderr
    assert "| **BACKWARD** | breaks version 1 |" in done.stdout
    assert_balanced(done.stdout)


def test_a_file_and_a_level(proposed: Path) -> None:
    (proposed / "fixed.avsc").write_text(
        V2.replace('"type": "int"}', '"type": "int", "default": 0}')
    )
    done = reconcile("evolve", "orders-value", "fixed.avsc", cwd=proposed)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "compatible under BACKWARD" in done.stdout
    # The level can be given; FORWARD accepts the field without a default.
    done = reconcile(
        "evolve", "orders-value", "schemas/order.avsc", "--level", "forward", cwd=proposed
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_errors_exit_1_and_say_why(proposed: Path) -> None:
    (proposed / "bad.avsc").write_text('{"type": "record"')
    done = reconcile("evolve", "orders-value", "bad.avsc", cwd=proposed)
    assert done.returncode == 1 and "bad.avsc" in done.stderr
    done = reconcile("evolve", "payments-value", cwd=proposed)
    assert done.returncode == 1 and "no spec declares a schema for subject" in done.stderr
    done = reconcile("evolve", "orders-value", "--level", "SIDEWAYS", cwd=proposed)
    assert done.returncode == 64


def test_json_schema_from_a_file_against_a_registry_url(tmp_path: Path) -> None:
    registry = f"local:{tmp_path / 'r.db'}"
    old = {
        "type": "object",
        "properties": {"id": {"type": "string"}},
        "additionalProperties": False,
    }
    new = {
        **old,
        "properties": {"id": {"type": "string"}, "n": {"type": "integer"}},
        "required": ["n"],
    }
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    # First version: nothing to break.
    done = reconcile("evolve", "s", "old.json", "--registry", registry, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the subject holds no versions yet" in done.stdout
    asyncio.run(_register(registry, "s", old))
    done = reconcile("evolve", "s", "new.json", "--registry", registry, "-o", "json", cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["type"] == "JSON"
    assert [s["kind"] for s in report["suggestions"]][:2] == ["add-default", "make-optional"]


async def _register(url: str, subject: str, schema: dict) -> None:
    async with RegistryClient(url) as client:
        await client.register(subject, json.dumps(schema), "JSON")
