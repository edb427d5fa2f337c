"""action.yml keeps the project's ``.reconcile/cache`` between runs.

Each run is a fresh runner: a new checkout of the project at the same path, an
empty ``RUNNER_TEMP``. The Action's own steps run as GitHub runs them (bash);
``actions/cache/restore`` and ``actions/cache/save`` are played by copying the
paths their ``with:`` names into and out of a store of entries (exact key first,
then the newest entry whose key starts with the restore key, as GitHub does).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reconciler.localregistry import serve_in_thread

from .projects import REPO, quickstart

REGISTRIES = 'registries:\n  prod: {url: "${SR_PROD_URL}", auth: {bearer: "${SR_PROD_TOKEN}"}}\n'
INPUTS = {"command": "plan", "directory": "project", "registry": "", "comment": "false"}
INPUTS |= {"lint": "false", "against": "live", "github-token": "ghs_token", "cache": "true"}


def _steps() -> dict[str, dict[str, Any]]:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    return {s["id"]: s for s in action["runs"]["steps"] if "id" in s}


def _save_step() -> dict[str, Any]:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    (step,) = [s for s in action["runs"]["steps"] if s.get("uses") == "actions/cache/save@v4"]
    return step


@dataclass
class Runner:
    """A workspace at a fixed path, runs of the Action in it, and the Actions cache."""

    tmp: Path
    store: list[tuple[str, Path]] = field(default_factory=list)  # (key, entry), oldest first

    @property
    def workspace(self) -> Path:
        return self.tmp / "workspace"

    @property
    def project(self) -> Path:
        return self.workspace / INPUTS["directory"]

    def checkout(self, project: Path) -> None:
        shutil.rmtree(self.workspace, ignore_errors=True)
        shutil.copytree(project, self.project, symlinks=True)  # as git checks them out

    def _expand(self, text: str, outputs: dict[str, str]) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("inputs."):
                return INPUTS[name.removeprefix("inputs.")]
            if name.startswith("steps.cache.outputs."):
                return outputs.get(name.removeprefix("steps.cache.outputs."), "")
            assert name == "runner.temp", name
            return str(self.tmp / "runner-temp")

        return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", value, text)

    def _paths(self, step: dict[str, Any], outputs: dict[str, str]) -> list[Path]:
        lines = self._expand(step["with"]["path"], outputs).splitlines()
        return [self.workspace / line.strip() for line in lines if line.strip()]

    def run(self, env: dict[str, str] | None = None) -> Run:
        """One job: name the cache, restore it, plan, save it (as action.yml says)."""
        temp = self.tmp / "runner-temp"
        shutil.rmtree(temp, ignore_errors=True)
        temp.mkdir()
        steps = _steps()
        base_env = {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.tmp / "home"),  # reconcile's default key folder: never used
            "RUNNER_TEMP": str(temp),
            "RUNNER_OS": "Linux",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_STEP_SUMMARY": str(temp / "summary.md"),
            "NO_COLOR": "1",
            **(env or {}),
        }

        def step(name: str, extra: dict[str, str]) -> tuple[str, dict[str, str]]:
            output = temp / "output.txt"
            output.write_text("")
            script = steps[name]
            cwd = self.workspace / self._expand(script["working-directory"], {})
            result = subprocess.run(
                ["bash", "-e", "-c", script["run"]],
                cwd=cwd,
                env={**base_env, **extra, "GITHUB_OUTPUT": str(output)},
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert result.returncode == 0, result.stdout + result.stderr
            lines = output.read_text().splitlines()
            return result.stdout + result.stderr, dict(line.split("=", 1) for line in lines)

        _, named = step("cache", {})
        restore = steps["cache-restore"]
        key = self._expand(restore["with"]["key"], named)
        prefix = self._expand(restore["with"]["restore-keys"], named)
        exact = [(k, entry) for k, entry in self.store if k == key]
        by_prefix = [(k, entry) for k, entry in self.store if k.startswith(prefix)]
        matched, restored = (exact or by_prefix or [("", None)])[-1]
        if restored is not None:
            for path in self._paths(restore, named):
                kept = restored / path.relative_to(self.tmp)
                if kept.is_file():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(kept, path)
        before = _stamps(self._paths(restore, named))

        run_env = {k: self._expand(str(v), named) for k, v in steps["run"]["env"].items()}
        log, outputs = step("run", run_env)

        kept_env = {k: self._expand(str(v), named) for k, v in steps["cache-kept"]["env"].items()}
        kept_log, kept = step("cache-kept", kept_env)
        name = kept.get("key", "")
        saved = None
        save = _save_step()
        assert save["with"]["key"] == "${{ steps.cache-kept.outputs.key }}"
        assert (
            "steps.cache-kept.outputs.key != steps.cache-restore.outputs.cache-matched-key"
            in (save["if"])
        )
        if name and name != matched:  # the entry restored is not saved again
            saved = self.tmp / "store" / str(len(self.store))
            for path in self._paths(save, named):
                if path.is_file():
                    target = saved / path.relative_to(self.tmp)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)
            self.store.append((name, saved))
        after = _stamps(self._paths(restore, named))
        return Run(name, restored is not None, before, after, outputs, log + kept_log, saved)


@dataclass
class Run:
    key: str  # the kept entry's name (empty: nothing to keep)
    restored: bool  # an entry
    before: dict[Path, tuple[int, int]]  # the cache files after the restore
    after: dict[Path, tuple[int, int]]  # and after the plan
    outputs: dict[str, str]
    log: str
    saved: Path | None


def _stamps(paths: list[Path]) -> dict[Path, tuple[int, int]]:
    """Each existing file's inode and modification time: a rewrite (a temporary file
    renamed over it) changes both."""
    stamps = {}
    for path in paths:
        if path.is_file():
            stat = path.stat()
            stamps[path] = (stat.st_ino, stat.st_mtime_ns)
    return stamps


def test_a_new_runner_plans_from_the_kept_cache_only_with_its_signing_key(tmp_path: Path) -> None:
    source = quickstart(tmp_path / "source")
    runner = Runner(tmp_path)
    runner.checkout(source)
    first = runner.run()
    assert not first.restored and first.outputs["exitcode"] == "2"
    assert first.saved is not None
    kept = sorted(p.name for p in first.saved.rglob("*") if p.is_file())
    assert kept == ["cache.key", "project.bin", "results.json", "schemas.json"]

    runner.checkout(source)  # a new runner: new checkout, empty RUNNER_TEMP
    second = runner.run()
    assert second.key == first.key and second.restored and second.saved is None
    assert second.outputs == first.outputs
    # The plan loaded the project from the restored files: none was rewritten.
    assert len(second.before) == 4 and second.after == second.before

    schema = next((source / "schemas").rglob("*.avsc"))
    schema.write_text(schema.read_text().replace('"name"', '"doc": "edited", "name"', 1))
    runner.checkout(source)
    third = runner.run()
    # The newest entry of this code is restored and the new one saved.
    assert third.key != first.key and third.restored
    assert third.saved is not None and runner.store[-1][0] == third.key

    # The same entry without its signing key: foreign, so ignored (loaded in full and
    # rewritten), never trusted; the plan is the same, and the entry is replaced.
    next(third.saved.rglob("cache.key")).unlink()
    runner.checkout(source)
    unsigned = runner.run()
    assert unsigned.restored and len(unsigned.before) == 3
    assert all(unsigned.after[path] != stamp for path, stamp in unsigned.before.items())
    assert unsigned.outputs == third.outputs
    assert unsigned.saved is not None and unsigned.key not in (first.key, third.key)


def test_a_cache_the_checkout_brought_is_never_used(tmp_path: Path) -> None:
    """Files under .reconcile/cache in the repository (a pull request can add them) are
    removed before the restore: only entries the Action's runs saved are used."""
    source = quickstart(tmp_path / "source")
    planted = source / ".reconcile" / "cache"
    planted.mkdir(parents=True)
    (planted / "project.bin").write_bytes(b"planted\n{}\nnot a pickle")
    (source / ".reconcile" / "registry.db").write_bytes(b"")  # the embedded registry stays
    runner = Runner(tmp_path)
    runner.checkout(source)
    _, named = _named(runner)
    assert not (runner.project / ".reconcile" / "cache").exists()
    assert (runner.project / ".reconcile" / "registry.db").exists()
    assert named["restore-key"].startswith("reconciler-cache-v1-") and named["home"]


