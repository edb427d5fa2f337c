"""Read everything a registry holds, per context, for export and migration.

Unlike the engine's snapshot (which reads what the specs manage), this reads
the whole registry, or the contexts asked for: every live schema version from
the paged ``GET /schemas`` listing, and the config and mode set at each level.
A level that is not set is ``None`` (never the inherited value), so what is
written from it never pins an inherited level.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from reconciler.engine import DEFAULT, context_of, context_prefix, normalize_context
from reconciler.engine import unqualify as unqualify_subject
from reconciler.registry import NotFoundError, RegistryClient, SchemaVersion

# (subjects whose config and mode have been read, subjects in all)
ReadProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class LiveSubject:
    name: str  # unqualified
    versions: tuple[SchemaVersion, ...]  # live (not soft-deleted), oldest first
    compatibility: str | None = None  # set at subject level
    mode: str | None = None

    @property
    def schema_type(self) -> str:
        return self.versions[-1].schema_type


@dataclass
class LiveContext:
    context: str  # "." or ".name"
    compatibility: str | None = None  # context level; for "." the global level
    mode: str | None = None
    subjects: dict[str, LiveSubject] = field(default_factory=dict)  # by unqualified name


@dataclass
class RegistryContents:
    registry: str
    contexts: dict[str, LiveContext] = field(default_factory=dict)

    def versions(self) -> Iterable[SchemaVersion]:
        for ctx in self.contexts.values():
            for subject in ctx.subjects.values():
                yield from subject.versions

    @property
    def subject_count(self) -> int:
        return sum(len(c.subjects) for c in self.contexts.values())


async def list_contexts(client: RegistryClient) -> list[str]:
    """The registry's contexts; ``["."]`` for registries without ``/contexts``."""
    try:
        found = await client.get_contexts()
    except NotFoundError:
        return [DEFAULT]
    return sorted({normalize_context(c) for c in found} | {DEFAULT})


async def versions_by_context(
    client: RegistryClient, contexts: list[str]
) -> dict[str, list[SchemaVersion]]:
    """Every live version of each context, in as few listings as the registry allows.

    The default context is listed without a prefix; registries that answer
    that listing with every context (the local registry, Confluent's ``:*:``
    default) then need no listing per context.
    """
    found: dict[str, list[SchemaVersion]] = {c: [] for c in contexts}
    pending = list(contexts)
    if DEFAULT in contexts:
        pending.remove(DEFAULT)
        for version in await client.list_schemas():
            context = context_of(version.subject)
            if context in found:
                found[context].append(version)
        pending = [c for c in pending if not found[c]]
    listings = await asyncio.gather(
        *(client.list_schemas(subject_prefix=context_prefix(c)) for c in pending)
    )
    for context, listing in zip(pending, listings, strict=True):
        found[context] = [v for v in listing if context_of(v.subject) == context]
    return found


async def read_registry(
    client: RegistryClient,
    registry: str,
    contexts: Iterable[str] = (),
    progress: ReadProgress | None = None,
) -> RegistryContents:
    """Read the given contexts (default: every context) of one registry.

    Requests: the context list, ceil(versions / 1000) listings, two config and
    mode reads per context and per subject, concurrent within the client's pool.
    """
    wanted = [normalize_context(c) for c in contexts] or await list_contexts(client)
    by_context = await versions_by_context(client, wanted)
    contents = RegistryContents(registry)
    names: list[tuple[str, str]] = []  # (context, qualified subject)
    for context in wanted:
        grouped: dict[str, list[SchemaVersion]] = {}
        for version in sorted(by_context[context], key=lambda v: (v.subject, v.version)):
            if not version.deleted:
                grouped.setdefault(version.subject, []).append(version)
        contents.contexts[context] = LiveContext(context)
        names += [(context, subject) for subject in grouped]
        contents.contexts[context].subjects = {
            unqualify_subject(s): LiveSubject(unqualify_subject(s), tuple(v))
            for s, v in grouped.items()
        }

    async def level(target: str | None) -> tuple[str | None, str | None]:
        compatibility, mode = await asyncio.gather(
            client.get_config(target), client.get_mode(target)
        )
        return compatibility, mode

    context_levels = await asyncio.gather(
        *(level(None if c == DEFAULT else context_prefix(c)) for c in contents.contexts)
    )
    for ctx, (compatibility, mode) in zip(contents.contexts.values(), context_levels, strict=True):
        ctx.compatibility, ctx.mode = compatibility, mode

    done = 0

    async def subject_level(qualified: str) -> tuple[str | None, str | None]:
        nonlocal done
        result = await level(qualified)
        done += 1
        if progress is not None:
            progress(done, len(names))
        return result

    levels = await asyncio.gather(*(subject_level(s) for _, s in names))
    for (context, qualified), (compatibility, mode) in zip(names, levels, strict=True):
        ctx = contents.contexts[context]
        name = unqualify_subject(qualified)
        subject = ctx.subjects[name]
        ctx.subjects[name] = LiveSubject(name, subject.versions, compatibility, mode)
    return contents
