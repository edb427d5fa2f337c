"""``reconcile init``: from an empty directory to a project that plans, as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import chdir
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner, Result

from reconciler.cli import main
from reconciler.localregistry import serve_in_thread


def reconcile(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *map(str, args)],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def init_here(root: Path) -> Result:
    """``reconcile init`` in process, in ``root``: for the checks that contact nothing."""
    with chdir(root):
        return CliRunner().invoke(main, ["init"], env={"NO_COLOR": "1"}, catch_exceptions=False)


def said(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A local registry over HTTP on 127.0.0.1, holding two subjects in two contexts."""
    with serve_in_thread(tmp_path / "served.db") as url:
        schema = json.dumps({"type": "record", "name": "R", "namespace": "x", "fields": []})
        for subject in ("a-value", ":.sales:b-value"):
            response = httpx.post(f"{url}/subjects/{subject}/versions", json={"schema": schema})
            response.raise_for_status()
        yield url


def test_init_then_plan_apply_plan_on_the_embedded_registry(tmp_path: Path) -> None:
    result = reconcile("init", "project", cwd=tmp_path)
    assert result.returncode == 0, said(result)
    root = tmp_path / "project"
    for name in ("reconcile.yaml", "specs/example.yaml", "schemas/example-value.avsc"):
        assert f"wrote {Path('project') / name}" in result.stdout
    assert ".reconcile/" in (root / ".gitignore").read_text().splitlines()
    assert "registries:" not in yaml.safe_load((root / "reconcile.yaml").read_text())
    assert "# " in (root / "reconcile.yaml").read_text()  # commented for a newcomer

    for command in ("validate", "lint"):
        checked = reconcile(command, cwd=root)
        assert checked.returncode == 0, said(checked)
    first = reconcile("plan", "--detailed-exitcode", cwd=root)
    assert first.returncode == 2, said(first)
    assert "example-value" in first.stdout
    applied = reconcile("apply", "--auto-approve", cwd=root)
    assert applied.returncode == 0, said(applied)
    again = reconcile("plan", "--detailed-exitcode", cwd=root)
    assert again.returncode == 0, said(again)
    assert "No changes" in again.stdout
    # What apply left behind is local state, which the .gitignore keeps out of commits.
    assert (root / ".reconcile" / "registry.db").is_file()


@pytest.mark.parametrize("existing", ["reconcile.yaml", "schemas/example-value.avsc"])
def test_init_refuses_to_overwrite_an_existing_project(tmp_path: Path, existing: str) -> None:
    path = tmp_path / existing
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# mine\n")
    result = init_here(tmp_path)
    assert result.exit_code == 1, result.output
    assert f"{existing} already exists" in result.stderr
    assert path.read_text() == "# mine\n"
    assert sorted(
        p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()
    ) == [existing]


def test_init_appends_to_an_existing_gitignore(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("node_modules/")
    assert init_here(tmp_path).exit_code == 0
    assert (tmp_path / ".gitignore").read_text().splitlines()[0] == "node_modules/"
    assert ".reconcile/" in (tmp_path / ".gitignore").read_text().splitlines()
    (tmp_path / "reconcile.yaml").unlink()
    (tmp_path / "specs/example.yaml").unlink()
    (tmp_path / "schemas/example-value.avsc").unlink()
    assert init_here(tmp_path).exit_code == 0
    assert (tmp_path / ".gitignore").read_text().count(".reconcile/") == 1


def test_init_with_a_url_targets_that_registry(tmp_path: Path, served: str) -> None:
    with_secret = served.replace("http://", "http://alice:s3cret@")
    result = reconcile("init", "--url", with_secret, "--registry", "dev", cwd=tmp_path)
    assert result.returncode == 0, said(result)
    assert "s3cret" not in said(result)
    project = yaml.safe_load((tmp_path / "reconcile.yaml").read_text())
    assert project["registries"] == {"dev": {"url": served}}
    planned = reconcile("plan", "--detailed-exitcode", cwd=tmp_path)
    assert planned.returncode == 2, said(planned)
    assert f"Registry dev ({served})" in planned.stdout


def test_init_from_a_registry_url_adopts_it(tmp_path: Path, served: str) -> None:
    result = reconcile("init", "adopted", "--from-registry", served, cwd=tmp_path)
    assert result.returncode == 0, said(result)
    root = tmp_path / "adopted"
    assert ".reconcile/" in (root / ".gitignore").read_text().splitlines()
    assert not (root / "specs" / "example.yaml").exists()
    planned = reconcile("plan", "--detailed-exitcode", cwd=root)
    assert planned.returncode == 0, said(planned)
    assert "No changes" in planned.stdout
    assert "contexts: ., .sales" in planned.stdout


def test_init_from_a_registry_of_the_project_here(tmp_path: Path, served: str) -> None:
    (tmp_path / "reconcile.yaml").write_text(
        f"version: 1\nregistries:\n  prod: {{url: {served}}}\nspecs: [specs/*.yaml]\n"
    )
    result = reconcile("init", "adopted", "--from-registry", "prod", cwd=tmp_path)
    assert result.returncode == 0, said(result)
    adopted = yaml.safe_load((tmp_path / "adopted" / "reconcile.yaml").read_text())
    assert adopted["registries"] == {"prod": {"url": served}}
    planned = reconcile("plan", "adopted", "--detailed-exitcode", cwd=tmp_path)
    assert planned.returncode == 0, said(planned)
    # The project here is the source, never a target: init refuses to write over it.
    refused = reconcile("init", "--from-registry", "prod", cwd=tmp_path)
    assert refused.returncode == 1
    assert "reconcile.yaml already exists" in refused.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--url", "sr.example.com"],
        ["--from-registry", "ftp://sr.example.com"],
        ["--url", "http://a", "--from-registry", "http://b"],
        ["--history"],
    ],
    ids=["bad-url", "bad-source-url", "two-registries", "history-alone"],
)
def test_init_usage_errors_write_nothing(tmp_path: Path, args: list[str]) -> None:
    with chdir(tmp_path):
        result = CliRunner().invoke(main, ["init", "p", *args], catch_exceptions=False)
    assert result.exit_code == 64, result.output  # EX_USAGE, docs/cli.md
    assert not (tmp_path / "p").exists()
