"""Malformed specs through `reconcile apply` against a real registry: exit 1, no request.

Issue 2's "spec errors" bar: each error names its file and line, the exit
code is 1, and the registry's request log shows that nothing was written (in
fact, nothing was even asked).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import ORDER


class Registry:
    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log

    def requests(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """`reconcile registry serve` on a free loopback port, with a request log."""
    data = tmp_path_factory.mktemp("registry")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = data / "requests.jsonl"
    command = [sys.executable, "-m", "reconciler", "registry", "serve", "--port", str(port)]
    command += ["--data", str(data / "registry.db"), "--request-log", str(log)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url + "/", timeout=1)
            break
        except httpx.HTTPError:
            assert process.poll() is None and time.monotonic() < deadline, "registry did not start"
            time.sleep(0.05)
    try:
        yield Registry(url, log)
    finally:
        process.terminate()
        process.wait(timeout=10)


PROJECT = 'version: 1\nregistries:\n  test: {url: "${SR_URL}"}\n'
SPEC = f"subjects:\n  a-value: {{schema: '{ORDER}'}}\n"

CASES: dict[str, tuple[dict[str, str], str]] = {
    "bad YAML": ({"specs/a.yaml": "subjects:\n  a: [\n"}, "specs/a.yaml:3:1: YAML syntax error"),
    "unknown key": (
        {"specs/a.yaml": SPEC + "  b-value: {shcema: b.avsc}\n"},
        "specs/a.yaml:3:13: unknown key 'shcema' in subjects.b-value; did you mean 'schema'?",
    ),
    "wrong type": (
        {"specs/a.yaml": SPEC + "prune: [yes]\n"},
        "specs/a.yaml:3:8: prune: Input should be a valid boolean",
    ),
    "invalid level": (
        {"specs/a.yaml": "compatibility: BACKWARDS\n" + SPEC},
        "specs/a.yaml:1:16: compatibility: invalid value 'BACKWARDS'",
    ),
    "missing schema file": (
        {"specs/a.yaml": SPEC + "  b-value: {schema: b.avsc}\n"},
        "specs/a.yaml:3:21: schema file not found: specs/b.avsc",
    ),
    "path escaping the project": (
        {"specs/a.yaml": SPEC + "  b-value: {schema: ../../b.avsc}\n"},
        "specs/a.yaml:3:21: schema path '../../b.avsc' resolves outside the project directory",
    ),
    "missing env var": (
        {"specs/a.yaml": "context: ${SR_CONTEXT}\n" + SPEC},
        "specs/a.yaml:1:10: environment variable SR_CONTEXT is not set",
    ),
    "invalid Avro": (
        {"specs/a.yaml": SPEC + '  b-value: {schema: \'{"type": "recrod"}\'}\n'},
        "specs/a.yaml:3:21: subject 'b-value': invalid Avro schema",
    ),
    "schema and versions": (
        {"specs/a.yaml": SPEC + "  b-value: {schema: '\"int\"', versions: []}\n"},
        "specs/a.yaml:3:30: schema and versions are mutually exclusive",
    ),
    "unknown registry": (
        {"specs/a.yaml": "registry: prod\n" + SPEC},
        "specs/a.yaml:1:11: unknown registry 'prod'; the project file defines: test",
    ),
    "duplicate subject": (
        {"specs/a.yaml": SPEC, "specs/b.yaml": SPEC},
        "specs/b.yaml:2:3: subject 'a-value' (registry 'test', context '.') is already "
        "declared at specs/a.yaml:2:3",
    ),
}


def apply(root: Path, registry: Registry) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SR_URL": registry.url, "NO_COLOR": "1"}
    env.pop("SR_CONTEXT", None)
    return subprocess.run(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "proj"
    for name, text in {"reconcile.yaml": PROJECT, **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    return root


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_specs_contact_nothing(case: str, tmp_path: Path, registry: Registry) -> None:
    files, expected = CASES[case]
    before = len(registry.requests())
    result = apply(project(tmp_path, files), registry)
    assert result.returncode == 1, result.stdout + result.stderr
    assert any(line.startswith(expected) for line in result.stderr.splitlines()), result.stderr
    assert registry.requests()[before:] == []


def test_a_valid_project_does_reach_the_registry(tmp_path: Path, registry: Registry) -> None:
    """The control: the same setup without a malformation writes, so the log works."""
    result = apply(project(tmp_path, {"specs/a.yaml": "context: control\n" + SPEC}), registry)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [r for r in registry.requests() if r["method"] == "POST"]
