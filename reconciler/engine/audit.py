"""Who applies, and the applies journaled so far (``reconcile history``).

The journal records the real actor of each apply: the MCP caller (the token's
subject, client and issuer), bound by the server around the apply it runs; in
GitHub Actions the ``GITHUB_ACTOR``, the commit and the run's URL; else the
OS user. ``past_applies`` reads every journal of a project back.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

_ACTOR: ContextVar[dict[str, str] | None] = ContextVar("reconciler_actor", default=None)


@contextmanager
def acting_as(**who: str | None) -> Iterator[None]:
    """Record applies inside the block as made by ``who`` (e.g. an MCP token's subject)."""
    token = _ACTOR.set({k: v for k, v in who.items() if v})
    try:
        yield
    finally:
        _ACTOR.reset(token)


def actor() -> dict[str, str]:
    """The real actor of an apply starting now."""
    bound = _ACTOR.get()
    if bound:
        return bound
    env = os.environ
    if env.get("GITHUB_ACTIONS") == "true" and env.get("GITHUB_ACTOR"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        repository, run_id = env.get("GITHUB_REPOSITORY", ""), env.get("GITHUB_RUN_ID", "")
        run = f"{server}/{repository}/actions/runs/{run_id}"
        return {
            "kind": "github",
            "user": env["GITHUB_ACTOR"],
            "commit": env.get("GITHUB_SHA", ""),
            "run_url": run,
        }
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's arbitrary uid)
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return {"kind": "os", "user": user}


def read_records(path: Path) -> list[dict[str, Any]]:
    """A journal's records, up to a torn last line."""
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            break  # a torn last line: the process died while writing it
    return records


def past_applies(directory: Path) -> list[dict[str, Any]]:
    """Every apply journaled under ``directory``, oldest first: who, when, what, outcome."""
    applies = []
    for path in sorted(directory.glob("*.jsonl")) if directory.is_dir() else ():
        records = read_records(path)
        if not records or records[0].get("event") != "start":
            continue
        start = records[0]
        ends = [r for r in records if r.get("event") == "end"]
        steps = [r for r in records if r.get("event") == "step" and r.get("status") != "started"]
        plan = start.get("plan", {})
        applies.append(
            {
                "journal": path.name,
                "started": start.get("time"),
                "ended": ends[-1].get("time") if ends else None,
                "actor": start.get("actor") or {"kind": "os", "user": start.get("user", "")},
                "registries": [r.get("name") for r in plan.get("registries", [])],
                "summary": plan.get("summary", {}),
                "actions": len(plan.get("actions", [])),
                "steps_done": sum(1 for r in steps if r.get("status") == "done"),
                "outcome": ends[-1].get("result") if ends else "interrupted",
            }
        )
    return applies


def describe_actor(who: dict[str, Any]) -> str:
    """One line for people: ``alice (mcp client gh-app)``, ``octocat (GitHub run URL)``."""
    kind = who.get("kind")
    if kind == "mcp":
        return f"{who.get('subject') or who.get('client')} (mcp client {who.get('client', '?')})"
    if kind == "github":
        commit = str(who.get("commit", ""))[:12]
        return f"{who.get('user')} (GitHub {who.get('run_url', '')} at {commit})"
    return str(who.get("user", "?"))
