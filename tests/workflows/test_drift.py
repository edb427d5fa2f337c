"""drift: exit 0 clean, 2 drifted, 1 error; hand edits reported, and apply repairs them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from .conftest import EXAMPLES, Registries, cli, output, with_registry

QUICKSTART = next(e for e in EXAMPLES if e.name == "quickstart")


@pytest.fixture
def applied(
    registries: Registries, copy_example: Callable[[Path], Path]
) -> tuple[Path, dict[str, str]]:
    """The quickstart example applied to a local registry: (project root, environment)."""
    env = {"SR_URL": registries.start("live")}
    root = copy_example(QUICKSTART)
    with_registry(root, "test", "SR_URL")
    result = cli("apply", root, "--auto-approve", env=env)
    assert result.exit_code == 0, output(result)
    return root, env


def test_clean_registry_exits_0(applied: tuple[Path, dict[str, str]]) -> None:
    root, env = applied
    result = cli("drift", root, env=env)
    assert result.exit_code == 0, output(result)
    assert "No drift." in result.stdout
    report = json.loads(cli("drift", root, "--output", "json", env=env).stdout)
    assert report["status"] == "clean"
    assert report["differences"] == []


def test_config_and_mode_edits_are_reported_and_apply_brings_them_back(
    applied: tuple[Path, dict[str, str]],
) -> None:
    root, env = applied
    url = env["SR_URL"]
    httpx.put(f"{url}/config", json={"compatibility": "FULL"}).raise_for_status()
    httpx.put(f"{url}/config/orders-value", json={"compatibility": "NONE"}).raise_for_status()
    httpx.put(f"{url}/mode/refunds-value", json={"mode": "READONLY"}).raise_for_status()

    result = cli("drift", root, "--output", "json", env=env)
    assert result.exit_code == 2, output(result)
    report = json.loads(result.stdout)
    assert report["status"] == "drifted"
    found = {(d["target"], d["what"], d["live"], d["desired"]) for d in report["differences"]}
    assert found == {
        ("(global)", "compatibility", "FULL", "BACKWARD"),
        ("orders-value", "compatibility", "NONE", "FULL_TRANSITIVE"),
        ("refunds-value", "mode", "READONLY", "READWRITE"),
    }
    text = cli("drift", root, env=env)
    assert text.exit_code == 2
    assert "orders-value: compatibility is NONE, the specs want FULL_TRANSITIVE" in text.stdout

    repaired = cli("apply", root, "--auto-approve", env=env)
    assert repaired.exit_code == 0, output(repaired)
    assert cli("drift", root, env=env).exit_code == 0


def test_soft_deleted_subject_is_reported_and_apply_brings_it_back(
    applied: tuple[Path, dict[str, str]],
) -> None:
    root, env = applied
    httpx.delete(f"{env['SR_URL']}/subjects/orders-key").raise_for_status()
    result = cli("drift", root, "--output", "json", env=env)
    assert result.exit_code == 2, output(result)
    (difference,) = json.loads(result.stdout)["differences"]
    assert (difference["target"], difference["what"], difference["live"]) == (
        "orders-key",
        "schema",
        "(missing)",
    )
    repaired = cli("apply", root, "--auto-approve", env=env)
    assert repaired.exit_code == 0, output(repaired)
    assert cli("drift", root, env=env).exit_code == 0


def test_newer_version_registered_by_hand_fails_the_check(
    applied: tuple[Path, dict[str, str]],
) -> None:
    """`schema:` wants the latest version; a newer one cannot be undone by registering."""
    root, env = applied
    newer = json.loads((root / "schemas" / "money.avsc").read_text())
    newer["doc"] = "edited by hand"
    httpx.post(
        f"{env['SR_URL']}/subjects/money-value/versions", json={"schema": json.dumps(newer)}
    ).raise_for_status()
    result = cli("drift", root, env=env)
    assert result.exit_code == 1, output(result)
    assert "money-value" in result.stdout
    assert "not the latest" in result.stdout


def test_version_beyond_a_pinned_history_is_drift(
    applied: tuple[Path, dict[str, str]],
) -> None:
    root, env = applied
    schema = json.loads((root / "schemas" / "customer.v2.avsc").read_text())
    schema["doc"] = "edited by hand"
    httpx.post(
        f"{env['SR_URL']}/subjects/customers-value/versions", json={"schema": json.dumps(schema)}
    ).raise_for_status()
    result = cli("drift", root, env=env)
    assert result.exit_code == 1, output(result)
    assert "the registry has version(s) 3 that the pinned history does not list" in result.stdout


def test_unreachable_registry_is_an_error(
    copy_example: Callable[[Path], Path],
) -> None:
    root = copy_example(QUICKSTART)
    with_registry(root, "test", "SR_URL")
    result = cli("drift", root, env={"SR_URL": "http://127.0.0.1:9"})
    assert result.exit_code == 1, output(result)
