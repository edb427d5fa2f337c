"""A command imports what it runs: the modules a plan never uses stay unloaded.

Each command runs as a subprocess (against a registry served over HTTP, as in
production), then writes the names in ``sys.modules`` when it exits; the test
fails when one of the heavy modules below is among them, for example because
someone imported it at the top of a module a plan loads. No timing: the import
seconds are measured by hand (docs/performance.md, "Session 6: what a plan
imports").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# What none of the commands below use (the MCP server, the local registry's
# ASGI app and server, JSON Schema and Protobuf support, OAuth, metrics,
# export's writers, lint) and what only some plans use (deepdiff describes a
# changed schema: this plan has no change; h11 reads a proxy's CONNECT answer: this
# registry is reached directly; the markdown and GitHub renderers, and html with them:
# this plan is text), nor httpx's command-line client (and its pygments), which httpx's
# __init__ imports unless told not to (cli/__init__.py). orjson is the registry client's.
NEVER = (
    "authlib",
    "deepdiff",
    "google.protobuf",
    "grpc",
    "grpc_tools",
    "h11",
    "html",
    "httpx._main",
    "jsonschema",
    "jwt",
    "mcp",
    "prometheus_client",
    "pygments",
    "starlette",
    "uvicorn",
    "reconciler.cli.export_cmd",
    "reconciler.cli.lint_cmd",
    "reconciler.cli.mcp_cmd",
    "reconciler.cli.migrate_cmd",
    "reconciler.engine.apply",
    "reconciler.lint",
    "reconciler.localregistry",
    "reconciler.mcp",
    "reconciler.render.markdown",
    "reconciler.service",
    "reconciler.workflows.avro_idl",
    "reconciler.workflows.export",
    "reconciler.workflows.export_check",
)
# Writes the loaded modules to $MODULES_OUT at exit (after click's sys.exit); a None
# entry is an import refused (cli/__init__.py's httpx._main), not a module loaded, nor is
# a module imported lazily (lazy_loader.load: httpx) that nothing has used.
RUN = """
import atexit, json, os, pathlib, sys
out = pathlib.Path(os.environ["MODULES_OUT"])
used = lambda module: module is not None and type(module).__name__ != "_LazyModule"
loaded = lambda: sorted(name for name, module in sys.modules.items() if used(module))
atexit.register(lambda: out.write_text(json.dumps(loaded())))
from reconciler.cli import main
main(prog_name="reconcile")  # as the console script: _RECONCILE_COMPLETE asks to complete
"""


def loaded(*args: str, cwd: Path, env: dict[str, str] | None = None) -> set[str]:
    """The modules ``reconcile ARGS`` has loaded when it exits (exit 0 asserted)."""
    out = cwd.parent / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", RUN, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "MODULES_OUT": str(out),
            **(env or {}),
        },
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return set(json.loads(out.read_text()))


def heavy(modules: set[str], names: tuple[str, ...] = NEVER) -> list[str]:
    """The modules that are one of ``names`` or inside one of them."""
    return sorted(m for m in modules if any(m == n or m.startswith(f"{n}.") for n in names))


# A plan imports the renderer of its output only (validate's errors may be GitHub's
# annotations); one written as JSON prints nothing through rich, nor marks anything up,
# and a text plan printed into a pipe (no style) is printed without rich. Its requests go
# through the client's own transport: httpx (its exceptions, its URL parser for what is
# not a plain URL) and urllib.request (the environment's proxies: none set here), with
# their http.client, email and cookie jar, are imported by a request that fails. The
# compatibility package's modules (the Java forms of numbers with decimal, the rules)
# are for a schema parsed: this plan parses none (its door only is loaded).
PLAN = (
    "reconciler.render.github",
    "email",
    "http.client",
    "http.cookiejar",
    "httpx",
    "urllib.request",
    "decimal",
    "reconciler.compatibility._api",
    "reconciler.compatibility._java_numbers",
    "reconciler.compatibility._rules",
    "reconciler.compatibility._types",
)
TEXT = ("rich", "reconciler.render.text")
# validate contacts nothing: no HTTP client either.
OFFLINE = ("httpx", "h11", "httptools", "reconciler.registry._client", "reconciler.engine.planner")


@pytest.mark.parametrize(
    ("args", "also"),
    [
        # difflib draws a changed schema's diff (this plan changes nothing) and suggests
        # a known key for an unknown one (click's too, for an option it does not know).
        (("plan", "."), (*PLAN, "rich", "difflib")),
        (("plan", ".", "-o", "json"), PLAN + TEXT),
        (("validate", "."), OFFLINE),
    ],
    ids=["plan", "plan -o json", "validate"],
)
def test_a_command_loads_none_of_the_heavy_modules(
    args: tuple[str, ...], also: tuple[str, ...], applied: Path
) -> None:
    modules = loaded(*args, cwd=applied)
    assert "reconciler.cli" in modules  # the probe works
    assert heavy(modules, NEVER + also) == []


def test_the_probe_sees_a_heavy_module_a_command_loads(applied: Path) -> None:
    """``reconcile lint`` uses the linter: the same probe finds it."""
    assert "reconciler.lint" in heavy(loaded("lint", ".", cwd=applied))


# What validates the project (pydantic and the models of the YAML as written), what
# parses YAML (the settings' strings are read from where the project file writes them),
# and importlib.metadata (the caches' code digest reads versions without it).
VALIDATION = (
    "importlib.metadata",
    "pydantic",
    "pydantic_core",
    "reconciler.spec._raw",
    "reconciler.spec._validate",
    "reconciler.spec._yaml",
    "reconciler.spec._yaml_plain",
    # What resolves the schema files and checks them: the specs come from the cache.
    "reconciler.spec._checks",
    "reconciler.spec._schemas",
    "reconciler.spec._specfile",
    "yaml",
    "tempfile",  # the caches' writes (with shutil, bz2, lzma): it writes none
    "shutil",
)


def test_a_second_plan_of_an_unchanged_project_validates_nothing(
    applied: Path, tmp_path: Path
) -> None:
    """The project file's settings and the specs come from the project cache: pydantic
    and the spec models (~0.08 s of imports) stay unloaded, PyYAML (~0.01 s), and
    importlib.metadata."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "user-cache")}  # the cache's key: its own
    assert heavy(loaded("plan", ".", cwd=applied, env=env), VALIDATION) != []  # the probe
    assert heavy(loaded("plan", ".", cwd=applied, env=env), VALIDATION) == []


