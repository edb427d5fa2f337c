"""Every console example in docs/ runs as written (see ``console.py`` for the format).

Each page runs top to bottom in a fresh temporary directory holding a copy of
the repository's ``examples/``, with ``reconcile`` (the installed console
script) first on PATH. The example hosts the pages name are local registries
served over HTTP on 127.0.0.1: ``https://sr.example.com`` and
``http://old:8081`` hold a few subjects in the default context and in
``.sales``; ``http://new:8081`` starts empty. HOME is a temporary directory
and git has an identity. Commands and files see the served URLs;
output shows the example hosts again, and paths relative to the directory
the command ran in.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from reconciler.localregistry import serve_in_thread

from .console import Command, File, matches, normalise, pages, relative, steps

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
BIN = Path(sys.executable).parent
RUNNABLE = [
    page for page in pages(DOCS) if any(isinstance(s, Command) for s in steps(page.read_text()))
]


def _seed(url: str) -> None:
    """A registry worth exporting: two subjects with history, one in another context."""
    fields: list[dict[str, object]] = [{"name": "id", "type": "string"}]
    for subject in ("orders-value", "orders-value", ":.sales:invoices-value"):
        schema = {"type": "record", "name": "Order", "namespace": "com.acme", "fields": fields}
        response = httpx.post(
            f"{url}/subjects/{subject}/versions", json={"schema": json.dumps(schema)}
        )
        response.raise_for_status()
        fields = [*fields, {"name": f"f{len(fields)}", "type": "int", "default": 0}]


@pytest.fixture
def hosts(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The example hosts, each served by a local registry: {example URL: served URL}."""
    with ExitStack() as stack:
        served = {
            host: stack.enter_context(serve_in_thread(tmp_path / f"{name}.db"))
            for name, host in (
                ("prod", "https://sr.example.com"),
                ("old", "http://old:8081"),
                ("new", "http://new:8081"),
            )
        }
        _seed(served["https://sr.example.com"])
        _seed(served["http://old:8081"])
        yield served


def _substitute(text: str, hosts: dict[str, str]) -> str:
    for host, url in hosts.items():
        text = text.replace(host, url)
    return text


@pytest.mark.parametrize("page", RUNNABLE, ids=[relative(p, REPO) for p in RUNNABLE])
def test_console_examples_run_as_written(page: Path, hosts: dict[str, str], tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(
        REPO / "examples", work / "examples", ignore=shutil.ignore_patterns(".reconcile")
    )
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "NO_COLOR": "1",
        "COLUMNS": "100",
        "PYTHONUNBUFFERED": "1",  # stdout and stderr interleaved as on a terminal
        "HOME": str(tmp_path / "home"),  # what a page writes to ~ stays here
        "GIT_AUTHOR_NAME": "Docs",
        "GIT_AUTHOR_EMAIL": "docs@example.com",
        "GIT_COMMITTER_NAME": "Docs",
        "GIT_COMMITTER_EMAIL": "docs@example.com",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "init.defaultBranch",
        "GIT_CONFIG_VALUE_0": "main",
    }
    (tmp_path / "home").mkdir()
    cwd = work
    for step in steps(page.read_text()):
        where = f"{relative(page, REPO)}:{step.line}"
        if isinstance(step, File):
            path = cwd / step.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_substitute(step.content, hosts))
            continue
        words = shlex.split(step.text, comments=True)
        if words[:1] == ["cd"]:
            cwd = (cwd / words[1]).resolve()
            assert cwd.is_dir(), f"{where}: no directory {words[1]}"
            continue
        result = subprocess.run(
            ["bash", "-c", _substitute(step.text, hosts)],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
        )
        back = {url: host for host, url in hosts.items()}
        actual = normalise(result.stdout, {f"{cwd}{os.sep}": "", **back})
        assert result.returncode == step.exit_code, (
            f"{where}: `{step.text}` exited {result.returncode}, not {step.exit_code}:\n{actual}"
        )
        if step.expected is not None:
            assert matches(step.expected, actual), (
                f"{where}: `{step.text}` printed\n{actual}\n--- the page shows ---\n{step.expected}"
            )
