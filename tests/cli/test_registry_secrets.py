"""A registry's ``${VAR}``s are needed only when that registry is used.

``plan --registry dev`` in a job that holds only dev's secrets must not fail
because ``SR_PROD_TOKEN`` is unset.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import V1, reconcile, write_project

PROJECT = """
version: 1
registries:
  dev: {url: "local:dev.db", auth: {bearer: "${SR_DEV_TOKEN}"}}
  prod:
    url: "${SR_PROD_URL}"
    auth: {bearer: "${SR_PROD_TOKEN}"}
specs: [specs/*.yaml]
"""


@pytest.fixture
def two_registries(project: Path) -> Path:
    return write_project(
        project,
        {
            "reconcile.yaml": PROJECT,
            "specs/orders.yaml": "registries: [dev, prod]\nsubjects:\n"
            f"  orders-value: {{schema: '{V1}'}}\n",
        },
    )


def test_planning_dev_needs_only_devs_secrets(two_registries: Path) -> None:
    result = reconcile(
        "plan", "--registry", "dev", "--detailed-exitcode", cwd=two_registries,
        env={"SR_DEV_TOKEN": "dev-token"},
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "SR_PROD" not in result.stdout + result.stderr
    assert "dev-token" not in result.stdout + result.stderr


def test_using_a_registry_whose_variables_are_unset_is_an_error_naming_them(
    two_registries: Path,
) -> None:
    result = reconcile("plan", cwd=two_registries, env={"SR_DEV_TOKEN": "dev-token"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "reconcile.yaml:5:11: environment variable SR_PROD_URL is not set" in result.stderr
    assert "reconcile.yaml:6:21: environment variable SR_PROD_TOKEN is not set" in result.stderr
    assert "dev-token" not in result.stdout + result.stderr


def test_validate_warns_about_unset_variables_and_passes(two_registries: Path) -> None:
    result = reconcile("validate", cwd=two_registries)
    assert result.returncode == 0, result.stderr
    assert (
        "reconcile.yaml:6:21: warning: environment variable SR_PROD_TOKEN is not set "
        "(needed when registry 'prod' is used)" in result.stderr
    )


def test_a_variable_elsewhere_in_the_project_file_is_still_an_error(project: Path) -> None:
    write_project(
        project,
        {
            "reconcile.yaml": "version: 1\nmax_deletes: ${MAX}\n",
            "specs/a.yaml": "subjects: {}\n",
        },
    )
    result = reconcile("validate", cwd=project)
    assert result.returncode == 1
    assert "reconcile.yaml:2:14: environment variable MAX is not set" in result.stderr