COMPLETE_A_COMMAND = {
    "_RECONCILE_COMPLETE": "zsh_complete",
    "COMP_WORDS": "reconcile ",
    "COMP_CWORD": "1",
}


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("--help",), {}),
        ((), COMPLETE_A_COMMAND),
    ],
    ids=["--help", "completing a command's name"],
)
def test_help_and_completion_import_no_command(
    args: tuple[str, ...], env: dict[str, str], tmp_path: Path
) -> None:
    """Each command's line comes from ``cli.COMMANDS``, not from its module."""
    (tmp_path / "cwd").mkdir()
    modules = loaded(*args, cwd=tmp_path / "cwd", env=env)
    assert "reconciler.cli" in modules  # the probe works
    commands = [m for m in modules if m.startswith("reconciler.cli.") and m.endswith("_cmd")]
    assert commands == []


# The collections the cyclic collector runs while ``python -m reconciler ARGS`` runs.
COLLECTIONS = """
import atexit, gc, json, os, pathlib, runpy, sys
done = []
gc.callbacks.append(lambda phase, info: phase == "stop" and done.append(info["generation"]))
out = pathlib.Path(os.environ["MODULES_OUT"])
atexit.register(lambda: out.write_text(json.dumps(done)))
sys.argv = ["reconcile", *sys.argv[1:]]
runpy.run_module("reconciler", run_name="__main__", alter_sys=True)
"""


def test_a_second_plan_imports_with_the_collector_paused(applied: Path, tmp_path: Path) -> None:
    """What a command imports lives as long as the process: the collector's passes over
    it (~60 collections, ~10 ms of a plan's start) find nothing to free."""
    assert len(_second_plan(COLLECTIONS, applied, tmp_path)) <= 3


def _second_plan(probe: str, project: Path, tmp_path: Path) -> Any:
    """What ``probe`` (a ``python -c`` script running ``reconcile``) writes to
    ``$MODULES_OUT`` in the second of two plans of ``project`` (exit 0 asserted): its
    project cache warm, and its reads remembered for the read-ahead."""
    out = tmp_path / "probed.json"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "MODULES_OUT": str(out),
        "XDG_CACHE_HOME": str(tmp_path / "user-cache"),
    }
    for _ in range(2):
        out.unlink(missing_ok=True)
        result = subprocess.run(
            [sys.executable, "-c", probe, "plan", "."],
            cwd=project,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(out.read_text())


# Writes which engine modules are loaded when the plan's read-ahead starts.
AT_READ_AHEAD = """
import json, os, pathlib, sys
import reconciler.cli._read_ahead as read_ahead
out = pathlib.Path(os.environ["MODULES_OUT"])
start = read_ahead.ReadsAhead.start
def probe(self, registries):
    out.write_text(json.dumps(sorted(m for m in sys.modules if m.startswith("reconciler."))))
    return start(self, registries)
read_ahead.ReadsAhead.start = probe
from reconciler.cli import main
main(prog_name="reconcile")
"""


def test_the_read_ahead_starts_before_the_planner_is_imported(
    applied: Path, tmp_path: Path
) -> None:
    """The planner (its diff, checks, snapshot: ~12 ms) and a plan's models (13
    dataclasses, ~10 ms) are imported once the registry has the reads sent ahead, not
    before: their imports are no part of the registry's idle time at the start of a
    second plan."""
    modules = _second_plan(AT_READ_AHEAD, applied, tmp_path)
    assert "reconciler.cli.plan_cmd" in modules  # the probe works
    later = ("reconciler.engine.planner", "reconciler.engine.diff", "reconciler.engine.plan")
    assert heavy(set(modules), later) == []