def _named(runner: Runner) -> tuple[str, dict[str, str]]:
    output = runner.tmp / "named.txt"
    output.write_text("")
    result = subprocess.run(
        ["bash", "-e", "-c", _steps()["cache"]["run"]],
        cwd=runner.project,
        env={
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "RUNNER_TEMP": str(runner.tmp),
            "GITHUB_OUTPUT": str(output),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout, dict(line.split("=", 1) for line in output.read_text().splitlines())


def test_the_kept_cache_holds_no_registry_url_or_credential(tmp_path: Path) -> None:
    """The Actions cache is readable by every run of the repository, forks' pull requests
    included: what the Action saves must not hold the registries' URLs or credentials."""
    source = quickstart(tmp_path / "source")
    (source / "reconcile.yaml").write_text((source / "reconcile.yaml").read_text() + REGISTRIES)
    token = "sr-token-7f3a9c"
    runner = Runner(tmp_path)
    runner.checkout(source)
    with serve_in_thread(tmp_path / "prod.db") as url:
        run = runner.run({"SR_PROD_URL": url, "SR_PROD_TOKEN": token})
    assert run.outputs["exitcode"] == "2", run.log
    assert run.saved is not None
    kept = [p for p in run.saved.rglob("*") if p.is_file()]
    assert sorted(p.name for p in kept) == [
        "cache.key",
        "project.bin",
        "reads.json",  # the plan read the served registry: its reads, for the next plan
        "results.json",
        "schemas.json",
    ]
    # settings.bin (the project file's settings) is written, and left out: its key is a
    # digest of the credentials' values, with the signing key that is kept beside it.
    assert (runner.project / ".reconcile" / "cache" / "settings.bin").is_file()
    for path in kept:
        data = path.read_bytes()
        assert token.encode() not in data and url.encode() not in data, path


def test_files_the_plan_does_not_read_neither_stop_nor_renew_the_kept_cache(tmp_path: Path) -> None:
    """The project may sit in a large repository (a monorepo's root): what the Action
    keeps is named by what it keeps, not by every file of the directory. A file the
    plan never reads, even one that cannot be read, neither turns the cache off nor
    makes a run save another entry of the same cache files."""
    source = quickstart(tmp_path / "source")
    runner = Runner(tmp_path)
    runner.checkout(source)
    first = runner.run()
    assert first.saved is not None and len(runner.store) == 1

    (source / "README.md").write_text("unrelated to the specs\n")
    (source / "node_modules").mkdir()
    (source / "node_modules" / "gone").symlink_to(source / "nowhere")
    runner.checkout(source)
    second = runner.run()
    assert "::warning::" not in second.log, second.log
    assert second.restored and len(second.before) == 4 and second.after == second.before
    assert second.saved is None and len(runner.store) == 1  # the same files: not saved again
    assert second.outputs == first.outputs
