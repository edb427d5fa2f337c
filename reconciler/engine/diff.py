"""Compare the desired state of one registry with its live state: ordered actions.

``RegistryDiff`` holds what the comparison of one registry needs and builds:
config and mode changes (here), registrations (``registrations.py``) and
deletes (``deletes.py``). Ordering is decided here because it depends on the
comparison: a compatibility level is set *before* the registrations that need
it (it loosens) or *after* them (it tightens), decided per registration by
checking it offline under both levels; modes that allow writes are set before
the writes, modes that forbid them after; temporary IMPORT modes wrap exactly
the registrations that pin ids; deletes come last, referrers first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from reconciler.confluent import (
    DEFAULT_LEVEL,
    DEFAULT_MODE,
    GLOBAL_CONTEXT_LEVEL,
    TOP_LEVEL,
    WRITE_BLOCKING_MODES,
    QualifiedSubject,
    lookup_chain,
)
from reconciler.registry import Reference
from reconciler.spec.model import ContextSpec, ReferenceSpec, RegistryConfig, SubjectSpec

from .contexts import DEFAULT, context_of, context_prefix, normalize_context, qualify
from .plan import (
    TEMPORARY_MODES,
    Action,
    Delete,
    DeleteMode,
    Problem,
    Register,
    Scope,
    SetCompatibility,
    SetMode,
)
from .schemas import SchemaCache
from .snapshot import ContextState, LiveState, LiveVersion

# Why a plan ends an IMPORT mode that no spec asks for (see ``_end_leftover_imports``).
LEFTOVER_IMPORT = "left in IMPORT, probably by an interrupted apply or migration"

# The two settings a level has; a config action is keyed by (setting, target).
Setting = Literal["compatibility", "mode"]


def source_of(spec: SubjectSpec | ContextSpec | RegistryConfig) -> str | None:
    return str(spec.location) if spec.location else None


class RegistryDiff:
    """The state of one registry's comparison: the planner makes one per registry and
    calls ``plan_config``, ``plan_registrations(diff)``, ``plan_recovery``, then
    ``ordered(plan_deletes(diff))`` (see ``planner._plan_one``)."""

    def __init__(
        self,
        registry: RegistryConfig,
        specs: list[ContextSpec],
        live: LiveState,
        cache: SchemaCache,
        *,
        allow_force_import: bool = False,
        recovered_modes: dict[str, str | None] | None = None,
    ) -> None:
        self.registry = registry
        self.specs = specs
        self.live = live
        self.cache = cache
        self.allow_force_import = allow_force_import
        # subject -> the mode it had before an interrupted apply switched it to IMPORT
        self.recovered_modes = recovered_modes or {}
        self.problems: list[Problem] = []
        # context -> {id: (subject, version, identity)} of its live versions, built lazily
        self.live_ids: dict[str, dict[int, tuple[str, int, tuple[object, ...]]]] = {}
        # (context, subject, "compatibility" | "mode") settings the diff needed, not yet read
        self.unread: set[tuple[str, str, str]] = set()
        # Config and mode actions, keyed by (setting, target) so one change is planned once.
        self.config_actions: dict[tuple[Setting, str], Action] = {}
        self.config_placement: dict[tuple[Setting, str], set[str]] = {}
        self.registrations: list[Register] = []
        self.import_setup: list[Action] = []
        self.import_restore: list[Action] = []
        self.importing: dict[str, str] = {}  # subject -> the temporary mode it is wrapped in
        # (context, pinned id) -> (subject, version, identity) registered by this plan
        self.pinned_ids: dict[tuple[str, int], tuple[str, int, tuple[object, ...]]] = {}
        # qualified subject -> version -> (text, referenced texts, schema type) of the
        # registrations planned: references to versions the plan itself creates resolve here.
        self.planned: dict[str, dict[int, tuple[str, dict[str, str], str]]] = {}

    def subject_setting(self, ctx: ContextState, what: Setting, subject: str) -> str | None:
        """A subject's own compatibility or mode, as read; None when not set.

        The snapshot reads these only for subjects whose spec sets them; any
        other subject the diff asks about is noted in ``unread``, and the
        planner reads those and diffs again (a no-change plan reads none).
        """
        values = ctx.subject_compatibility if what == "compatibility" else ctx.subject_mode
        if subject not in values:
            self.unread.add((ctx.context, subject, what))
            return None
        return values[subject]

    # -- problems -------------------------------------------------------------

    def error(self, target: str, message: str, source: str | None = None) -> None:
        self.problems.append(Problem("error", self.registry.name, target, message, source))

    def warning(self, target: str, message: str, source: str | None = None) -> None:
        self.problems.append(Problem("warning", self.registry.name, target, message, source))

    # -- config and mode ------------------------------------------------------

    def _config_action(
        self,
        what: Setting,
        scope: Scope,
        context: str,
        target: str,
        before: str | None,
        after: str | None,
        source: str | None,
    ) -> None:
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
        self.config_actions.setdefault(
            (what, target),
            cls(
                self.registry.name,
                context,
                scope,
                target,
                reason,
                before,
                after,
                source=source,
            ),
        )

    def plan_config(self) -> None:
        reg, live = self.registry, self.live
        level, mode, source = reg.compatibility, reg.mode, source_of(reg)
        for spec in self.specs:
            if normalize_context(spec.context) == DEFAULT and (spec.compatibility or spec.mode):
                # The default context's level is the global one.
                level = spec.compatibility or level
                mode = spec.mode or mode
                source = source_of(spec)
        self._config_action(
            "compatibility",
            Scope.GLOBAL,
            DEFAULT,
            "",
            live.global_compatibility,
            level,
            source,
        )
        self._config_action("mode", Scope.GLOBAL, DEFAULT, "", live.global_mode, mode, source)
        for spec in self.specs:
            context = normalize_context(spec.context)
            ctx = live.contexts[context]
            if context != DEFAULT:
                prefix = context_prefix(context)
                self._config_action(
                    "compatibility",
                    Scope.CONTEXT,
                    context,
                    prefix,
                    ctx.compatibility,
                    spec.compatibility,
                    source_of(spec),
                )
                self._config_action(
                    "mode",
                    Scope.CONTEXT,
                    context,
                    prefix,
                    ctx.mode,
                    spec.mode,
                    source_of(spec),
                )
            for subject_spec in spec.subjects.values():
                if subject_spec.delete:
                    continue
                subject = qualify(context, subject_spec.name)
                if subject_spec.compatibility:
                    self._config_action(
                        "compatibility",
                        Scope.SUBJECT,
                        context,
                        subject,
                        self.subject_setting(ctx, "compatibility", subject),
                        subject_spec.compatibility,
                        source_of(subject_spec),
                    )
                if subject_spec.mode:
                    self._config_action(
                        "mode",
                        Scope.SUBJECT,
                        context,
                        subject,
                        self.subject_setting(ctx, "mode", subject),
                        subject_spec.mode,
                        source_of(subject_spec),
                    )
        self._end_leftover_imports(mode is not None)

    def _end_leftover_imports(self, global_mode_wanted: bool) -> None:
        """Plan the end of every IMPORT mode no spec asks for, at every level we manage.

        IMPORT refuses ordinary registrations and is only ever a step of a
        migration, so where the specs do not ask for it, it is a difference
        (not a steady state): left behind by an interrupted apply or migration,
        or by hand. The subject-level mode is removed (or set back to the one an
        interrupted apply's journal recorded), a context's is removed, and the
        global one (only when a spec manages the default context) is set to
        READWRITE. A level whose spec sets a mode already has its action.
        These run before the registrations, which then meet the mode restored.
        """
        live = self.live
        contexts = {normalize_context(spec.context) for spec in self.specs}
        if DEFAULT in contexts and live.global_mode == "IMPORT" and not global_mode_wanted:
            # removed when an interrupted apply's journal says there was none before
            before = self.recovered_modes.get("", DEFAULT_MODE)
            after = DEFAULT_MODE if before == "IMPORT" else before
            self._leftover(Scope.GLOBAL, DEFAULT, "", after, None)
        for spec in self.specs:
            context = normalize_context(spec.context)
            ctx = live.contexts[context]
            prefix = context_prefix(context)
            if (
                context != DEFAULT
                and ctx.mode == "IMPORT"
                and not any(s.mode for s in self.specs if normalize_context(s.context) == context)
            ):
                self._leftover(Scope.CONTEXT, context, prefix, None, source_of(spec))
            for subject_spec in spec.subjects.values():
                if subject_spec.delete or subject_spec.mode:
                    continue
                subject = qualify(context, subject_spec.name)
                if self.subject_setting(ctx, "mode", subject) == "IMPORT":
                    restore_to = self.recovered_modes.get(subject)
                    self._leftover(
                        Scope.SUBJECT,
                        context,
                        subject,
                        None if restore_to == "IMPORT" else restore_to,
                        source_of(subject_spec),
                    )

    def _leftover(
        self, scope: Scope, context: str, target: str, after: str | None, source: str | None
    ) -> None:
        cls = DeleteMode if after is None else SetMode
        where = {Scope.GLOBAL: "global", Scope.CONTEXT: f"context {context}"}.get(scope, "subject")
        self.config_actions.setdefault(
            ("mode", target),
            cls(
                self.registry.name,
                context,
                scope,
                target,
                f"{where} mode is IMPORT, which no spec asks for: {LEFTOVER_IMPORT}",
                "IMPORT",
                after,
                source=source,
            ),
        )

    def effective(
        self, what: Setting, context: str, subject: str, *, desired: bool
    ) -> tuple[str, tuple[Setting, str] | None]:
        """The level or mode in force for ``subject``, and the key of the action setting it.

        With ``desired=False`` the live value; with ``desired=True`` the value
        once every planned config action has run.
        """
        ctx = self.live.contexts[context]
        if what == "mode":
            # A global READONLY_OVERRIDE overrides every other mode, in every context.
            global_mode, key = self._global_mode(desired=desired)
            if global_mode == "READONLY_OVERRIDE":
                return global_mode, key
        # Confluent's lookup chain: the subject's own level, its context's (/config and
        # /mode for the default context, read as in force: their own else :.__GLOBAL:'s),
        # then :.__GLOBAL:, which no spec sets (read when a named context is managed).
        chain = []
        for level in lookup_chain(QualifiedSubject.parse(subject)):
            if level == GLOBAL_CONTEXT_LEVEL:
                live_value = (
                    self.live.global_context_compatibility
                    if what == "compatibility"
                    else self.live.global_context_mode
                )
            elif level == TOP_LEVEL:
                live_value = (
                    self.live.global_compatibility
                    if what == "compatibility"
                    else self.live.global_mode
                )
            elif level.is_context and level.context == context:
                live_value = ctx.compatibility if what == "compatibility" else ctx.mode
            elif level.is_context:
                continue
            else:
                live_value = self.subject_setting(ctx, what, level.qualified)
            chain.append((level.qualified, live_value))
        fallback = DEFAULT_LEVEL if what == "compatibility" else DEFAULT_MODE
        for target, live_value in chain:
            action = self.config_actions.get((what, target))
            if desired and action is not None:
                if isinstance(action, DeleteMode):
                    continue  # the level's own mode is removed: the next level's applies
                return action.after or fallback, (what, target)
            if live_value is not None:
                return live_value, None
        return fallback, None

    def _global_mode(self, *, desired: bool) -> tuple[str | None, tuple[Setting, str] | None]:
        action = self.config_actions.get(("mode", ""))
        if desired and action is not None:
            return action.after, ("mode", "")
        return self.live.global_mode, None

    def mode_at_write(self, context: str, subject: str) -> str:
        """The mode a registration into ``subject`` meets when it runs."""
        mode, key = self.effective("mode", context, subject, desired=True)
        if key is not None and mode in WRITE_BLOCKING_MODES:
            # A mode that forbids writes is set after them.
            mode, _ = self.effective("mode", context, subject, desired=False)
        return mode

    def use_import_mode(self, context: str, subject: str, source: str | None) -> bool:
        """Wrap ``subject``'s registrations in a temporary subject-level IMPORT mode.

        The restore action sets the mode the spec wants, or the one the subject
        had (before an interrupted apply, if one left it in IMPORT), or removes
        the subject-level mode when it had none (or an IMPORT no spec asks for);
        it runs even when a registration fails.
        """
        if subject in self.importing:
            return True
        ctx = self.live.contexts[context]
        live_mode = self.subject_setting(ctx, "mode", subject)
        non_empty = bool(ctx.versions.get(subject)) or bool(ctx.soft_deleted.get(subject))
        if non_empty and live_mode != "IMPORT" and not self.allow_force_import:
            self.error(
                subject,
                "registering pinned ids into a subject that already has versions needs "
                "IMPORT mode with force; re-run with --force-import if the ids are free",
                source,
            )
            return False
        # A subject already in IMPORT has its end planned (``_end_leftover_imports``).
        self._switch_temporarily(
            context,
            subject,
            live_mode,
            "IMPORT",
            "temporary IMPORT mode for registrations with pinned ids",
            "end of the temporary IMPORT mode",
            source,
            force=non_empty,
        )
        return True

    def _switch_temporarily(
        self,
        context: str,
        subject: str,
        before: str | None,
        mode: str,
        reason: str,
        restore_reason: str,
        source: str | None,
        force: bool = False,
    ) -> None:
        """Set ``subject``'s own mode to ``mode`` before its registrations, restore it after.

        The restore sets the mode the spec wants for the subject (its planned mode
        change is taken over), else ``before``; it removes the subject-level mode
        when that is None. No setup when the subject already has ``mode``; no
        restore when it is to end in ``mode`` too. ``restore_reason`` may name
        the mode restored as ``{restore_to}``.
        """
        wanted = self.config_actions.pop(("mode", subject), None)
        restore_to = wanted.after if wanted is not None else before
        restore_reason = restore_reason.format(restore_to=restore_to or "the inherited mode")
        self.importing[subject] = mode
        if before != mode:
            self.import_setup.append(
                SetMode(
                    self.registry.name,
                    context,
                    Scope.SUBJECT,
                    subject,
                    reason,
                    before,
                    mode,
                    source=source,
                    force=force,
                )
            )
        if restore_to != mode:
            self._restore(context, subject, restore_to, restore_reason, source, before=mode)

    def open_for_writes(self, context: str, subject: str, mode: str, source: str | None) -> bool:
        """Registrations into a subject whose ``mode`` refuses them: a temporary READWRITE.

        Set at subject level before the registrations and restored after them
        (to the spec's mode, the subject's own, or the inherited one), like
        IMPORT. A global READONLY_OVERRIDE cannot be lifted for one subject:
        that is a plan error.
        """
        if subject in self.importing:
            return True
        ctx = self.live.contexts[context]
        own = self.subject_setting(ctx, "mode", subject)
        global_mode, _ = self._global_mode(desired=True)
        # A global READONLY_OVERRIDE overrides a subject's own mode (see modes.py); a
        # context's is a READONLY like any other, which the subject's own mode lifts.
        if global_mode == "READONLY_OVERRIDE":
            self.error(
                subject,
                "the global mode READONLY_OVERRIDE refuses registrations and cannot be "
                "lifted for one subject; change that mode in the spec first",
                source,
            )
            return False
        self._switch_temporarily(
            context,
            subject,
            own,
            "READWRITE",
            f"temporary READWRITE: {mode} refuses registrations",
            "back to {restore_to} after the registrations",
            source,
        )
        self.warning(
            subject,
            f"the subject is {mode}: it is switched to READWRITE for its "
            "registrations and back after them",
            source,
        )
        return True

    def _restore(
        self,
        context: str,
        subject: str,
        mode: str | None,
        reason: str,
        source: str | None,
        before: str = "IMPORT",
        scope: Scope = Scope.SUBJECT,
    ) -> None:
        cls = DeleteMode if mode is None else SetMode
        self.import_restore.append(
            cls(
                self.registry.name,
                context,
                scope,
                subject,
                reason,
                before,
                mode,
                source=source,
                restore=True,
            )
        )

    def plan_recovery(self) -> None:
        """Restore the temporary modes an interrupted apply may have left, if nothing else does.

        A level an interrupted apply switched for a while (``TEMPORARY_MODES``) and
        that still has such a mode gets the mode the apply would have restored.
        A level whose mode has moved to anything else since was changed by hand:
        it is left alone.
        """
        for target, original in self.recovered_modes.items():
            if target == "":
                scope, context, live = Scope.GLOBAL, DEFAULT, self.live.global_mode
                if original is None and live == DEFAULT_MODE:
                    continue  # the top level answers READWRITE when it has no mode of its own
            elif target.startswith(":") and target.endswith(":"):
                scope, context = Scope.CONTEXT, normalize_context(target.strip(":"))
                ctx = self.live.contexts.get(context)
                live = ctx.mode if ctx is not None else None
            else:
                scope, context = Scope.SUBJECT, context_of(target)
                ctx = self.live.contexts.get(context)
                live = None if ctx is None else self.subject_setting(ctx, "mode", target)
            if live not in TEMPORARY_MODES or live == original:
                continue
            if target in self.importing or ("mode", target) in self.config_actions:
                continue
            self._restore(
                context,
                target,
                original,
                f"an interrupted apply left it in {live} mode",
                None,
                before=live,
                scope=scope,
            )

    # -- references -------------------------------------------------------------

    def resolve_references(
        self, context: str, refs: Iterable[ReferenceSpec], owner: str, source: str | None
    ) -> tuple[tuple[Reference, ...], dict[str, str]] | None:
        """Reference specs -> (pinned references, name -> referenced schema text)."""
        ctx = self.live.contexts[context]
        resolved: list[Reference] = []
        texts: dict[str, str] = {}
        for ref in refs:
            subject = qualify(context, ref.subject)
            planned = self.planned.get(subject, {})
            live_versions = {v.version: v.schema for v in ctx.versions.get(subject, [])}
            known = {**live_versions, **{n: t for n, (t, _, _) in planned.items()}}
            if not known:
                self.error(
                    owner,
                    f"reference {ref.name} points to subject {ref.subject}, "
                    "which neither the specs nor the registry have",
                    source,
                )
                return None
            version = max(known) if ref.version == "latest" else ref.version
            if version not in known:
                self.error(
                    owner,
                    f"reference {ref.name} points to {ref.subject} version "
                    f"{version}, which neither the specs nor the registry have",
                    source,
                )
                return None
            resolved.append(Reference(ref.name, ref.subject, version))
            # the referenced version's own references too (a chain), as Confluent
            # resolves them: the referenced schema does not parse without them
            if version in planned:
                nested = planned[version][1]
            else:
                live = next(v for v in ctx.versions[subject] if v.version == version)
                nested = self.live_reference_texts(context, live)
            for name, text in nested.items():
                texts.setdefault(name, text)
            texts[ref.name] = known[version]
        return tuple(resolved), texts

    def live_reference_texts(
        self, context: str, version: LiveVersion, seen: frozenset[tuple[str, int]] = frozenset()
    ) -> dict[str, str]:
        """Reference name -> text for a live version, transitively (references of references)."""
        ctx = self.live.contexts[context]
        texts: dict[str, str] = {}
        for ref in version.references:
            name, number, qualified = ref.name, ref.version, qualify(context, ref.subject)
            for candidate in ctx.versions.get(qualified, []):
                if candidate.version == number and (qualified, number) not in seen:
                    nested = self.live_reference_texts(
                        context, candidate, seen | {(qualified, number)}
                    )
                    for nested_name, text in nested.items():
                        texts.setdefault(nested_name, text)
                    texts[name] = candidate.schema
        return texts

    # -- result ----------------------------------------------------------------

    def ordered(self, deletes: list[Delete]) -> list[Action]:
        """Every action in the order apply runs them: config that loosens or opens,
        temporary modes, registrations, their restores, config that tightens or
        closes, then ``deletes``."""
        pre: list[Action] = []
        post: list[Action] = []
        for key, action in self.config_actions.items():
            placements = self.config_placement.get(key, set())
            if isinstance(action, SetMode | DeleteMode):
                later = action.after in WRITE_BLOCKING_MODES
            elif placements == {"pre", "post"}:
                self.error(
                    action.label,
                    "some registrations need this compatibility change "
                    "before them and others after; split the change into two plans",
                    action.source,
                )
                later = False
            else:
                later = placements == {"post"}
            (post if later else pre).append(action)
        rank = {Scope.GLOBAL: 0, Scope.CONTEXT: 1, Scope.SUBJECT: 2}
        # A level's mode opens before its compatibility changes, and closes after them.
        pre.sort(key=lambda a: (rank[a.scope], isinstance(a, SetCompatibility)))
        post.sort(key=lambda a: (-rank[a.scope], not isinstance(a, SetCompatibility)))
        return pre + self.import_setup + self.registrations + self.import_restore + post + deletes
