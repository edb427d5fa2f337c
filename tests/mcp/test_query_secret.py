"""A secret in a registry URL's query string (``?api_key=${KEY}``): sent, and shown nowhere.

Tool errors, resource errors, the server's log and CLI output name the registry
by its URL without the query string (as they do without userinfo).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from mcp_testkit import HttpServer, free_port, make_project, run_http, text_of

from reconciler.localregistry import serve_in_thread

KEY = "gw-key-Pq7Vn3Lx"


def _project_file(up: str, down: str) -> str:
    return (
        "version: 1\nregistries:\n"
        f'  dev:\n    url: "{up}/?api_key=${{SR_KEY}}"\n'
        f'  down:\n    url: "{down}/?api_key=${{SR_KEY}}"\n'
        "specs: [specs/*.yaml]\n"
    )


async def test_a_query_string_secret_is_sent_and_never_shown(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    project.env["SR_KEY"] = KEY
    requests = tmp_path / "requests.jsonl"
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with serve_in_thread(tmp_path / "registry.db", request_log=requests) as up:
        (project.root / "reconcile.yaml").write_text(_project_file(up, down))
        for spec in ("orders", "payments"):  # two registries: each spec names its own
            path = project.root / "specs" / f"{spec}.yaml"
            path.write_text("registry: dev\n" + path.read_text())
        log = tmp_path / "server.log"
        with run_http(project, log, "--no-auth") as base:
            server = HttpServer(base + "/mcp", None, log, project)  # type: ignore[arg-type]
            async with server.client("unused") as client:
                missing = await client.call_tool(
                    "get_schema", {"registry": "dev", "subject": "nope", "version": "latest"}
                )
                unreachable = await client.call_tool("list_subjects", {"registry": "down"})
                listed = await client.call_tool("list_registries", {})
                try:
                    await client.read_resource("reconciler://registries/down")
                    resource_error = ""
                except Exception as exc:  # the SDK raises the resource error
                    resource_error = str(exc)
        assert missing.is_error and "127.0.0.1" in text_of(missing)
        assert unreachable.is_error and resource_error
        for shown in (text_of(missing), text_of(unreachable), text_of(listed), resource_error):
            assert KEY not in shown and "api_key" not in shown
        assert KEY not in log.read_text()

        # The key reached the registry with every request.
        sent = [json.loads(line) for line in requests.read_text().splitlines()]
        assert sent and all(f"api_key={KEY}" in entry["query"] for entry in sent)

        env = {**os.environ, **project.env}
        for spec in ("orders", "payments"):
            project.edit(f"specs/{spec}.yaml", "registry: dev", "registry: down")
        planned = subprocess.run(
            [sys.executable, "-m", "reconciler", "plan"],
            cwd=project.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert planned.returncode == 1 and "127.0.0.1" in planned.stdout + planned.stderr
        assert KEY not in planned.stdout + planned.stderr
    assert httpx.URL(up).host == "127.0.0.1"
