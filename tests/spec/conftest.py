"""Fixtures: a project directory in tmp_path, written from {path: text}."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from reconciler.spec import Project, SpecErrors, load_project

Write = Callable[[Mapping[str, str]], Path]

ORDER = '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}]}'


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project root, also the current directory so messages use relative paths."""
    root = tmp_path / "proj"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def write(project_dir: Path) -> Write:
    def write(files: Mapping[str, str]) -> Path:
        for name, text in files.items():
            path = project_dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"))
        return project_dir

    return write


def load(root: Path, environ: Mapping[str, str] | None = None) -> Project:
    return load_project(root, environ=environ or {})


def errors(root: Path, environ: Mapping[str, str] | None = None) -> list[str]:
    with pytest.raises(SpecErrors) as caught:
        load(root, environ)
    return [str(error) for error in caught.value.errors]
