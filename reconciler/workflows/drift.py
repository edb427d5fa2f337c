"""``drift``: how the live registries differ from the specs, for people and schedulers.

A drift check is a plan that is never applied. Each planned action is a
difference, described from the registry's side: what it holds (``live``) and
what the specs want (``desired``). Plan errors (differences apply cannot
repair, such as a newer version registered by hand, or broken specs) make the
check fail rather than report drift.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from reconciler.engine import Action, Kind, Plan

FORMAT_VERSION = 1


class Status(IntEnum):
    """The exit code of ``reconcile drift``."""

    CLEAN = 0
    ERROR = 1
    DRIFTED = 2


@dataclass(frozen=True)
class Difference:
    registry: str
    target: str  # subject, "(context .x)" or "(global)"
    what: str  # compatibility | mode | schema | deleted
    live: str | None
    desired: str | None
    reason: str
    source: str | None = None


def _difference(action: Action) -> Difference:
    if action.kind is Kind.REGISTER:
        what = "schema"
        live = f"version {action.before}" if action.before else "(missing)"
        desired = f"version {action.after}"
    elif action.kind in (Kind.DELETE_SUBJECT, Kind.DELETE_VERSION):
        what = "deleted"
        live = "present" if action.version is None else f"version {action.version}"
        desired = "deleted permanently" if action.permanent else "deleted"
    else:
        what = "compatibility" if action.kind is Kind.SET_COMPATIBILITY else "mode"
        live, desired = action.before, action.after
    return Difference(
        action.registry, action.label, what, live, desired, action.reason, action.source
    )


@dataclass(frozen=True)
class DriftReport:
    plan: Plan
    checked_at: str

    @classmethod
    def of(cls, plan: Plan) -> DriftReport:
        return cls(plan, datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def differences(self) -> list[Difference]:
        # Temporary IMPORT modes around a registration are how, not what.
        return [
            _difference(a)
            for a in self.plan.actions
            if not a.restore and not (a.kind is Kind.SET_MODE and a.after == "IMPORT")
        ]

    @property
    def status(self) -> Status:
        if self.plan.errors:
            return Status.ERROR
        return Status.DRIFTED if self.plan.actions else Status.CLEAN

    def to_dict(self) -> dict[str, Any]:
        differences = self.differences
        return {
            "format_version": FORMAT_VERSION,
            "checked_at": self.checked_at,
            "status": self.status.name.lower(),
            "registries": [
                {
                    "name": state.name,
                    "display": state.display,
                    "contexts": list(state.contexts),
                    "drifted": any(d.registry == state.name for d in differences),
                    "fingerprint": state.fingerprint,
                }
                for state in self.plan.registries
            ],
            "differences": [asdict(d) for d in differences],
            "problems": [asdict(p) for p in self.plan.problems],
        }

    def to_text(self) -> list[str]:
        lines = []
        for state in self.plan.registries:
            mine = [d for d in self.differences if d.registry == state.name]
            verdict = f"{len(mine)} difference(s)" if mine else "matches the specs"
            lines.append(f"Registry {state.display}: {verdict}")
            for d in mine:
                lines.append(
                    f"  {d.target}: {d.what} is {d.live or '(not set)'}, the specs want "
                    f"{d.desired or '(not set)'} ({d.reason})"
                )
        for problem in self.plan.problems:
            where = f"{problem.source}: " if problem.source else ""
            target = f" {problem.target}:" if problem.target else ""
            lines.append(f"{problem.severity}: {where}{problem.registry}{target} {problem.message}")
        lines.append(
            {
                Status.CLEAN: "No drift.",
                Status.DRIFTED: "Drift found: `reconcile apply` brings the registries back.",
                Status.ERROR: "The check failed: see the errors above.",
            }[self.status]
        )
        return lines
