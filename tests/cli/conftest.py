"""The CLI as a subprocess, and small projects written to a temporary directory."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from reconciler.localregistry import serve_in_thread


def reconcile(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``reconcile ARGS`` in ``cwd``, with only ``env`` (and PATH) in its environment."""
    return subprocess.run(
        [sys.executable, "-c", "from reconciler.cli import entry; entry()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NO_COLOR": "1", **(env or {})},
        timeout=120,
    )


def write_project(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    return root


V1 = '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}]}'
# Adds a field without a default: not BACKWARD compatible with V1.
V2 = (
    '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}, '
    '{"name": "total", "type": "int"}]}'
)


def propose_v2_over_v1(project: Path) -> None:
    """The registry of ``project`` holds V1 of orders-value under BACKWARD (applied);
    its spec now asks for V2, which adds a field without a default."""
    write_project(
        project,
        {
            "reconcile.yaml": "version: 1\n",
            "specs/orders.yaml": "compatibility: BACKWARD\nsubjects:\n"
            "  orders-value: {schema: ../schemas/order.avsc}\n",
            "schemas/order.avsc": V1,
        },
    )
    applied = reconcile("apply", ".", "--auto-approve", cwd=project)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    (project / "schemas/order.avsc").write_text(V2)


@pytest.fixture
def incompatible(project: Path) -> Path:
    """A project whose registry holds V1 and whose spec asks for the incompatible V2,
    beside a new subject (so the failed plan has an action too)."""
    propose_v2_over_v1(project)
    (project / "specs/more.yaml").write_text(
        "context: more\nsubjects:\n  new-value: {schema: ../schemas/order.avsc}\n"
    )
    return project


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project of one Avro subject, applied to a registry served over HTTP."""
    root = tmp_path_factory.mktemp("applied")
    with serve_in_thread(root / "served.db") as url:
        project = write_project(
            root / "proj",
            {
                "reconcile.yaml": f"version: 1\nregistries:\n  dev: {{url: '{url}'}}\n",
                "specs/orders.yaml": "compatibility: BACKWARD\nsubjects:\n"
                "  orders-value: {schema: ../schemas/order.avsc}\n",
                "schemas/order.avsc": V1,
            },
        )
        result = subprocess.run(
            [sys.executable, "-m", "reconciler", "apply", ".", "--auto-approve"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        yield project
