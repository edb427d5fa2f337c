"""Fixtures: a project directory in tmp_path, written from {path: text}.

Every project a test writes is also loaded with each YAML composer (the plain
one of ``_yaml_plain`` in front of libyaml, libyaml alone, pure Python):
``load``/``errors`` assert that all give the same result, and the ``write``
fixture asserts on teardown that every YAML file of the project gives the same
data, node locations and errors. See test_loaders.py.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from reconciler.spec import Project, SpecError, SpecErrors, _yaml, load_project
from reconciler.spec._errors import Collector

Write = Callable[[Mapping[str, str]], Path]

ORDER = '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}]}'


def libyaml_only() -> mock._patch[Any]:
    """Within it, YAML is composed by libyaml (or pure Python where it falls back to it),
    never by ``_yaml_plain``."""
    return mock.patch.object(_yaml, "PLAIN", False)


@contextmanager
def pure_python() -> Iterator[None]:
    """Within it, YAML is composed by the pure-Python loader only."""
    with libyaml_only(), mock.patch.object(_yaml, "CSafeLoader", None):
        yield


def _outcome(
    root: Path, environ: Mapping[str, str], cache_specs: bool = True
) -> Project | list[SpecError]:
    try:
        return load_project(root, environ=environ, cache_specs=cache_specs)
    except SpecErrors as exc:
        return exc.errors


def outcomes(root: Path, environ: Mapping[str, str]) -> Project | list[SpecError]:
    """``load_project``'s result or errors, asserted equal with both composers, and with
    the locations looked up when first read (a load whose specs are not kept)."""
    result = _outcome(root, environ)
    later = _outcome(root, environ, cache_specs=False)
    assert later == result, "locations looked up later are not those made at once"
    if isinstance(result, list) and isinstance(later, list):  # and read the same
        assert [str(error) for error in later] == [str(error) for error in result]
    with libyaml_only():
        assert _outcome(root, environ) == result, "the plain composer and libyaml disagree"
    with pure_python():
        assert _outcome(root, environ) == result, "libyaml and pure Python disagree"
    return result


def documents(root: Path) -> dict[Path, Any]:
    """Data, value and key locations, and errors of every YAML file under ``root``."""
    result: dict[Path, Any] = {}
    for path in sorted([*root.rglob("*.yaml"), *root.rglob("*.yml")]):
        if path.is_file():
            errors = Collector()
            doc = _yaml.load_yaml(path, {}, errors)
            parsed = None if doc is None else (doc.data, doc.values, doc.keys)
            result[path] = (parsed, errors.errors)
            unmarked = Collector()  # its locations made when first asked for
            doc = _yaml.load_yaml(path, {}, unmarked, marks=False)
            assert (None if doc is None else (doc.data, doc.values, doc.keys)) == parsed
            assert unmarked.errors == errors.errors
    return result


def assert_composers_agree(root: Path) -> None:
    plain = documents(root)
    with libyaml_only():
        assert documents(root) == plain, "the plain composer and libyaml disagree"
    with pure_python():
        assert documents(root) == plain, "libyaml and pure Python disagree"


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project root, also the current directory so messages use relative paths."""
    root = tmp_path / "proj"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def write(project_dir: Path) -> Iterator[Write]:
    def write(files: Mapping[str, str]) -> Path:
        for name, text in files.items():
            path = project_dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"))
        return project_dir

    yield write
    assert_composers_agree(project_dir)


def load(root: Path, environ: Mapping[str, str] | None = None) -> Project:
    result = outcomes(root, environ or {})
    if not isinstance(result, Project):
        raise SpecErrors(result)
    return result


def errors(root: Path, environ: Mapping[str, str] | None = None) -> list[str]:
    result = outcomes(root, environ or {})
    assert not isinstance(result, Project), "expected errors, the project loaded"
    return [str(error) for error in result]
