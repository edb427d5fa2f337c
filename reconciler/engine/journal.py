"""The apply journal: an audit trail that also makes interrupted applies recoverable.

Every apply writes one JSON-lines file under ``.reconcile/journal/`` (or a
path given): a ``start`` record (who, where, when, the whole plan), a
``step`` record before and after each action, and an ``end`` record. A file
without ``end`` whose process is gone is an interrupted apply: the next plan
or apply reports it, and restores the modes it switched temporarily (IMPORT)
and had not restored yet, whatever else the new plan does. A later apply that
has taken over an interrupted one appends a ``recovered`` record to it.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .audit import actor
from .plan import Action, Plan

JOURNAL_DIR = Path(".reconcile") / "journal"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _alive(pid: int, host: str) -> bool:
    if host != socket.gethostname():
        return False  # cannot tell: treat it as gone, the record says where it ran
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Interrupted:
    """An apply that started and never ended."""

    path: Path
    started: str
    user: str
    total: int
    done: list[int] = field(default_factory=list)  # indexes of the steps that succeeded
    running: bool = False  # its process is still alive: another apply is in progress
    # (registry, subject) -> mode to restore: IMPORT switches whose restore never ran
    pending_restores: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def describe(self) -> str:
        return (
            f"an apply started {self.started} by {self.user} stopped after "
            f"{len(self.done)} of {self.total} step(s) (journal {self.path})"
        )


def _read(path: Path) -> list[dict[str, Any]]:
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            break  # a torn last line: the process died while writing it
    return records


def find_interrupted(directory: Path) -> list[Interrupted]:
    """Applies under ``directory`` that never ended and were not recovered."""
    found = []
    if not directory.is_dir():
        return found
    for path in sorted(directory.glob("*.jsonl")):
        records = _read(path)
        if not records or records[0].get("event") != "start":
            continue
        if any(r.get("event") in ("end", "recovered") for r in records):
            continue
        start = records[0]
        actions = [Action.from_dict(a) for a in start["plan"]["actions"]]
        item = Interrupted(
            path,
            start["time"],
            start["user"],
            len(actions),
            running=_alive(start["pid"], start["host"]),
        )
        item.done = [
            r["index"] for r in records if r.get("event") == "step" and r.get("status") == "done"
        ]
        # A step that started may have reached the registry before the process died.
        attempted = [r["index"] for r in records if r.get("event") == "step"]
        restored = {
            (actions[i].registry, actions[i].target) for i in item.done if actions[i].restore
        }
        for index in attempted:
            action = actions[index]
            key = (action.registry, action.target)
            if action.after == "IMPORT" and not action.restore and key not in restored:
                item.pending_restores[key] = action.before
        found.append(item)
    return found


class Journal:
    """Writes one apply's records."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, directory: Path) -> Journal:
        directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        return cls(directory / f"{stamp}-{os.getpid()}.jsonl")

    def _write(self, record: dict[str, Any], sync: bool = False) -> None:
        """Append one record. Written through to the OS at once, so it survives the
        process being killed; synced to disk (power loss) only at start and end,
        since a sync per step would dominate the apply's time."""
        with self.path.open("a") as handle:
            handle.write(json.dumps(record, default=str) + "\n")
            handle.flush()
            if sync:
                os.fsync(handle.fileno())

    def start(self, plan: Plan, recovers: list[Interrupted]) -> None:
        self._write(
            {
                "event": "start",
                "time": _now(),
                "user": getpass.getuser(),
                "actor": actor(),  # the real one: MCP caller, GitHub actor (audit.py)
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "recovers": [str(i.path) for i in recovers],
                "plan": plan.to_dict(),
            },
            sync=True,
        )

    def step(self, index: int, status: str, detail: str = "") -> None:
        self._write(
            {"event": "step", "time": _now(), "index": index, "status": status, "detail": detail}
        )

    def end(self, result: str) -> None:
        self._write({"event": "end", "time": _now(), "result": result}, sync=True)

    def mark_recovered(self, interrupted: list[Interrupted]) -> None:
        for item in interrupted:
            with item.path.open("a") as handle:
                handle.write(
                    json.dumps({"event": "recovered", "time": _now(), "by": str(self.path)}) + "\n"
                )
