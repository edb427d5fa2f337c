"""How much a registry holds, per context: subjects, versions, schemas and their types."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .live import RegistryContents


@dataclass(frozen=True)
class ContextStatistics:
    context: str
    subjects: int
    versions: int  # live versions
    schemas: int  # distinct schema ids
    types: dict[str, int] = field(default_factory=dict)  # subjects per schema type (latest)
    compatibility: str | None = None  # set at this context's level
    mode: str | None = None


def statistics(contents: RegistryContents) -> list[ContextStatistics]:
    """One entry per context read, in context order."""
    found = []
    for name, ctx in sorted(contents.contexts.items()):
        live = [s for s in ctx.subjects.values() if s.versions]
        versions = [v for s in live for v in s.versions]
        found.append(
            ContextStatistics(
                context=name,
                subjects=len(live),
                versions=len(versions),
                schemas=len({v.id for v in versions}),
                types=dict(sorted(Counter(s.schema_type for s in live).items())),
                compatibility=ctx.compatibility,
                mode=ctx.mode,
            )
        )
    return found
