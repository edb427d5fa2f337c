"""migrate: ids and versions preserved across registries, verified; unsafe targets refused."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from reconciler.cli import migrate_cmd

from .conftest import Registries, cli, output
from .generate import CONTEXTS


def listing(url: str) -> dict[tuple[str, int], tuple[int, str]]:
    """(subject, version) -> (id, schema) of every live version, every context."""
    found = {}
    for context in CONTEXTS:
        prefix = "" if context == "." else f":{context}:"
        params = {"subjectPrefix": prefix} if prefix else {}
        for item in httpx.get(f"{url}/schemas", params=params).json():
            found[(item["subject"], item["version"])] = (item["id"], item["schema"])
    return found


@pytest.fixture
def source(registries: Registries, small_db: Path) -> str:
    return registries.start("source", small_db)


def test_migrate_preserves_ids_and_versions_across_three_contexts(
    source: str, registries: Registries, tmp_path: Path
) -> None:
    target = registries.start("target")
    args = ["migrate", tmp_path, "--from", source, "--to", target, "--preserve-ids"]
    result = cli(*args, "--auto-approve")
    assert result.exit_code == 0, output(result)
    assert "Verified: " in result.stdout

    expected = listing(source)
    assert len(expected) > 33
    assert listing(target) == expected
    assert any(":.sales:" in s for s, _ in expected) and any(":.billing:" in s for s, _ in expected)
    referrer = httpx.get(f"{target}/subjects/topic30-value/versions/1").json()
    assert referrer["references"][0]["subject"] == "address-value"
    # Config and mode came along; no subject was left in IMPORT mode.
    assert httpx.get(f"{target}/config/:.sales:").json()["compatibilityLevel"] == "FULL"
    assert httpx.get(f"{target}/mode/:.billing:topic26-value").json()["mode"] == "READONLY"
    modes = [httpx.get(f"{target}/mode/{s}").json() for s, _ in expected]
    assert all(m.get("mode") != "IMPORT" for m in modes)

    again = cli(*args, "--dry-run")
    assert again.exit_code == 0, output(again)
    assert "No changes" in again.stdout


def test_migrate_one_context_without_ids(
    source: str, registries: Registries, tmp_path: Path
) -> None:
    target = registries.start("target")
    args = ["migrate", tmp_path, "--from", source, "--to", target, "--context", "sales"]
    result = cli(*args, "--auto-approve")
    assert result.exit_code == 0, output(result)
    assert "same subject, version and schema" in result.stdout
    moved = listing(target)
    assert moved and all(s.startswith(":.sales:") for s, _ in moved)
    assert {k: v[1] for k, v in moved.items()} == {
        k: v[1] for k, v in listing(source).items() if k[0].startswith(":.sales:")
    }


def test_dry_run_changes_nothing(source: str, registries: Registries, tmp_path: Path) -> None:
    target = registries.start("target")
    result = cli("migrate", tmp_path, "--from", source, "--to", target, "--dry-run")
    assert result.exit_code == 0, output(result)
    assert "Dry run: nothing was applied." in result.stdout
    assert httpx.get(f"{target}/subjects").json() == []


def test_colliding_id_in_a_non_empty_target_is_refused(
    source: str, registries: Registries, tmp_path: Path
) -> None:
    target = registries.start("target")
    other = json.dumps({"type": "record", "name": "Other", "fields": []})
    httpx.post(f"{target}/subjects/other-value/versions", json={"schema": other}).raise_for_status()
    assert httpx.get(f"{target}/schemas/ids/1").status_code == 200
    before = listing(target)

    result = cli(
        "migrate", tmp_path, "--from", source, "--to", target, "--preserve-ids", "--auto-approve"
    )
    assert result.exit_code == 1, output(result)
    assert "id 1 is already used in context . by other-value version 1" in result.stdout
    assert "nothing was applied" in result.stderr
    assert listing(target) == before


def test_readonly_target_is_refused(registries: Registries, tmp_path: Path) -> None:
    source, target = registries.start("source"), registries.start("target")
    (tmp_path / "reconcile.yaml").write_text(
        "version: 1\nregistries:\n"
        f"  dev: {{url: {source}}}\n"
        f"  prod: {{url: {target}, readonly: true}}\n"
    )
    result = cli("migrate", tmp_path, "--from", "dev", "--to", "prod", "--auto-approve")
    assert result.exit_code == 1, output(result)
    assert "registry prod is readonly" in result.stderr


def test_credentials_never_appear_in_the_output(
    source: str, registries: Registries, tmp_path: Path
) -> None:
    target = registries.start("target").replace("http://", "http://bob:t0ps3cret@")
    with_secret = source.replace("http://", "http://alice:s3cret@")
    result = cli("migrate", tmp_path, "--from", with_secret, "--to", target, "--dry-run")
    assert result.exit_code == 0, output(result)
    assert "s3cret" not in output(result)
    assert "t0ps3cret" not in output(result)


def test_a_big_migration_plan_is_summarised(
    source: str, registries: Registries, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrate_cmd, "FULL_PLAN_ACTIONS", 10)
    target = registries.start("target")
    result = cli("migrate", tmp_path, "--from", source, "--to", target, "--dry-run")
    assert result.exit_code == 0, output(result)
    assert "too many to list" in result.stdout
    assert "by context: . " in result.stdout
    assert '"type"' not in result.stdout  # no schema bodies


def test_the_verification_as_json_and_markdown(
    source: str, registries: Registries, tmp_path: Path
) -> None:
    """stdout holds only the report; the story (source, plan, steps) goes to stderr."""
    target = registries.start("target")
    args = ["migrate", tmp_path, "--from", source, "--to", target, "--context", "sales"]
    dry = cli(*args, "--dry-run", "-o", "json")
    assert dry.exit_code == 0, output(dry)
    planned = json.loads(dry.stdout)
    assert (planned["command"], planned["status"], planned["rows"]) == ("migrate", "dry_run", [])
    assert planned["steps"] > 0

    result = cli(*args, "--auto-approve", "-o", "json")
    assert result.exit_code == 0, output(result)
    report = json.loads(result.stdout)
    assert list(report)[:2] == ["format_version", "command"]
    assert (report["status"], report["differing"]) == ("verified", 0)
    assert report["versions"] == len(report["rows"]) > 0
    assert {row["status"] for row in report["rows"]} == {"ok"}
    assert "Source " in result.stderr

    again = cli(*args, "--auto-approve", "-o", "markdown")
    assert again.exit_code == 0, output(again)
    assert again.stdout.startswith("### reconcile migrate source -> target: verified")
    assert "| subject | version | source id | target id | status |" in again.stdout
