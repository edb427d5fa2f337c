"""Workflow fixtures: local registries served over HTTP on 127.0.0.1, projects, the CLI."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from reconciler.cli import main
from reconciler.localregistry import serve_in_thread

from .generate import populate

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (REPO / "examples").iterdir() if (p / "reconcile.yaml").is_file())


def cli(*args: str | Path, env: dict[str, str] | None = None, input: str | None = None) -> Result:
    """Run ``reconcile`` in process (CliRunner): stdout and stderr kept apart."""
    runner = CliRunner()
    return runner.invoke(
        main,
        [str(a) for a in args],
        env={"NO_COLOR": "1", "COLUMNS": "200", **(env or {})},
        input=input,
        catch_exceptions=False,
    )


def output(result: Result) -> str:
    return result.stdout + result.stderr


@dataclass
class Registries:
    """Start local registries (one SQLite file each) served over HTTP."""

    tmp: Path
    stack: ExitStack

    def start(self, name: str, db: Path | None = None) -> str:
        path = self.tmp / f"{name}.db"
        if db is not None:
            # The backup API reads through the WAL, which a plain file copy would miss.
            with closing(sqlite3.connect(db)) as source, closing(sqlite3.connect(path)) as copy:
                source.backup(copy)
        return self.stack.enter_context(serve_in_thread(path))


@pytest.fixture
def registries(tmp_path: Path) -> Iterator[Registries]:
    with ExitStack() as stack:
        yield Registries(tmp_path, stack)


def _generated(factory: pytest.TempPathFactory, subjects: int) -> Path:
    """Registered through the registry's own app in process (the tests then use HTTP)."""
    db = factory.mktemp("generated") / f"generated-{subjects}.db"
    asyncio.run(populate(f"local:{db}", subjects=subjects))
    return db


@pytest.fixture(scope="session")
def generated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 500-subject registry in three contexts, with references (made once, copied per test)."""
    return _generated(tmp_path_factory, 500)


@pytest.fixture(scope="session")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same shape with 33 subjects."""
    return _generated(tmp_path_factory, 33)


def register_record(url: str, subject: str, fields: int) -> None:
    """Register a record of ``fields`` int fields (``f0``, ``f1``...) under ``subject``."""
    schema = {"type": "record", "name": "R", "fields": []}
    schema["fields"] = [{"name": f"f{i}", "type": "int", "default": 0} for i in range(fields)]
    response = httpx.post(f"{url}/subjects/{subject}/versions", json={"schema": json.dumps(schema)})
    response.raise_for_status()


def with_registry(root: Path, name: str, variable: str) -> None:
    """Make the project in ``root`` target registry ``name`` at ``${variable}``."""
    project_file = root / "reconcile.yaml"
    project_file.write_text(
        project_file.read_text() + f'\nregistries:\n  {name}: {{url: "${{{variable}}}"}}\n'
    )


@pytest.fixture
def copy_example(tmp_path: Path) -> Callable[[Path], Path]:
    def copy(example: Path) -> Path:
        root = tmp_path / example.name
        shutil.copytree(example, root, ignore=shutil.ignore_patterns(".reconcile"))
        return root

    return copy


def exported_once(registries: Registries, tmp_path: Path, *subjects: str) -> tuple[str, Path]:
    """A registry holding version 1 of each subject, exported once: (its URL, the project)."""
    url = registries.start("source")
    for subject in subjects:
        register_record(url, subject, 1)
    out = tmp_path / "exported"
    first = cli("export", "--url", url, "--out", out)
    assert first.exit_code == 0, output(first)
    return url, out
