"""The MCP `drift` tool reports what `reconcile drift` reports: one workflow behind both."""

from __future__ import annotations

import subprocess
import sys

import httpx
from mcp.client import Client
from mcp_testkit import Project, stdio_params, structured

from reconciler.localregistry import serve_in_thread

STRAY = '{"type": "record", "name": "Stray", "fields": [{"name": "s", "type": "string"}]}'


async def test_drift_tool_reports_subjects_no_spec_names(project: Project) -> None:
    applied = subprocess.run(
        [sys.executable, "-m", "reconciler", "apply", str(project.root), "--auto-approve"],
        env={**project.env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    with serve_in_thread(project.root / ".reconcile" / "registry.db") as url:
        answer = httpx.post(f"{url}/subjects/stray-value/versions", json={"schema": STRAY})
        assert answer.status_code == 200, answer.text
    async with Client(stdio_params(project)) as client:
        drift = structured(await client.call_tool("drift", {}))
    assert drift["status"] == "drifted", drift
    differences = drift["report"]["differences"]
    assert [(d["target"], d["what"]) for d in differences] == [("stray-value", "unmanaged")]
    assert "stray-value" in drift["text"]
