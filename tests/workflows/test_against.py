"""plan --against: the working tree planned against the state the specs at a git ref
(or in a directory) describe, in in-memory registries, with no registry and no
environment variable (the CLI runs as a subprocess with PATH only)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import EXAMPLES, Registries, cli, output

QUICKSTART = next(e for e in EXAMPLES if e.name == "quickstart")
# The project names a registry whose URL and token are secrets that are never set here.
REGISTRIES = 'registries:\n  dev: {url: "${SR_URL}", auth: {bearer: "${SR_TOKEN}"}}\n'


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def reconcile(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in an environment holding nothing but PATH."""
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        cwd=cwd,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=120,
    )


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The quickstart in a subdirectory of a git repository, committed on main."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    root = repo / "schemas-project"
    shutil.copytree(QUICKSTART, root, ignore=shutil.ignore_patterns(".reconcile"))
    (root / "reconcile.yaml").write_text((root / "reconcile.yaml").read_text() + REGISTRIES)
    commit(repo, "base")
    return root


def plan_json(root: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    result = reconcile(root, "plan", "--output", "json", "--detailed-exitcode", *args)
    data = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.returncode, data, result.stderr


def edit_json(path: Path, change: Any) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))


def test_unchanged_specs_plan_empty_without_registry_or_variables(project: Path) -> None:
    result = reconcile(project, "plan", "--against", "git:main", "--detailed-exitcode")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "against git:main" in result.stdout
    assert "not the live registry" in result.stdout
    assert "No changes." in result.stdout
    # Without --against the same environment cannot even load the project.
    live = reconcile(project, "plan")
    assert live.returncode == 1
    assert "SR_URL is not set" in live.stderr


def test_a_compatible_change_is_planned_with_its_verdict(project: Path) -> None:
    money = project / "schemas" / "money.avsc"
    edit_json(
        money,
        lambda d: d["fields"].append({"name": "note", "type": ["null", "string"], "default": None}),
    )
    code, plan, stderr = plan_json(project, "--against", "git:main")
    assert code == 2, stderr
    (state,) = plan["registries"]
    assert state["name"] == "dev"
    assert "against git:main" in state["display"]
    assert state["fingerprint"] == "against git:main"
    (action,) = plan["actions"]
    assert (action["kind"], action["target"], action["before"], action["after"]) == (
        "register",
        "money-value",
        "1",
        "2",
    )
    verdict = action["registration"]["verdict"]
    assert verdict["compatible"] and verdict["level"] == "BACKWARD"
    assert verdict["checked_versions"] == [1]
    # The PR comment names its base too: a reviewer must not read it as a live plan.
    markdown = reconcile(project, "plan", "--against", "git:main", "-o", "markdown")
    assert "> registry dev: planned against `git:main`" in markdown.stdout, markdown.stdout


def test_an_incompatible_change_is_caught_against_every_version_its_level_demands(
    project: Path,
) -> None:
    """orders-value is FULL_TRANSITIVE with three versions at main. A fourth that drops
    currency's default is compatible with version 3 but not with version 1."""
    git(project, "mv", "schemas/order.v3.avsc", "schemas/order.v3.json.avsc")
    spec = project / "specs" / "orders.yaml"
    spec.write_text(spec.read_text().replace("order.v3.avsc", "order.v3.json.avsc"))
    commit(project, "a second commit: a schema file renamed")
    v4 = project / "schemas" / "order.v4.avsc"
    shutil.copy(project / "schemas" / "order.v3.json.avsc", v4)
    edit_json(v4, lambda d: d["fields"][3].pop("default"))
    spec.write_text(
        spec.read_text().replace(
            "      - schema: ../schemas/order.v3.json.avsc\n",
            "      - schema: ../schemas/order.v3.json.avsc\n"
            "      - schema: ../schemas/order.v4.avsc\n",
        )
    )
    code, plan, stderr = plan_json(project, "--against", "git:main")
    assert code == 1, stderr
    (error,) = [p for p in plan["problems"] if p["severity"] == "error"]
    assert error["target"] == "orders-value"
    assert "not FULL_TRANSITIVE compatible with versions 1, 2, 3" in error["message"]
    text = reconcile(project, "plan", "--against", "git:main")
    assert text.returncode == 1
    assert "Plan failed" in text.stdout


def test_pinned_ids_and_versions_are_kept(project: Path) -> None:
    schemas = project / "schemas"
    (project / "specs" / "pinned.yaml").write_text(
        "context: imported\n"
        "subjects:\n"
        "  customers-value:\n"
        "    versions:\n"
        "      - {version: 3, id: 101, schema: ../schemas/customer.v1.avsc}\n"
        "      - {version: 4, id: 117, schema: ../schemas/customer.v2.avsc}\n"
    )
    commit(project, "an imported history")
    # Unchanged: the ids and versions of the base are those pinned, so nothing differs.
    code, plan, stderr = plan_json(project, "--against", "git:main")
    assert (code, plan["actions"], plan["problems"]) == (0, [], []), stderr

    # One more pinned version: one IMPORT registration, with its id and version (into a
    # subject with versions: --force-import, as against a live registry).
    shutil.copy(schemas / "customer.v2.avsc", schemas / "customer.v3.avsc")
    edit_json(
        schemas / "customer.v3.avsc",
        lambda d: d["fields"].append({"name": "vip", "type": "boolean", "default": False}),
    )
    pinned = project / "specs" / "pinned.yaml"
    pinned.write_text(
        pinned.read_text() + "      - {version: 5, id: 130, schema: ../schemas/customer.v3.avsc}\n"
    )
    code, plan, stderr = plan_json(project, "--against", "git:main", "--force-import")
    assert code == 2, (stderr, plan["problems"])
    (register,) = [a for a in plan["actions"] if a["kind"] == "register"]
    assert register["target"] == ":.imported:customers-value"
    assert (register["registration"]["id"], register["registration"]["version"]) == (130, 5)

    # A pinned id that differs from the base's is refused, as against a live registry.
    pinned.write_text(pinned.read_text().replace("id: 117", "id: 118"))
    code, plan, _ = plan_json(project, "--against", "git:main")
    assert code == 1
    assert any("an id cannot be changed" in p["message"] for p in plan["problems"])


def test_a_renamed_spec_file_changes_nothing(project: Path) -> None:
    git(project, "mv", "specs/orders.yaml", "specs/ordering.yaml")
    code, plan, stderr = plan_json(project, "--against", "git:main")
    assert (code, plan["actions"], plan["problems"]) == (0, [], []), stderr


def test_a_history_registered_under_an_older_level_loads_as_it_stands(project: Path) -> None:
    """The base's history need not pass its current level: a real registry may have
    accepted it under a looser one. Tightening the level afterwards is no change here."""
    spec = project / "specs" / "payments.yaml"
    incompatible = project / "schemas" / "money.v2.avsc"
    shutil.copy(project / "schemas" / "money.avsc", incompatible)
    edit_json(incompatible, lambda d: d["fields"].append({"name": "rate", "type": "double"}))
    spec.write_text(
        spec.read_text().replace(
            "  money-value:\n    type: AVRO\n    schema: ../schemas/money.avsc\n",
            "  money-value:\n    type: AVRO\n    compatibility: FULL\n    versions:\n"
            "      - schema: ../schemas/money.avsc\n      - schema: ../schemas/money.v2.avsc\n",
        )
    )
    commit(project, "money-value's history, incompatible under today's level")
    code, plan, stderr = plan_json(project, "--against", "git:main")
    assert (code, plan["actions"], plan["problems"]) == (0, [], []), stderr


def test_against_a_directory(project: Path, tmp_path: Path) -> None:
    base = tmp_path / "base"
    shutil.copytree(project, base)
    (project / "specs" / "payments.yaml").write_text(
        (project / "specs" / "payments.yaml")
        .read_text()
        .replace("mode: READWRITE", "mode: READONLY")
    )
    code, plan, stderr = plan_json(project, "--against", str(base))
    assert code == 2, stderr
    (action,) = plan["actions"]
    assert (action["kind"], action["target"], action["after"]) == (
        "set_mode",
        "refunds-value",
        "READONLY",
    )
    assert f"against {base}" in plan["registries"][0]["display"]


def test_a_project_new_at_head_is_planned_against_empty_registries(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README").write_text("specs come next\n")
    commit(repo, "before the project")
    root = repo / "project"
    shutil.copytree(QUICKSTART, root, ignore=shutil.ignore_patterns(".reconcile"))
    code, plan, stderr = plan_json(root, "--against", "git:main")
    assert code == 2, stderr
    assert plan["summary"] == {"register": 10, "change": 3, "delete": 0}


def test_an_unknown_ref_is_an_error(project: Path) -> None:
    result = reconcile(project, "plan", "--against", "git:no-such-branch")
    assert result.returncode == 1
    assert "--against git:no-such-branch: no such commit" in result.stderr
    missing = reconcile(project, "plan", "--against", "no-such-dir")
    assert missing.returncode == 1
    assert "--against no-such-dir: not a directory" in missing.stderr


def test_git_outside_a_repository_is_an_error(tmp_path: Path) -> None:
    root = tmp_path / "not-a-repo"
    shutil.copytree(QUICKSTART, root, ignore=shutil.ignore_patterns(".reconcile"))
    result = reconcile(root, "plan", "--against", "git:main")
    assert result.returncode == 1
    assert "is not in a git repository" in result.stderr


def test_base_specs_that_do_not_load_are_named(project: Path) -> None:
    spec = project / "specs" / "orders.yaml"
    spec.write_text(spec.read_text().replace("compatibility: BACKWARD", "compatibility: SIDEWAYS"))
    commit(project, "broken")
    spec.write_text(spec.read_text().replace("compatibility: SIDEWAYS", "compatibility: BACKWARD"))
    result = reconcile(project, "plan", "--against", "git:HEAD")
    assert result.returncode == 1
    assert "the specs at git:HEAD do not load" in result.stderr
    assert "specs/orders.yaml:5:" in result.stderr


def test_apply_refuses_a_plan_made_against_a_ref(project: Path, registries: Registries) -> None:
    """A saved --against plan is for review: even a registry holding exactly the base
    state does not take it (its fingerprint is no live registry's)."""
    env = {"SR_URL": registries.start("live"), "SR_TOKEN": "unused-by-the-local-registry"}
    assert cli("apply", project, "--auto-approve", env=env).exit_code == 0
    money = project / "schemas" / "money.avsc"
    edit_json(
        money,
        lambda d: d["fields"].append({"name": "note", "type": ["null", "string"], "default": None}),
    )
    saved = project / "plan.json"
    result = reconcile(project, "plan", "--against", "git:main", "--out", str(saved))
    assert result.returncode == 0, result.stderr
    refused = cli("apply", saved, "--dir", project, "--auto-approve", env=env)
    assert refused.exit_code == 1, output(refused)
    assert "changed since the plan was" in output(refused)
    assert cli("plan", project, "--detailed-exitcode", env=env).exit_code == 2  # not applied
