"""Per-registry write policy (``allow:``): refused before any write, naming the registry and
the kind of write, by the CLI's apply, migrate and the MCP server (engine/policy.py).

The registries are local registries served over HTTP on 127.0.0.1, each with a
request log: a refused plan leaves no write in it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from reconciler.localregistry import serve_in_thread

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart"


def writes(log: Path) -> list[dict[str, str]]:
    if not log.exists():
        return []
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    return [e for e in entries if e["method"] not in ("GET", "HEAD")]


def project(root: Path, registries: str) -> Path:
    shutil.copytree(QUICKSTART, root, ignore=shutil.ignore_patterns(".reconcile"))
    (root / "reconcile.yaml").write_text(
        f"version: 1\nregistries:\n{registries}specs: [specs/*.yaml]\n"
    )
    return root


def reconcile(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_apply_refuses_a_kind_of_write_the_registry_does_not_allow(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    with serve_in_thread(tmp_path / "registry.db", request_log=log) as url:
        root = project(tmp_path / "p", f'  staging:\n    url: "{url}"\n    allow: [register]\n')
        refused = reconcile(root, "apply", "--auto-approve")
        assert refused.returncode == 1
        assert "the project's write policy refuses this plan; nothing was applied" in (
            refused.stderr
        )
        assert "registry staging does not allow config (set_compatibility payments-value" in (
            refused.stderr
        )
        assert writes(log) == []
        # With what the plan needs allowed, the same apply goes through.
        text = (root / "reconcile.yaml").read_text()
        (root / "reconcile.yaml").write_text(text.replace("[register]", "[register, config, mode]"))
        assert reconcile(root, "apply", "--auto-approve").returncode == 0
        assert writes(log)


def test_migrate_refuses_imports_into_a_register_only_registry(tmp_path: Path) -> None:
    source_log, target_log = tmp_path / "source.jsonl", tmp_path / "target.jsonl"
    with (
        serve_in_thread(tmp_path / "source.db", request_log=source_log) as source,
        serve_in_thread(tmp_path / "target.db", request_log=target_log) as target,
    ):
        registries = (
            f'  dev:\n    url: "{source}"\n'
            f'  archive:\n    url: "{target}"\n    allow: [register, config]\n'
        )
        root = project(tmp_path / "p", registries)
        for spec in ("orders", "payments"):
            path = root / "specs" / f"{spec}.yaml"
            path.write_text("registry: dev\n" + path.read_text())
        assert reconcile(root, "apply", "--auto-approve").returncode == 0
        migrated = reconcile(
            root, "migrate", "--from", "dev", "--to", "archive", "--preserve-ids", "--auto-approve"
        )
        assert migrated.returncode == 1, migrated.stdout + migrated.stderr
        assert "registry archive does not allow import" in migrated.stderr
        assert writes(target_log) == []
