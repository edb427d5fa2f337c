"""``.pre-commit-hooks.yaml``, run by ``pre-commit try-repo`` in a temporary git repository.

try-repo clones this repository (with any uncommitted change), installs the
hook's environment and runs it on the temporary repository, as a user's
``pre-commit run`` would. try-repo installs into a temporary directory
of its own, so nothing is reused from (or left in) the user's cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PRE_COMMIT = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")


def search_path(on_path: bool) -> str:
    """PATH with this environment's scripts first, or without them."""
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and Path(p) != BIN]
    return os.pathsep.join([str(BIN), *path] if on_path else path)


def run(
    *args: str | Path, cwd: Path, home: Path, on_path: bool = True
) -> subprocess.CompletedProcess[str]:
    """``args`` in ``cwd``; ``on_path``: with this environment's ``reconcile`` on PATH."""
    env = {
        **os.environ,
        "PATH": search_path(on_path),
        "PRE_COMMIT_HOME": str(home),
        "NO_COLOR": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git repository holding the project ``reconcile init`` writes."""
    root = tmp_path / "repo"
    root.mkdir()
    home = tmp_path / "home"
    assert run(sys.executable, "-m", "reconciler", "init", cwd=root, home=home).returncode == 0
    assert run("git", "init", "-q", cwd=root, home=home).returncode == 0
    assert run("git", "add", "-A", cwd=root, home=home).returncode == 0
    return root


def try_repo(project: Path, hook: str, on_path: bool = True) -> subprocess.CompletedProcess[str]:
    assert PRE_COMMIT is not None, "pre-commit is a dev dependency: pip install -e '.[dev]'"
    home = project.parent / "home"
    args = (PRE_COMMIT, "try-repo", REPO, hook, "--all-files")
    return run(*args, cwd=project, home=home, on_path=on_path)


def said(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def test_the_manifest_declares_validate_and_lint_in_both_variants() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert sorted(hooks) == [
        "reconcile-lint",
        "reconcile-lint-system",
        "reconcile-validate",
        "reconcile-validate-system",
    ]
    for hook in hooks.values():
        assert hook["pass_filenames"] is False  # the project is a directory, not files
        assert hook["entry"].split()[1] in ("validate", "lint")


@pytest.mark.parametrize("hook", ["reconcile-validate-system", "reconcile-lint-system"])
def test_system_hooks_pass_a_clean_project_and_fail_a_broken_one(project: Path, hook: str) -> None:
    passed = try_repo(project, hook)
    assert passed.returncode == 0, said(passed)
    assert "Passed" in passed.stdout

    spec = project / "specs" / "example.yaml"
    if hook.startswith("reconcile-validate"):
        spec.write_text(spec.read_text().replace("compatibility: BACKWARD", "compatibilty: x"))
        expected = "specs/example.yaml:"
    else:
        spec.write_text(spec.read_text().replace("compatibility: BACKWARD", "compatibility: NONE"))
        expected = "COMPATIBILITY_NONE"
    failed = try_repo(project, hook)
    assert failed.returncode == 1, said(failed)
    assert "Failed" in failed.stdout
    assert expected in failed.stdout


def test_the_python_hook_installs_reconciler_into_its_own_environment(project: Path) -> None:
    """The default hooks, with no reconcile on PATH: pre-commit builds an environment from
    this repository, dependencies from the package index (the costliest test here)."""
    assert shutil.which("reconcile", path=search_path(on_path=False)) is None
    result = try_repo(project, "reconcile-validate", on_path=False)
    assert result.returncode == 0, said(result)
    assert "Installing environment for" in said(result)
    assert "Passed" in result.stdout
