"""What one registry's comparison reads, and what each of its phases hands back.

``Comparison`` is the input of the diff phases (``diff.compare``): the
registry's config, the context specs that target it, its live state, the
schema cache and the plan's options. No phase writes to it. Each phase is a
function that takes the ``Comparison`` and the results of the phases before
it, and returns its own frozen result (a ``Found`` subclass): its actions, the
problems it found and the subject settings it needed but the snapshot had not
read (``unread``: the planner reads them and compares again).

Inside a phase, the mutable working state (the actions being built, the
problems found so far) lives in a ``Notes`` or a private builder the phase
creates and drops when it returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Literal

from reconciler.spec.model import ContextSpec, RegistryConfig, SubjectSpec

from .contexts import qualify
from .plan import Problem
from .schemas import SchemaCache
from .snapshot import ContextState, LiveState, LiveVersion

# The two settings a level has; a config action is keyed by (setting, target).
Setting = Literal["compatibility", "mode"]
# (context, subject, setting) of a subject-level setting the snapshot had not read.
Unread = tuple[str, str, str]


def source_of(spec: SubjectSpec | ContextSpec | RegistryConfig) -> str | None:
    return str(spec.location) if spec.location else None


@dataclass(frozen=True)
class Comparison:
    """The input of one registry's comparison, which every phase reads and none writes."""

    registry: RegistryConfig
    specs: tuple[ContextSpec, ...]
    live: LiveState
    cache: SchemaCache
    _: KW_ONLY
    allow_force_import: bool = False
    # subject, ":.ctx:" or "" -> the mode it had before an interrupted apply switched it
    recovered_modes: Mapping[str, str | None] = field(default_factory=dict)
    # A first comparison, whose result the planner drops when it names settings to read
    # (``Found.unread``): once one is found, the costly parts of each registration
    # (its compatibility check, its change list) are left out, as the comparison
    # after the reads makes them again. Never set for the comparison that is kept.
    provisional: bool = False
    # Subjects a comparison of the same specs and live versions found unchanged
    # (``RegistrationPlan.unchanged``, or the planner's while the snapshot read:
    # ``planner._compare_listed``): the comparison takes that answer as it is instead
    # of comparing each of them again.
    unchanged: frozenset[str] = frozenset()

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


@dataclass(frozen=True)
class Found:
    """What a phase found beside its actions; every phase result extends it."""

    _: KW_ONLY
    problems: tuple[Problem, ...] = ()
    unread: frozenset[Unread] = frozenset()


class Notes:
    """A phase's problems and unread settings while it runs (``Found`` once it returns)."""

    def __init__(self, comparison: Comparison) -> None:
        self.registry = comparison.registry.name
        self.problems: list[Problem] = []
        self.unread: set[Unread] = set()

    def error(self, target: str, message: str, source: str | None = None) -> None:
        self.problems.append(Problem("error", self.registry, target, message, source))

    def warning(self, target: str, message: str, source: str | None = None) -> None:
        self.problems.append(Problem("warning", self.registry, target, message, source))

    def setting(self, ctx: ContextState, what: Setting, subject: str) -> str | None:
        """A subject's own compatibility or mode, as read; None when not set.

        The snapshot reads these only for subjects whose spec sets them; any
        other subject a phase asks about is noted as unread, and the planner
        reads those and compares again (a no-change plan reads none).
        """
        values = ctx.subject_compatibility if what == "compatibility" else ctx.subject_mode
        if subject not in values:
            self.unread.add((ctx.context, subject, what))
            return None
        return values[subject]
