"""The plan: an ordered list of typed actions, and its versioned JSON form.

A plan is data. The text, markdown and JSON views in ``reconciler.render``
are renderings of it; ``Plan.to_json``/``Plan.from_json`` give the stable
JSON form (``format_version``) that is saved to files and read back by
``apply``.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, MISSING, asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, ClassVar

from reconciler.registry import Reference

from .changes import Change

PLAN_FORMAT_VERSION = 1  # of the plan's JSON form; the lint and drift reports have their own


class Kind(StrEnum):
    """What each action type is called in the JSON form and in messages.

    Only a name: code that differs by kind dispatches on the action's type
    (``isinstance``, ``functools.singledispatch``), never on this.
    """

    REGISTER = "register"
    SET_COMPATIBILITY = "set_compatibility"
    SET_MODE = "set_mode"
    DELETE_MODE = "delete_mode"  # only to restore a subject after an IMPORT
    DELETE_SUBJECT = "delete_subject"
    DELETE_VERSION = "delete_version"


# The modes a plan switches a level to for a while (IMPORT for pinned ids, READWRITE
# where a read-only mode would refuse a write), always undone by a ``restore`` action.
TEMPORARY_MODES = frozenset({"IMPORT", "READWRITE"})


class Scope(StrEnum):
    """Which level of the registry an action touches."""

    GLOBAL = "global"
    CONTEXT = "context"
    SUBJECT = "subject"


@dataclass(frozen=True)
class Verdict:
    """The offline compatibility verdict of a registration."""

    level: str
    compatible: bool
    checked_versions: tuple[int, ...] = ()
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Registration:
    """What a ``register`` action sends, and how it differs from what is there."""

    schema_type: str
    schema: str
    references: tuple[Reference, ...] = ()
    normalize: bool = False
    previous_version: int | None = None
    previous_schema: str | None = None
    verdict: Verdict | None = None
    id: int | None = None  # explicit id and version: an IMPORT registration
    version: int | None = None
    metadata: dict[str, Any] | None = None
    rule_set: dict[str, Any] | None = None
    # What changed from the previous version, one entry per change (engine/changes.py);
    # left out of the JSON form when empty, as in plans saved before it existed.
    changes: tuple[Change, ...] = ()


# The JSON form names every field of every kind, in this order, with these
# defaults for the fields a kind does not have: plans saved before the actions
# were typed read back, and typed actions write the same bytes.
_JSON_FIELDS: dict[str, Any] = {
    "registration": None,
    "source": None,
    "version": None,
    "permanent": False,
    "force": False,
    "restore": False,
}


@dataclass(frozen=True)
class Action:
    """One step of a plan. Each kind is a subclass; code that differs by kind
    dispatches on the type (``functools.singledispatch``), so a new kind is a
    new class plus one function per view, not a branch in every ``if`` chain.
    """

    kind: ClassVar[Kind]
    registry: str
    context: str
    scope: Scope
    target: str  # qualified subject name, ":.ctx:" for a context, "" for global
    reason: str
    before: str | None = None
    after: str | None = None
    _: KW_ONLY
    source: str | None = None  # "file:line:col" of the spec that asked for it
    restore: bool = False  # undoes a temporary mode switch; runs even after a failure

    @property
    def label(self) -> str:
        """How the target is shown to people."""
        if self.scope is Scope.GLOBAL:
            return "(global)"
        if self.scope is Scope.CONTEXT:
            return f"(context {self.context})"
        return self.target

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        head = {k: data[k] for k in ("registry", "context")}
        return {
            "kind": self.kind.value,
            **head,
            "scope": self.scope.value,
            **{k: data[k] for k in ("target", "reason", "before", "after")},
            **{k: data.get(k, default) for k, default in _JSON_FIELDS.items()},
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> Action:
        """The action of the kind ``data`` names; the fields that kind does not have
        are ignored."""
        cls = _BY_KIND[Kind(data["kind"])]
        common = {
            "registry": data["registry"],
            "context": data["context"],
            "scope": Scope(data["scope"]),
            "target": data["target"],
            "reason": data["reason"],
            "before": data.get("before"),
            "after": data.get("after"),
            "source": data.get("source"),
            "restore": data.get("restore", False),
        }
        return cls(**common, **cls._own_fields(data))

    @classmethod
    def _own_fields(cls, data: dict[str, Any]) -> dict[str, Any]:
        """The fields of this kind beyond the common ones, read from the JSON form: a
        field without a default is required."""
        common = {f.name for f in fields(Action)}
        return {
            f.name: data[f.name] if f.default is MISSING else data.get(f.name, f.default)
            for f in fields(cls)
            if f.name not in common
        }


@dataclass(frozen=True)
class Register(Action):
    """Register a schema as a subject's next version (or a pinned id and version)."""

    kind: ClassVar[Kind] = Kind.REGISTER
    _: KW_ONLY
    registration: Registration

    @classmethod
    def _own_fields(cls, data: dict[str, Any]) -> dict[str, Any]:
        reg = data["registration"]
        verdict = reg.get("verdict")
        return {
            "registration": Registration(
                schema_type=reg["schema_type"],
                schema=reg["schema"],
                references=tuple(Reference(**r) for r in reg.get("references", ())),
                normalize=reg.get("normalize", False),
                previous_version=reg.get("previous_version"),
                previous_schema=reg.get("previous_schema"),
                verdict=None
                if verdict is None
                else Verdict(
                    level=verdict["level"],
                    compatible=verdict["compatible"],
                    checked_versions=tuple(verdict.get("checked_versions", ())),
                    messages=tuple(verdict.get("messages", ())),
                ),
                id=reg.get("id"),
                version=reg.get("version"),
                metadata=reg.get("metadata"),
                rule_set=reg.get("rule_set"),
                changes=tuple(Change(**c) for c in reg.get("changes", ())),
            )
        }

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        if not data["registration"]["changes"]:
            del data["registration"]["changes"]
        return data


@dataclass(frozen=True)
class SetCompatibility(Action):
    """Set the compatibility level of the global, context or subject level to ``after``."""

    kind: ClassVar[Kind] = Kind.SET_COMPATIBILITY


@dataclass(frozen=True)
class SetMode(Action):
    """Set the mode of a level to ``after``."""

    kind: ClassVar[Kind] = Kind.SET_MODE
    _: KW_ONLY
    force: bool = False  # IMPORT on a non-empty subject


@dataclass(frozen=True)
class DeleteMode(Action):
    """Remove a level's own mode (only to restore a subject after an IMPORT)."""

    kind: ClassVar[Kind] = Kind.DELETE_MODE


@dataclass(frozen=True)
class Delete(Action):
    """A delete: soft, or hard (``permanent``, after a soft one)."""

    _: KW_ONLY
    permanent: bool = False


@dataclass(frozen=True)
class DeleteSubject(Delete):
    """Delete a subject, every version of it."""

    kind: ClassVar[Kind] = Kind.DELETE_SUBJECT
    version: ClassVar[None] = None  # every version: what a version delete names by number


@dataclass(frozen=True)
class DeleteVersion(Delete):
    """Delete one version of a subject."""

    kind: ClassVar[Kind] = Kind.DELETE_VERSION
    _: KW_ONLY
    version: int


_BY_KIND: dict[Kind, type[Action]] = {
    cls.kind: cls
    for cls in (Register, SetCompatibility, SetMode, DeleteMode, DeleteSubject, DeleteVersion)
}


@dataclass(frozen=True)
class Problem:
    """Something that makes the plan unappliable (an error) or worth a look."""

    severity: str  # "error" | "warning"
    registry: str
    target: str
    message: str
    source: str | None = None


AGAINST = "against "  # the fingerprint prefix of a state that ``plan --against`` built


@dataclass
class RegistryState:
    """Which registry a plan was made against, and a fingerprint of what it held."""

    name: str
    display: str
    fingerprint: str
    readonly: bool = False
    contexts: tuple[str, ...] = ()
    # For a registry with several URLs (``urls:``), those that answered while planning,
    # in the order they first did: more than one when it failed over (``display`` has
    # the last). Empty, and left out of the JSON, for a registry with one URL.
    answered: tuple[str, ...] = ()

    @property
    def base(self) -> str | None:
        """The ``--against`` base (``git:REF`` or a directory) this state was made from,
        or None for a live registry; its fingerprint says so, and no live one can."""
        against = self.fingerprint.startswith(AGAINST)
        return self.fingerprint.removeprefix(AGAINST) if against else None


def temporary_switches(actions: list[Action]) -> dict[int, int]:
    """Index of each temporary mode switch -> index of the ``restore`` that ends it.

    A window is a restore of a level and the switches of that level to a
    ``TEMPORARY_MODES`` mode right before it (a window may switch twice: the
    local registry drops a subject's mode with its soft delete). A mode
    change the specs ask for is never in a window: it sets another mode, or
    the level's mode is set by the restore itself.
    """
    windows: dict[int, int] = {}
    opened: dict[tuple[str, str], list[int]] = {}
    for index, action in enumerate(actions):
        if not isinstance(action, SetMode | DeleteMode):
            continue
        key = (action.registry, action.target)
        if action.restore:
            windows.update(dict.fromkeys(opened.pop(key, ()), index))
        elif isinstance(action, SetMode) and action.after in TEMPORARY_MODES:
            opened.setdefault(key, []).append(index)
        else:
            opened.pop(key, None)
    return windows


@dataclass
class Plan:
    registries: list[RegistryState] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    targets: tuple[str, ...] = ()  # --target: the plan covers only these

    @property
    def has_changes(self) -> bool:
        return bool(self.actions)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def steps_only(self) -> set[int]:
        """Indexes of the actions that are steps of other writes, not changes: every
        temporary mode switch, and each restore that puts back the mode its level had
        (one that leaves another mode is a change)."""
        windows = temporary_switches(self.actions)
        first: dict[int, Action] = {}  # restore -> the first switch of its window
        for switch, restore in sorted(windows.items(), reverse=True):
            first[restore] = self.actions[switch]
        return set(windows) | {
            restore
            for restore, switch in first.items()
            if switch.before == self.actions[restore].after
        }

    def counts(self) -> dict[str, int]:
        """What the plan changes in the registries' state (``steps_only`` aside)."""
        register = sum(1 for a in self.actions if isinstance(a, Register))
        delete = sum(1 for a in self.actions if isinstance(a, Delete))
        return {
            "register": register,
            "change": len(self.actions) - register - delete - len(self.steps_only()),
            "delete": delete,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": PLAN_FORMAT_VERSION,
            # ``answered`` only where a registry has several URLs: one URL answers alone.
            "registries": [
                {k: v for k, v in asdict(r).items() if k != "answered" or v}
                for r in self.registries
            ],
            "actions": [a.to_json() for a in self.actions],
            "problems": [asdict(p) for p in self.problems],
            "targets": list(self.targets),
            "summary": self.counts(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        version = data.get("format_version")
        if version != PLAN_FORMAT_VERSION:
            raise ValueError(
                f"plan format_version {version!r} is not supported (expected {PLAN_FORMAT_VERSION})"
            )
        return cls(
            registries=[
                RegistryState(
                    **{
                        **r,
                        "contexts": tuple(r.get("contexts", ())),
                        "answered": tuple(r.get("answered", ())),
                    }
                )
                for r in data["registries"]
            ],
            actions=[Action.from_json(a) for a in data["actions"]],
            problems=[Problem(**p) for p in data.get("problems", ())],
            targets=tuple(data.get("targets", ())),
        )
