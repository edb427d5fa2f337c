"""``drift``: how the live registries differ from the specs, for people and schedulers.

A drift check is a plan that is never applied, plus a listing of what no spec
names. Each difference is described from the registry's side: what it holds
(``live``) and what the specs want (``desired``), and whether ``apply`` can
bring it back (``repairable``). Three sources:

- each planned action (a setting changed by hand, a soft-deleted subject, a
  subject a ``prune: true`` context does not list): apply repairs it;
- versions registered outside the specs (a newer version over a ``schema:``
  spec, a version a pinned history does not list): the engine refuses to plan
  over them, since history is never rewritten; for a drift check they are
  differences that need a hand, not a failed check;
- subjects of a managed context that no spec names (nor a reference, nor a
  ``protected`` pattern): apply leaves them alone unless the context is pruned.

Any other plan error (broken specs, an incompatible change), an unreadable
registry, or specs that do not load fail the check (exit 1), and the report
says so in every output format.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from enum import IntEnum
from functools import singledispatch
from pathlib import Path
from typing import Any

from reconciler._words import plural
from reconciler.engine import (
    Action,
    Delete,
    DeleteMode,
    DeleteSubject,
    DeleteVersion,
    Interrupted,
    Plan,
    PlanOptions,
    Problem,
    Register,
    SetCompatibility,
    SetMode,
    context_of,
    find_interrupted,
    make_plan,
    normalize_context,
    qualify,
    specs_for,
    unqualify,
    with_recovery,
)
from reconciler.registry import RegistryClient
from reconciler.spec import SpecError
from reconciler.spec.model import Project

from .live import versions_by_context

DRIFT_FORMAT_VERSION = 1  # of the drift report's JSON form, versioned apart from plans

# The engine's wording for "the registry holds versions the specs do not
# describe" (engine/_latest_and_history.py); tests/workflows/test_drift.py pins it.
_NOT_LATEST = re.compile(r"the desired schema is version \d+, not the latest \((\d+)\)")
_UNLISTED = re.compile(r"the registry has versions? ([\d, ]+) that the pinned history")


class Status(IntEnum):
    """The exit code of ``reconcile drift``."""

    CLEAN = 0
    ERROR = 1
    DRIFTED = 2


@dataclass(frozen=True)
class Difference:
    registry: str
    target: str  # subject, "(context .x)" or "(global)"
    what: str  # compatibility | mode | schema | deleted | version | unmanaged
    live: str | None
    desired: str | None
    reason: str
    source: str | None = None
    repairable: bool = True  # `reconcile apply` brings it back

    def describe(self) -> str:
        if self.what == "unmanaged":
            return f"{self.target}: {self.live} that no spec names ({self.reason})"
        if self.what == "version":
            return (
                f"{self.target}: {self.live} registered outside the specs, which apply "
                f"cannot undo ({self.reason})"
            )
        return (
            f"{self.target}: {self.what} is {self.live or '(not set)'}, the specs want "
            f"{self.desired or '(not set)'} ({self.reason})"
        )


def _difference(action: Action) -> Difference:
    what, live, desired = _change(action)
    return Difference(
        action.registry, action.label, what, live, desired, action.reason, action.source
    )


@singledispatch
def _change(action: Action) -> tuple[str, str | None, str | None]:
    """What differs, as (what, live, desired)."""
    raise TypeError(f"no drift description for a {type(action).__name__}")


@_change.register
def _(action: SetMode | DeleteMode) -> tuple[str, str | None, str | None]:
    return "mode", action.before, action.after


@_change.register
def _(action: SetCompatibility) -> tuple[str, str | None, str | None]:
    return "compatibility", action.before, action.after


@_change.register
def _(action: Register) -> tuple[str, str | None, str | None]:
    return (
        "schema",
        f"version {action.before}" if action.before else "(missing)",
        f"version {action.after}",
    )


@_change.register
def _(action: DeleteSubject) -> tuple[str, str | None, str | None]:
    return "deleted", "present", _deleted(action)


@_change.register
def _(action: DeleteVersion) -> tuple[str, str | None, str | None]:
    return "deleted", f"version {action.version}", _deleted(action)


def _deleted(action: Delete) -> str:
    return "deleted permanently" if action.permanent else "deleted"


def _versions_outside(problem: Problem) -> Difference | None:
    """The difference a plan error stands for, when it only says the registry has more."""
    if problem.severity != "error":
        return None
    found = _NOT_LATEST.search(problem.message) or _UNLISTED.search(problem.message)
    if found is None:
        return None
    numbers = found.group(1).replace(" ", "")
    live = f"version {numbers}" if "," not in numbers else f"versions {numbers}"
    desired = "not in the specs"
    return Difference(
        problem.registry,
        problem.target,
        "version",
        live,
        desired,
        problem.message,
        problem.source,
        repairable=False,
    )


def _named(project: Project, registry: str, context: str) -> tuple[set[str], tuple[str, ...]]:
    """Subjects the specs of a context name (as subjects or references), and its protected globs."""
    names: set[str] = set()
    protected: list[str] = []
    for spec in specs_for(project, registry):
        if normalize_context(spec.context) != context:
            continue
        protected += spec.protected
        for subject in spec.subjects.values():
            names.add(qualify(context, subject.name))
            references = list(subject.references)
            for version in subject.versions or ():
                references += version.references
            names.update(qualify(context, r.subject) for r in references)
    return names, tuple(protected)


async def unmanaged_subjects(
    project: Project, plan: Plan, clients: dict[str, RegistryClient]
) -> list[Difference]:
    """Live subjects of the contexts the plan read that no spec names.

    One paged ``GET /schemas`` listing per registry (per context where the
    registry does not list every context at once). Subjects the plan already
    deletes (a pruned context) are differences of the plan, not listed again.
    """
    found: list[Difference] = []
    for state in plan.registries:
        by_context = await versions_by_context(clients[state.name], list(state.contexts))
        planned = {a.target for a in plan.actions if a.registry == state.name}
        for context, versions in by_context.items():
            named, protected = _named(project, state.name, context)
            counts: dict[str, int] = {}
            for version in versions:
                if not version.deleted and context_of(version.subject) == context:
                    counts[version.subject] = counts.get(version.subject, 0) + 1
            for subject, count in sorted(counts.items()):
                if subject in named or subject in planned:
                    continue
                if any(fnmatch.fnmatchcase(unqualify(subject), p) for p in protected):
                    continue
                found.append(
                    Difference(
                        state.name,
                        subject,
                        "unmanaged",
                        plural(count, "version"),
                        "not in the specs",
                        f"context {context} is managed; add the subject to a spec "
                        "(reconcile export writes it), protect it, or prune the context",
                        repairable=False,
                    )
                )
    return found


async def check(
    project: Project,
    clients: dict[str, RegistryClient],
    options: PlanOptions | None = None,
    journal_dir: Path | None = None,
) -> DriftReport:
    """Plan the project against ``clients`` and list what no spec names.

    With ``journal_dir``, the applies journaled there count (docs/planning.md): the
    temporary modes of an apply in progress are how it writes, not drift; those
    an interrupted apply left are drift that names it, and apply restores them.
    """
    interrupted = find_interrupted(journal_dir) if journal_dir is not None else []
    stopped = [i for i in interrupted if not i.running]
    plan = await make_plan(project, clients, with_recovery(options or PlanOptions(), stopped))
    unmanaged = await unmanaged_subjects(project, plan, clients)
    return DriftReport.of(plan, unmanaged, tuple(interrupted))


def spec_problem(error: SpecError) -> Problem:
    """A load error as a report problem: its ``file:line:col`` apart from its message."""
    source = str(error).removesuffix(f": {error.message}") if error.location else None
    return Problem("error", "", "", error.message, source)


@dataclass(frozen=True)
class DriftReport:
    plan: Plan
    checked_at: str
    unmanaged: tuple[Difference, ...] = ()
    applies: tuple[Interrupted, ...] = ()  # unfinished applies: running or interrupted

    @classmethod
    def of(
        cls,
        plan: Plan,
        unmanaged: Iterable[Difference] = (),
        applies: tuple[Interrupted, ...] = (),
    ) -> DriftReport:
        checked = datetime.now(UTC).isoformat(timespec="seconds")
        return cls(plan, checked, tuple(unmanaged), applies)

    @classmethod
    def failed(cls, problems: Iterable[Problem]) -> DriftReport:
        """The report of a check that could not plan (specs, registry, usage)."""
        return cls.of(Plan(problems=list(problems)))

    def _journaled(self, action: Action) -> Interrupted | None:
        """The unfinished apply (running first) that switched ``action``'s level, if any."""
        if not isinstance(action, SetMode | DeleteMode):
            return None
        key = (action.registry, action.target)
        found = [i for i in self.applies if key in i.pending_restores]
        return next((i for i in found if i.running), found[0] if found else None)

    @property
    def differences(self) -> list[Difference]:
        # Temporary modes around a write are how, not what; so are those of an apply
        # in progress. Those an interrupted apply left are drift, and say so.
        steps = self.plan.steps_only()
        planned = []
        for index, action in enumerate(self.plan.actions):
            if index in steps:
                continue
            difference = _difference(action)
            apply = self._journaled(action)
            if apply is not None and apply.running:
                continue
            if apply is not None:
                difference = replace(
                    difference,
                    reason=f"{difference.reason}; left by an interrupted apply "
                    f"(journal {apply.path}): `reconcile apply` restores it",
                )
            planned.append(difference)
        outside = [d for p in self.plan.problems if (d := _versions_outside(p)) is not None]
        return planned + outside + list(self.unmanaged)

    @property
    def problems(self) -> list[Problem]:
        """The plan's problems that are not differences."""
        return [p for p in self.plan.problems if _versions_outside(p) is None]

    @property
    def status(self) -> Status:
        if any(p.severity == "error" for p in self.problems):
            return Status.ERROR
        return Status.DRIFTED if self.differences else Status.CLEAN

    def to_json(self) -> dict[str, Any]:
        differences = self.differences
        return {
            "format_version": DRIFT_FORMAT_VERSION,
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
            "problems": [asdict(p) for p in self.problems],
            "applies": [a.describe() for a in self.applies],
        }

    def to_text(self) -> list[str]:
        lines = [f"note: {a.describe()}" for a in self.applies]
        differences = self.differences
        for state in self.plan.registries:
            mine = [d for d in differences if d.registry == state.name]
            verdict = plural(len(mine), "difference") if mine else "matches the specs"
            lines.append(f"Registry {state.display}: {verdict}")
            lines += [f"  {d.describe()}" for d in mine]
        for problem in self.problems:
            where = f"{problem.source}: " if problem.source else ""
            registry = f"{problem.registry} " if problem.registry else ""
            target = f"{problem.target}: " if problem.target else ""
            lines.append(f"{problem.severity}: {where}{registry}{target}{problem.message}")
        by_hand = sum(1 for d in differences if not d.repairable)
        if self.status is Status.ERROR:
            lines.append("The check failed: see the errors above.")
        elif self.status is Status.CLEAN:
            lines.append("No drift.")
        elif not by_hand:
            lines.append("Drift found: `reconcile apply` brings the registries back.")
        else:
            lines.append(
                f"Drift found: {plural(by_hand, 'difference')} that `reconcile apply` cannot undo "
                "(see above); apply brings back the others."
            )
        return lines
