"""The registration phase's working state, ``_Work``: the registrations planned so far,
the temporary modes wrapped around them, the ids they pin, and the questions put to the
planned config (the level or mode in force, a temporary IMPORT or READWRITE).

A module of its own so that the phase's other modules (the order, the matching of
versions, latest and history, one registration, the IMPORT bookkeeping) import it rather
than each other, and ``registrations.py`` freezes it into the ``RegistrationPlan``.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.registry import Reference
from reconciler.spec.model import ReferenceSpec, SubjectSpec

from .comparison import Comparison, Notes, Setting, source_of
from .config import (
    ConfigKey,
    ConfigPlan,
    Level,
    effective,
    global_mode,
    mode_at_write,
    restore_action,
)
from .contexts import qualify
from .plan import Action, Register, Scope, SetMode
from .snapshot import LiveVersion


class _Work:
    """The registration phase's working state: created by ``plan_registrations``, which
    returns it frozen as a ``RegistrationPlan``."""

    def __init__(self, comparison: Comparison, config: ConfigPlan) -> None:
        self.comparison = comparison
        self.config = config
        self.live = comparison.live
        self.cache = comparison.cache
        self.notes = Notes(comparison)
        self.registrations: list[Register] = []
        self.import_setup: list[Action] = []
        self.import_restore: list[Action] = []
        self.importing: dict[str, str] = {}  # subject -> the temporary mode it is wrapped in
        self.taken_over: set[str] = set()
        self.config_placement: dict[ConfigKey, set[str]] = {}
        # context -> {id: (subject, version, identity)} of its live versions, built lazily
        self.live_ids: dict[str, dict[int, tuple[str, int, tuple[object, ...]]]] = {}
        # (context, pinned id) -> (subject, version, identity) registered by this plan
        self.pinned_ids: dict[tuple[str, int], tuple[str, int, tuple[object, ...]]] = {}
        # qualified subject -> version -> (text, referenced texts, schema type) of the
        # registrations planned: references to versions the plan itself creates resolve here.
        self.planned: dict[str, dict[int, tuple[str, dict[str, str], str]]] = {}
        self.unchanged: set[str] = set()  # see ``RegistrationPlan.unchanged``

    def error(self, target: str, message: str, source: str | None = None) -> None:
        self.notes.error(target, message, source)

    def dropped(self) -> bool:
        """Whether this comparison's result will be dropped: a provisional one that has
        found settings to read (see ``Comparison.provisional``)."""
        return self.comparison.provisional and bool(self.notes.unread or self.config.unread)

    def effective(self, what: Setting, context: str, subject: str, *, desired: bool) -> Level:
        """The level or mode in force for ``subject`` (see ``config.effective``)."""
        return effective(
            self.comparison,
            self.config,
            self.notes,
            what,
            context,
            subject,
            desired=desired,
            taken_over=self.taken_over,
        )

    def mode_at_write(self, context: str, subject: str) -> str:
        return mode_at_write(
            self.comparison, self.config, self.notes, context, subject, self.taken_over
        )

    def live_reference_texts(self, context: str, version: LiveVersion) -> dict[str, str]:
        return self.comparison.live_reference_texts(context, version)

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
        live_mode = self.notes.setting(ctx, "mode", subject)
        non_empty = bool(ctx.versions.get(subject)) or bool(ctx.soft_deleted.get(subject))
        if non_empty and live_mode != "IMPORT" and not self.comparison.allow_force_import:
            self.error(
                subject,
                "registering pinned ids into a subject that already has versions needs "
                "IMPORT mode with force; re-run with --force-import if the ids are free",
                source,
            )
            return False
        # A subject already in IMPORT has its end planned (config's ``_leftover_imports``).
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
        wanted = None if subject in self.taken_over else self.config.actions.get(("mode", subject))
        self.taken_over.add(subject)
        restore_to = wanted.after if wanted is not None else before
        restore_reason = restore_reason.format(restore_to=restore_to or "the inherited mode")
        self.importing[subject] = mode
        registry = self.comparison.registry.name
        if before != mode:
            self.import_setup.append(
                SetMode(
                    registry,
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
            self.import_restore.append(
                restore_action(registry, context, subject, restore_to, restore_reason, source, mode)
            )

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
        own = self.notes.setting(ctx, "mode", subject)
        # A global READONLY_OVERRIDE overrides a subject's own mode (see modes.py); a
        # context's is a READONLY like any other, which the subject's own mode lifts.
        if global_mode(self.comparison, self.config, desired=True).value == "READONLY_OVERRIDE":
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
        self.notes.warning(
            subject,
            f"the subject is {mode}: it is switched to READWRITE for its "
            "registrations and back after them",
            source,
        )
        return True

    def resolve_references(
        self, context: str, refs: Iterable[ReferenceSpec], owner: str, spec: SubjectSpec
    ) -> tuple[tuple[Reference, ...], dict[str, str]] | None:
        """Reference specs -> (pinned references, name -> referenced schema text); references
        to versions this plan registers resolve to the planned texts. ``spec`` is named
        (``source_of``) only in an error: the 1,000 referrers of a 10,000-subject plan
        are resolved on every plan."""
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
                    source_of(spec),
                )
                return None
            version = max(known) if ref.version == "latest" else ref.version
            if version not in known:
                self.error(
                    owner,
                    f"reference {ref.name} points to {ref.subject} version "
                    f"{version}, which neither the specs nor the registry have",
                    source_of(spec),
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
