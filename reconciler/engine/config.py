"""The config phase: compatibility levels and modes, and the levels in force.

``plan_config`` compares each level the specs manage (global, context,
subject) with the live one and returns a ``ConfigPlan``: one action per
(setting, target), the end of every IMPORT no spec asks for, and the
problems and unread settings it met. ``effective`` answers, for the later
phases, which level or mode is in force for a subject now or once the config
actions have run. ``plan_recovery`` restores the temporary modes an
interrupted apply left, once the registrations are known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from reconciler.confluent import (
    DEFAULT_LEVEL,
    DEFAULT_MODE,
    GLOBAL_CONTEXT_LEVEL,
    TOP_LEVEL,
    WRITE_BLOCKING_MODES,
    QualifiedSubject,
    lookup_chain,
)

from .comparison import Comparison, Found, Notes, Setting, source_of
from .contexts import DEFAULT, context_of, context_prefix, normalize_context, qualify
from .plan import TEMPORARY_MODES, Action, DeleteMode, Scope, SetCompatibility, SetMode

if TYPE_CHECKING:
    from reconciler.spec.model import ContextSpec, RegistryConfig, SubjectSpec

# Why a plan ends an IMPORT mode that no spec asks for (see ``_leftover_imports``).
LEFTOVER_IMPORT = "left in IMPORT, probably by an interrupted apply or migration"

ConfigKey = tuple[Setting, str]


@dataclass(frozen=True)
class ConfigPlan(Found):
    """The config and mode actions, keyed by (setting, target): one change is planned once."""

    actions: Mapping[ConfigKey, Action]


class Level(NamedTuple):
    """A level or mode in force, and the key of the config action that sets it (if any)."""

    value: str
    key: ConfigKey | None


def plan_config(comparison: Comparison) -> ConfigPlan:
    """Every config and mode action the specs ask for, and the ends of IMPORTs left over."""
    notes = Notes(comparison)
    actions: dict[ConfigKey, Action] = {}
    reg, live = comparison.registry, comparison.live

    def add(
        what: Setting,
        scope: Scope,
        context: str,
        target: str,
        before: str | None,
        after: str | None,
        owner: SubjectSpec | ContextSpec | RegistryConfig,
    ) -> None:
        """``owner``: the spec (or registry) that asks for ``after``, named as the action's
        source only when there is an action (a path made for each of 2,000 subjects
        that set a level or a mode, ~2 ms of every no-change plan at 10,000, was not)."""
        if after is None or after == before:
            return
        where = {
            Scope.GLOBAL: "global",
            Scope.CONTEXT: f"context {context}",
            Scope.SUBJECT: "subject",
        }[scope]
        reason = f"{where} {what} is {before or 'not set'}, the spec wants {after}"
        if what == "mode" and before == "IMPORT":
            reason += f" ({LEFTOVER_IMPORT})"
        cls = SetCompatibility if what == "compatibility" else SetMode
        actions.setdefault(
            (what, target),
            cls(reg.name, context, scope, target, reason, before, after, source=source_of(owner)),
        )

    level, mode = reg.compatibility, reg.mode
    owner: SubjectSpec | ContextSpec | RegistryConfig = reg
    for spec in comparison.specs:
        if normalize_context(spec.context) == DEFAULT and (spec.compatibility or spec.mode):
            # The default context's level is the global one.
            level = spec.compatibility or level
            mode = spec.mode or mode
            owner = spec
    add("compatibility", Scope.GLOBAL, DEFAULT, "", live.global_compatibility, level, owner)
    add("mode", Scope.GLOBAL, DEFAULT, "", live.global_mode, mode, owner)
    for spec in comparison.specs:
        context = normalize_context(spec.context)
        ctx = live.contexts[context]
        if context != DEFAULT:
            prefix = context_prefix(context)
            add(
                "compatibility",
                Scope.CONTEXT,
                context,
                prefix,
                ctx.compatibility,
                spec.compatibility,
                spec,
            )
            add("mode", Scope.CONTEXT, context, prefix, ctx.mode, spec.mode, spec)
        for subject_spec in spec.subjects.values():
            if subject_spec.delete:
                continue
            subject = qualify(context, subject_spec.name)
            if subject_spec.compatibility:
                add(
                    "compatibility",
                    Scope.SUBJECT,
                    context,
                    subject,
                    notes.setting(ctx, "compatibility", subject),
                    subject_spec.compatibility,
                    subject_spec,
                )
            if subject_spec.mode:
                add(
                    "mode",
                    Scope.SUBJECT,
                    context,
                    subject,
                    notes.setting(ctx, "mode", subject),
                    subject_spec.mode,
                    subject_spec,
                )
    for action in _leftover_imports(comparison, notes, mode is not None):
        actions.setdefault(("mode", action.target), action)
    return ConfigPlan(actions, problems=tuple(notes.problems), unread=frozenset(notes.unread))


def _leftover_imports(
    comparison: Comparison, notes: Notes, global_mode_wanted: bool
) -> list[Action]:
    """The end of every IMPORT mode no spec asks for, at every level we manage.

    IMPORT refuses ordinary registrations and is only ever a step of a
    migration, so where the specs do not ask for it, it is a difference
    (not a steady state): left behind by an interrupted apply or migration,
    or by hand. The subject-level mode is removed (or set back to the one an
    interrupted apply's journal recorded), a context's is removed, and the
    global one (only when a spec manages the default context) is set to
    READWRITE. A level whose spec sets a mode already has its action.
    These run before the registrations, which then meet the mode restored.
    """
    live, specs, recovered = comparison.live, comparison.specs, comparison.recovered_modes
    found: list[Action] = []

    def leftover(
        scope: Scope, context: str, target: str, after: str | None, source: str | None
    ) -> None:
        cls = DeleteMode if after is None else SetMode
        where = {Scope.GLOBAL: "global", Scope.CONTEXT: f"context {context}"}.get(scope, "subject")
        reason = f"{where} mode is IMPORT, which no spec asks for: {LEFTOVER_IMPORT}"
        found.append(
            cls(
                comparison.registry.name,
                context,
                scope,
                target,
                reason,
                "IMPORT",
                after,
                source=source,
            )
        )

    contexts = {normalize_context(spec.context) for spec in specs}
    if DEFAULT in contexts and live.global_mode == "IMPORT" and not global_mode_wanted:
        # removed when an interrupted apply's journal says there was none before
        before = recovered.get("", DEFAULT_MODE)
        leftover(Scope.GLOBAL, DEFAULT, "", DEFAULT_MODE if before == "IMPORT" else before, None)
    for spec in specs:
        context = normalize_context(spec.context)
        ctx = live.contexts[context]
        if (
            context != DEFAULT
            and ctx.mode == "IMPORT"
            and not any(s.mode for s in specs if normalize_context(s.context) == context)
        ):
            leftover(Scope.CONTEXT, context, context_prefix(context), None, source_of(spec))
        for subject_spec in spec.subjects.values():
            if subject_spec.delete or subject_spec.mode:
                continue
            subject = qualify(context, subject_spec.name)
            if notes.setting(ctx, "mode", subject) == "IMPORT":
                restore_to = recovered.get(subject)
                leftover(
                    Scope.SUBJECT,
                    context,
                    subject,
                    None if restore_to == "IMPORT" else restore_to,
                    source_of(subject_spec),
                )
    return found


def effective(
    comparison: Comparison,
    config: ConfigPlan,
    notes: Notes,
    what: Setting,
    context: str,
    subject: str,
    *,
    desired: bool,
    taken_over: frozenset[str] | set[str] = frozenset(),
) -> Level:
    """The level or mode in force for ``subject``, and the key of the action setting it.

    With ``desired=False`` the live value; with ``desired=True`` the value
    once every config action has run, but for the subject-level modes in
    ``taken_over`` (a temporary mode's restore sets them instead). Subject
    settings the snapshot had not read are noted in the caller's ``notes``.
    """
    live = comparison.live
    ctx = live.contexts[context]
    if what == "mode":
        # A global READONLY_OVERRIDE overrides every other mode, in every context.
        top = global_mode(comparison, config, desired=desired)
        if top.value == "READONLY_OVERRIDE":
            return top
    # Confluent's lookup chain: the subject's own level, its context's (/config and
    # /mode for the default context, read as in force: their own else :.__GLOBAL:'s),
    # then :.__GLOBAL:, which no spec sets (read when a named context is managed).
    chain = []
    for level in lookup_chain(QualifiedSubject.parse(subject)):
        if level == GLOBAL_CONTEXT_LEVEL:
            live_value = (
                live.global_context_compatibility
                if what == "compatibility"
                else live.global_context_mode
            )
        elif level == TOP_LEVEL:
            live_value = live.global_compatibility if what == "compatibility" else live.global_mode
        elif level.is_context and level.context == context:
            live_value = ctx.compatibility if what == "compatibility" else ctx.mode
        elif level.is_context:
            continue
        else:
            live_value = notes.setting(ctx, what, level.qualified)
        chain.append((level.qualified, live_value))
    fallback = DEFAULT_LEVEL if what == "compatibility" else DEFAULT_MODE
    for target, live_value in chain:
        action = config.actions.get((what, target))
        if what == "mode" and target in taken_over:
            action = None
        if desired and action is not None:
            if isinstance(action, DeleteMode):
                continue  # the level's own mode is removed: the next level's applies
            return Level(action.after or fallback, (what, target))
        if live_value is not None:
            return Level(live_value, None)
    return Level(fallback, None)


def global_mode(comparison: Comparison, config: ConfigPlan, *, desired: bool) -> Level:
    """The global mode, live or once the config actions have run (its value may be "")."""
    action = config.actions.get(("mode", ""))
    if desired and action is not None:
        return Level(action.after or "", ("mode", ""))
    return Level(comparison.live.global_mode or "", None)


def mode_at_write(
    comparison: Comparison,
    config: ConfigPlan,
    notes: Notes,
    context: str,
    subject: str,
    taken_over: frozenset[str] | set[str] = frozenset(),
) -> str:
    """The mode a registration into ``subject`` meets when it runs."""
    mode, key = effective(
        comparison, config, notes, "mode", context, subject, desired=True, taken_over=taken_over
    )
    if key is not None and mode in WRITE_BLOCKING_MODES:
        # A mode that forbids writes is set after them.
        mode, _ = effective(comparison, config, notes, "mode", context, subject, desired=False)
    return mode


def restore_action(
    registry: str,
    context: str,
    subject: str,
    mode: str | None,
    reason: str,
    source: str | None,
    before: str = "IMPORT",
    scope: Scope = Scope.SUBJECT,
) -> Action:
    """The end of a temporary mode: set ``mode`` back, or remove the level's own when None."""
    cls = DeleteMode if mode is None else SetMode
    return cls(registry, context, scope, subject, reason, before, mode, source=source, restore=True)


@dataclass(frozen=True)
class RecoveryPlan(Found):
    """The restores of the temporary modes interrupted applies left, which nothing else ends."""

    restores: tuple[Action, ...]


def plan_recovery(
    comparison: Comparison, config: ConfigPlan, importing: Mapping[str, str]
) -> RecoveryPlan:
    """Restore the temporary modes an interrupted apply may have left, if nothing else does.

    A level an interrupted apply switched for a while (``TEMPORARY_MODES``) and
    that still has such a mode gets the mode the apply would have restored.
    A level whose mode has moved to anything else since was changed by hand:
    it is left alone; so is a subject the registrations wrap in a temporary
    mode (``importing``) or a level a config action sets.
    """
    notes = Notes(comparison)
    live_state = comparison.live
    restores: list[Action] = []
    for target, original in comparison.recovered_modes.items():
        if target == "":
            scope, context, live = Scope.GLOBAL, DEFAULT, live_state.global_mode
            if original is None and live == DEFAULT_MODE:
                continue  # the top level answers READWRITE when it has no mode of its own
        elif target.startswith(":") and target.endswith(":"):
            scope, context = Scope.CONTEXT, normalize_context(target.strip(":"))
            ctx = live_state.contexts.get(context)
            live = ctx.mode if ctx is not None else None
        else:
            scope, context = Scope.SUBJECT, context_of(target)
            ctx = live_state.contexts.get(context)
            live = None if ctx is None else notes.setting(ctx, "mode", target)
        if live not in TEMPORARY_MODES or live == original:
            continue
        if target in importing or ("mode", target) in config.actions:
            continue
        restores.append(
            restore_action(
                comparison.registry.name,
                context,
                target,
                original,
                f"an interrupted apply left it in {live} mode",
                None,
                before=live,
                scope=scope,
            )
        )
    return RecoveryPlan(
        tuple(restores), problems=tuple(notes.problems), unread=frozenset(notes.unread)
    )
