"""Engine tests: the engine's API in process, the local registry over real HTTP."""

from __future__ import annotations

import asyncio
import json
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from reconciler.engine import (
    DeleteVersion,
    Plan,
    PlanOptions,
    StepResult,
    apply_plan,
    make_plan,
    open_clients,
    targeted_registries,
)
from reconciler.localregistry import serve_in_thread
from reconciler.spec import load_project


@dataclass
class Registry:
    url: str
    request_log: Path

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, timeout=10)

    def post(self, path: str, body: dict) -> httpx.Response:
        return httpx.post(self.url + path, json=body, timeout=10)

    def put(self, path: str, body: dict) -> httpx.Response:
        return httpx.put(self.url + path, json=body, timeout=10)

    def writes(self) -> list[dict]:
        if not self.request_log.exists():
            return []
        records = [json.loads(x) for x in self.request_log.read_text().splitlines() if x]
        return [r for r in records if r["method"] not in ("GET", "HEAD")]


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    log = tmp_path / "requests.jsonl"
    with serve_in_thread(tmp_path / "registry.db", request_log=log) as url:
        yield Registry(url, log)


@dataclass
class Workspace:
    """A project directory written by the test: project file, specs, schemas."""

    root: Path
    registry: Registry
    registry_options: str = ""
    options: PlanOptions = field(default_factory=PlanOptions)

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
        return path

    def project(self, extra: str = "") -> None:
        options = f", {self.registry_options}" if self.registry_options else ""
        self.write(
            "reconcile.yaml",
            f"""
            version: 1
            registries:
              test: {{url: "{self.registry.url}"{options}}}
            specs: [specs/*.yaml]
            {extra}
            """,
        )

    def plan(self, options: PlanOptions | None = None) -> Plan:
        project = load_project(self.root)

        async def go() -> Plan:
            async with open_clients(project, targeted_registries(project)) as clients:
                return await make_plan(project, clients, options or self.options)

        return asyncio.run(go())

    def apply(self, options: PlanOptions | None = None) -> tuple[Plan, list[StepResult], Plan]:
        """Plan, apply, plan again; return all three."""
        project = load_project(self.root)

        async def go() -> tuple[Plan, list[StepResult], Plan]:
            async with open_clients(project, targeted_registries(project)) as clients:
                first = await make_plan(project, clients, options or self.options)
                results = await apply_plan(first, clients)
                after = await make_plan(project, clients, options or self.options)
                return first, results, after

        return asyncio.run(go())


@pytest.fixture
def ws(tmp_path: Path, registry: Registry) -> Workspace:
    workspace = Workspace(tmp_path / "project", registry)
    workspace.project()
    return workspace


def steps(plan: Plan) -> list[tuple[str, str, str | None]]:
    """(kind, target, after-or-version) of each action, in order."""
    return [
        (a.kind.value, a.target, str(a.version) if isinstance(a, DeleteVersion) else a.after)
        for a in plan.actions
    ]


def avro_record(name: str, *fields: str, namespace: str = "com.acme") -> str:
    """An Avro record schema with the given field JSON snippets."""
    return json.dumps(
        {
            "type": "record",
            "name": name,
            "namespace": namespace,
            "fields": [json.loads(f) for f in fields],
        }
    )


@pytest.fixture
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user cache folder of the test's own (``XDG_CACHE_HOME``), where the remembered
    values' signing key is kept."""
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder
