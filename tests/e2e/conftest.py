"""End-to-end fixtures: a real `reconcile registry serve` on 127.0.0.1 and a project copy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from served_process import free_port

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart"


@dataclass
class Server:
    url: str
    request_log: Path
    process: subprocess.Popen[str]

    def requests(self) -> list[dict]:
        if not self.request_log.exists():
            return []
        return [json.loads(line) for line in self.request_log.read_text().splitlines() if line]

    def writes(self) -> list[dict]:
        return [r for r in self.requests() if r["method"] not in ("GET", "HEAD")]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """`reconcile registry serve` as a subprocess on a free loopback port."""
    port = free_port()
    log = tmp_path / "requests.jsonl"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reconciler",
            "registry",
            "serve",
            "--port",
            str(port),
            "--data",
            str(tmp_path / "registry.db"),
            "--request-log",
            str(log),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(url + "/", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.stdout.read() if process.stdout else ""
                pytest.fail(f"registry did not start: {output}")
            time.sleep(0.05)
    log.write_text("")  # the readiness probe is not part of any test
    try:
        yield Server(url, log, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Project:
    root: Path
    env: dict[str, str]

    def run(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "reconciler", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            input=input,
            timeout=120,
        )

    def start(self, *args: str, output: int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
        """``reconcile ARGS`` started in the project and not waited for; its stdout and
        stderr go to ``output`` (``subprocess.PIPE``: read them with ``communicate``)."""
        return subprocess.Popen(
            [sys.executable, "-m", "reconciler", *args],
            cwd=self.root,
            env=self.env,
            stdout=output,
            stderr=output,
        )

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text()
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1))


@pytest.fixture
def quickstart(tmp_path: Path, server: Server) -> Project:
    """A copy of examples/quickstart whose project file targets the test server."""
    root = tmp_path / "quickstart"
    shutil.copytree(QUICKSTART, root, ignore=shutil.ignore_patterns(".reconcile"))
    project_file = root / "reconcile.yaml"
    project_file.write_text(
        project_file.read_text() + '\nregistries:\n  test: {url: "${SR_URL}"}\n'
    )
    env = {**os.environ, "SR_URL": server.url, "NO_COLOR": "1", "COLUMNS": "200"}
    return Project(root, env)


@pytest.fixture
def blank(tmp_path: Path, server: Server) -> Project:
    """An empty project whose project file targets the test server."""
    root = tmp_path / "blank"
    (root / "specs").mkdir(parents=True)
    (root / "reconcile.yaml").write_text(
        'version: 1\nregistries:\n  test: {url: "${SR_URL}"}\nspecs: [specs/*.yaml]\n'
    )
    env = {**os.environ, "SR_URL": server.url, "NO_COLOR": "1", "COLUMNS": "200"}
    return Project(root, env)
