"""drift: exit 0 clean, 2 drifted, 1 error; hand edits reported, and apply repairs them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result

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


def test_newer_version_registered_by_hand_is_drift(
    applied: tuple[Path, dict[str, str]],
) -> None:
    """`schema:` wants the latest version; a newer one registered by hand is drift (2),
    reported as a difference apply cannot undo, not as a failed check (1)."""
    root, env = applied
    newer = json.loads((root / "schemas" / "money.avsc").read_text())
    newer["doc"] = "edited by hand"
    httpx.post(
        f"{env['SR_URL']}/subjects/money-value/versions", json={"schema": json.dumps(newer)}
    ).raise_for_status()
    result = cli("drift", root, env=env)
    assert result.exit_code == 2, output(result)
    assert "money-value" in result.stdout
    assert "not the latest" in result.stdout
    assert "apply cannot undo" in result.stdout
    report = cli("drift", root, "--output", "json", env=env)
    assert report.exit_code == 2
    data = json.loads(report.stdout)
    assert data["status"] == "drifted"
    assert data["problems"] == []
    (difference,) = data["differences"]
    assert difference["target"] == "money-value"
    assert difference["what"] == "version"
    assert difference["live"] == "version 2"
    assert difference["repairable"] is False
    assert "specs/payments.yaml:" in difference["source"]


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
    assert result.exit_code == 2, output(result)
    assert "the registry has version 3 that the pinned history does not list" in result.stdout
    (difference,) = json.loads(cli("drift", root, "-o", "json", env=env).stdout)["differences"]
    assert (difference["target"], difference["what"], difference["live"]) == (
        "customers-value",
        "version",
        "version 3",
    )


def test_a_plan_error_fails_the_check(applied: tuple[Path, dict[str, str]]) -> None:
    """An incompatible spec is an error of the specs, not drift: exit 1 in both outputs."""
    root, env = applied
    money = json.loads((root / "schemas" / "money.avsc").read_text())
    money["fields"].append({"name": "rate", "type": "double"})  # no default: not BACKWARD
    (root / "schemas" / "money.avsc").write_text(json.dumps(money))
    result = cli("drift", root, env=env)
    assert result.exit_code == 1, output(result)
    assert "The check failed" in result.stdout
    report = cli("drift", root, "-o", "json", env=env)
    assert report.exit_code == 1
    data = json.loads(report.stdout)
    assert data["status"] == "error"
    assert any("not BACKWARD compatible" in p["message"] for p in data["problems"])


def test_subject_no_spec_names_is_reported(applied: tuple[Path, dict[str, str]]) -> None:
    root, env = applied
    stray = {"type": "record", "name": "Stray", "fields": [{"name": "a", "type": "string"}]}
    for subject in ("stray-value", ":.other:elsewhere-value"):
        httpx.post(
            f"{env['SR_URL']}/subjects/{subject}/versions", json={"schema": json.dumps(stray)}
        ).raise_for_status()
    result = cli("drift", root, "-o", "json", env=env)
    assert result.exit_code == 2, output(result)
    (difference,) = json.loads(result.stdout)["differences"]
    # the context .other is not managed by any spec: not reported
    assert (difference["target"], difference["what"], difference["repairable"]) == (
        "stray-value",
        "unmanaged",
        False,
    )
    text = cli("drift", root, env=env)
    assert text.exit_code == 2
    assert "stray-value: 1 version that no spec names" in text.stdout

    # A protected subject is known and kept on purpose: not reported.
    spec = root / "specs" / "orders.yaml"
    spec.write_text(spec.read_text().replace("subjects:", "protected: [stray-*]\nsubjects:", 1))
    assert cli("drift", root, env=env).exit_code == 0

    # Under prune: true the subject is a planned delete, reported once, repairable.
    (root / "specs" / "other.yaml").write_text(
        "context: other\nprune: true\nsubjects:\n  kept-value: {type: AVRO, schema: "
        + json.dumps(json.dumps(stray))
        + "}\n"
    )
    pruned = cli("drift", root, "-o", "json", env=env)
    assert pruned.exit_code == 2, output(pruned)
    found = {
        (d["target"], d["what"], d["repairable"]) for d in json.loads(pruned.stdout)["differences"]
    }
    assert found == {
        (":.other:elsewhere-value", "deleted", True),
        (":.other:kept-value", "schema", True),
    }


def test_unreachable_registry_is_an_error(
    copy_example: Callable[[Path], Path],
) -> None:
    root = copy_example(QUICKSTART)
    with_registry(root, "test", "SR_URL")
    result = cli("drift", root, env={"SR_URL": "http://127.0.0.1:9"})
    assert result.exit_code == 1, output(result)


def _one_json_document(result: Result) -> dict[str, Any]:
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_json_report_on_a_down_registry(copy_example: Callable[[Path], Path]) -> None:
    root = copy_example(QUICKSTART)
    with_registry(root, "test", "SR_URL")
    result = cli("drift", root, "-o", "json", env={"SR_URL": "http://127.0.0.1:9"})
    assert result.exit_code == 1, output(result)
    report = _one_json_document(result)
    assert report["status"] == "error"
    assert report["differences"] == []
    (problem,) = report["problems"]
    assert problem["severity"] == "error"
    assert "127.0.0.1:9" in problem["message"]


def test_json_report_on_specs_that_do_not_load(copy_example: Callable[[Path], Path]) -> None:
    root = copy_example(QUICKSTART)
    spec = root / "specs" / "orders.yaml"
    spec.write_text(spec.read_text().replace("compatibility: BACKWARD", "compatibility: SIDEWAYS"))
    result = cli("drift", root, "-o", "json")
    assert result.exit_code == 1, output(result)
    report = _one_json_document(result)
    assert report["status"] == "error"
    assert any(
        "SIDEWAYS" in p["message"] and "specs/orders.yaml:5:" in (p["source"] or "")
        for p in report["problems"]
    ), report


def test_json_report_on_an_unknown_registry(applied: tuple[Path, dict[str, str]]) -> None:
    root, env = applied
    result = cli("drift", root, "-o", "json", "--registry", "nope", env=env)
    assert result.exit_code == 1, output(result)
    report = _one_json_document(result)
    assert report["status"] == "error"
    assert "unknown registry nope" in report["problems"][0]["message"]
