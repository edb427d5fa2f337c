"""The apply journal: an audit trail that also makes interrupted applies recoverable.

Every apply writes one JSON-lines file under ``.reconcile/journal/`` (or the
directory given with ``--journal``): a ``start`` record (who, where, when, the
whole plan), a ``step`` record before and after each action, and an ``end``
record that lists the temporary modes it could not restore (``unrestored``).

A journal is *unfinished* when it has no ``end`` (its process died) or when
its ``end`` lists unrestored modes (a restore failed). The next plan or apply
reports every unfinished journal and restores every temporary mode it may have
left (IMPORT, or READWRITE over a read-only mode, at any level), whatever else
the new plan does; the apply that has done so appends a
``recovered`` record. Whether the apply that wrote a journal is still running
is never guessed from its pid (pids are reused): it is running only if it
still holds the directory's lock (``lock.py``).
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

from reconciler._words import plural

from .audit import actor, read_records
from .lock import holder
from .plan import Action, Plan, SetMode, temporary_switches

JOURNAL_DIR = Path(".reconcile") / "journal"

# (registry, subject) -> the mode to restore (None: remove the subject-level mode)
Restores = dict[tuple[str, str], str | None]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class Interrupted:
    """An apply that did not finish: it stopped, or it ended with temporary modes left."""

    path: Path
    started: str
    user: str
    total: int
    done: list[int] = field(default_factory=list)  # indexes of the steps that succeeded
    running: bool = False  # its process still holds the lock: another apply is in progress
    pending_restores: Restores = field(default_factory=dict)
    ended: bool = False  # it wrote ``end``, with restores that failed
    pid: int | None = None  # the process that wrote it, on ``host``
    host: str = ""

    def describe(self) -> str:
        if self.running:
            return (
                f"an apply is in progress (started {self.started} by {self.user}, pid "
                f"{self.pid} on {self.host}; journal {self.path})"
            )
        if self.ended:
            left = ", ".join(sorted(s for _, s in self.pending_restores))
            return (
                f"an apply started {self.started} by {self.user} could not restore the "
                f"mode of {left} (journal {self.path})"
            )
        return (
            f"an apply started {self.started} by {self.user} stopped after "
            f"{len(self.done)} of {plural(self.total, 'step')} (journal {self.path})"
        )


def _restore_mode(action: Action) -> str | None:
    return action.after if isinstance(action, SetMode) else None


def _pending(actions: list[Action], records: list[dict[str, Any]]) -> Restores:
    """Temporary mode switches that may have reached the registry and whose restore did
    not run: the level -> the mode its restore sets (``temporary_switches``).

    The journal's ``start`` record holds the whole plan, synced before the first
    step: each switch with the mode it replaced and the restore that ends it.
    A switch counts from its ``started`` record, as it may have reached the
    registry before the process died.
    """
    done = {r["index"] for r in records if r.get("event") == "step" and r.get("status") == "done"}
    started = {r["index"] for r in records if r.get("event") == "step"}
    pending: Restores = {}
    for switch, restore in sorted(temporary_switches(actions).items()):
        action = actions[switch]
        key = (action.registry, action.target)
        if switch in started and restore not in done:
            pending[key] = _restore_mode(actions[restore])
        elif restore in done:
            pending.pop(key, None)
    return pending


def find_interrupted(directory: Path, *, holding_lock: bool = False) -> list[Interrupted]:
    """Unfinished applies journaled under ``directory`` that no apply has taken over.

    ``holding_lock``: the caller holds the directory's lock, so none is running.
    """
    found: list[Interrupted] = []
    if not directory.is_dir():
        return found
    owner = None if holding_lock else holder(directory)
    for path in sorted(directory.glob("*.jsonl")):
        records = read_records(path)
        if not records or records[0].get("event") != "start":
            continue
        if any(r.get("event") == "recovered" for r in records):
            continue
        start = records[0]
        actions = [Action.from_json(a) for a in start["plan"]["actions"]]
        end = next((r for r in records if r.get("event") == "end"), None)
        if end is not None:
            unrestored = end.get("unrestored") or []
            if not unrestored:
                continue
            pending: Restores = {(r, s): mode for r, s, mode in unrestored}
        else:
            pending = _pending(actions, records)
        running = (
            end is None
            and owner is not None
            and (owner.get("pid"), owner.get("host")) == (start["pid"], start["host"])
        )
        item = Interrupted(
            path,
            start["time"],
            start["user"],
            len(actions),
            running=running,
            pending_restores=pending,
            ended=end is not None,
            pid=start.get("pid"),
            host=start.get("host", ""),
        )
        item.done = [
            r["index"] for r in records if r.get("event") == "step" and r.get("status") == "done"
        ]
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
                "time": now(),
                "user": getpass.getuser(),
                "actor": actor(),  # the real one: MCP caller, GitHub actor (audit.py)
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "recovers": [str(i.path) for i in recovers],
                "plan": plan.to_json(),
            },
            sync=True,
        )

    def step(self, index: int, status: str, detail: str = "") -> None:
        self._write(
            {"event": "step", "time": now(), "index": index, "status": status, "detail": detail}
        )

    def end(self, result: str, unrestored: Restores | None = None) -> None:
        """The last record. ``unrestored``: temporary modes still to restore (the next
        plan or apply takes them over)."""
        left = [[r, s, mode] for (r, s), mode in sorted((unrestored or {}).items())]
        self._write(
            {"event": "end", "time": now(), "result": result, "unrestored": left}, sync=True
        )

    def note(self, event: str, **fields: Any) -> None:
        """A record of something the apply did besides its steps (verifying restores)."""
        self._write({"event": event, "time": now(), **fields})


def mark_recovered(interrupted: list[Interrupted], by: str) -> None:
    """Close unfinished journals: an apply (``by``) restored what they had left."""
    for item in interrupted:
        with item.path.open("a") as handle:
            handle.write(json.dumps({"event": "recovered", "time": now(), "by": by}) + "\n")
