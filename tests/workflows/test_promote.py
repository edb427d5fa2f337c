"""Promote: one spec with `registries: [dev, prod]` is planned, applied and checked per registry."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import Registries, cli, output

SPEC = """\
registries: [dev, prod]
compatibility: FULL
subjects:
  orders-value:
    schema: {type: record, name: Order, fields: [{name: id, type: string}]}
"""


def test_one_spec_is_planned_for_each_registry(registries: Registries, tmp_path: Path) -> None:
    env = {"DEV_URL": registries.start("dev"), "PROD_URL": registries.start("prod")}
    (tmp_path / "reconcile.yaml").write_text(
        'version: 1\nregistries:\n  dev: {url: "${DEV_URL}"}\n  prod: {url: "${PROD_URL}"}\n'
    )
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "orders.yaml").write_text(SPEC)

    planned = cli("plan", tmp_path, env=env)
    assert planned.exit_code == 0, output(planned)
    sections = [line for line in planned.stdout.splitlines() if line.startswith("Registry ")]
    assert [s.split()[1] for s in sections] == ["dev", "prod"]
    plan = json.loads(cli("plan", tmp_path, "--output", "json", env=env).stdout)
    assert [r["name"] for r in plan["registries"]] == ["dev", "prod"]
    assert {(a["registry"], a["kind"]) for a in plan["actions"]} == {
        (name, kind) for name in ("dev", "prod") for kind in ("register", "set_compatibility")
    }

    # Promote step by step: dev first; prod drifts until it gets the same apply.
    assert cli("apply", tmp_path, "--registry", "dev", "--auto-approve", env=env).exit_code == 0
    assert cli("drift", tmp_path, "--registry", "dev", env=env).exit_code == 0
    assert cli("drift", tmp_path, env=env).exit_code == 2
    assert cli("apply", tmp_path, "--auto-approve", env=env).exit_code == 0
    assert cli("drift", tmp_path, env=env).exit_code == 0
