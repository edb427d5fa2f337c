"""Read the live state of the contexts a project manages, in few requests.

Schemas come from the paged ``GET /schemas`` listing (one request per page,
never one per version). Subject-level config and mode are read concurrently,
one request each per managed subject, bounded by the client's pool.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from reconciler.confluent import GLOBAL_CONTEXT_LEVEL, reads_global_context
from reconciler.registry import Reference, RegistryClient, schema_version_fields

from .contexts import DEFAULT, context_of, context_prefix

if TYPE_CHECKING:
    from .remembered_listings import RememberedListings

# The form of ``LiveState.fingerprint``: a saved plan whose fingerprints are of
# another form was made by another version of reconcile (``staleness.py``). The
# first form (until 2026-12-06) was a bare sha256 that fed each context's versions
# after its settings; "v2:" feeds the digest of its versions instead.
FINGERPRINT_FORM = "v2:"
# Versions hashed between two turns of the event loop: ~1-2 ms of hashing.
_SLICE = 1000


class LiveVersion(NamedTuple):
    """One live version, as listed. A named tuple, not a dataclass: the 500,000 of a
    100,000-subject plan are built (``_live``) and freed faster without an instance
    dict each (the dicts' keys alone were half the ~0.25 s of freeing them)."""

    subject: str
    version: int
    id: int
    schema_type: str
    schema: str
    references: tuple[Reference, ...] = ()
    metadata: dict[str, Any] | None = None
    rule_set: dict[str, Any] | None = None


@dataclass
class ContextState:
    context: str
    compatibility: str | None = None  # context level; for "." this is the global config
    mode: str | None = None
    versions: dict[str, list[LiveVersion]] = field(default_factory=dict)  # oldest first
    # subject -> numbers of its soft-deleted versions (what a hard delete can still remove)
    soft_deleted: dict[str, list[int]] = field(default_factory=dict)
    subject_compatibility: dict[str, str | None] = field(default_factory=dict)
    subject_mode: dict[str, str | None] = field(default_factory=dict)
    # sha256 of ``versions``, once worked out (``versions_digest``): the snapshot hashes
    # them while its settings reads are in flight, and nothing changes them after.
    _versions_digest: bytes | None = field(default=None, repr=False, compare=False)

    def versions_digest(self) -> bytes:
        """The sha256 of ``versions`` as the fingerprint feeds them (``_hash_versions``)."""
        if self._versions_digest is None:
            digest = hashlib.sha256()
            for _ in _hash_versions(self.versions, digest):
                pass
            self._versions_digest = digest.digest()
        return self._versions_digest

    async def hash_versions(self) -> None:
        """``versions_digest`` worked out a slice at a time, the event loop turning
        between slices: responses to the reads in flight are not held up."""
        digest = hashlib.sha256()
        for _ in _hash_versions(self.versions, digest):
            await asyncio.sleep(0)
        self._versions_digest = digest.digest()

    def latest(self, subject: str) -> LiveVersion | None:
        versions = self.versions.get(subject)
        return versions[-1] if versions else None


@dataclass
class LiveState:
    registry: str
    # the top level as in force (read with defaultToGlobal: its own, else :.__GLOBAL:'s)
    global_compatibility: str | None = None
    global_mode: str | None = None
    # :.__GLOBAL:, the last fallback of named contexts (read only when one is managed)
    global_context_compatibility: str | None = None
    global_context_mode: str | None = None
    contexts: dict[str, ContextState] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """A digest of everything the plan was computed from, in its form (``FINGERPRINT_FORM``).

        Fed to the hash piece by piece in a fixed order (``dataclasses.asdict`` of
        50,000 versions took most of a second): the registry's settings, then each
        context's settings and the digest of its versions (``ContextState.versions_digest``,
        which the snapshot works out while its settings reads are in flight).
        """
        digest = hashlib.sha256()
        feed = _feeder(digest)
        feed(self.registry, self.global_compatibility, self.global_mode)
        if self.global_context_compatibility or self.global_context_mode:  # read for contexts
            feed(self.global_context_compatibility, self.global_context_mode)
        for name in sorted(self.contexts):
            ctx = self.contexts[name]
            feed(
                name,
                ctx.compatibility,
                ctx.mode,
                ctx.subject_compatibility,
                ctx.subject_mode,
                ctx.soft_deleted,
            )
            digest.update(ctx.versions_digest())
        return FINGERPRINT_FORM + digest.hexdigest()


def _feeder(digest: hashlib._Hash) -> Callable[..., None]:
    """``feed(*parts)``: the parts JSON-encoded, length-prefixed, into ``digest``."""
    update = digest.update
    # ``json.dumps`` with options builds an encoder per call: one for all 50,000.
    encode = json.JSONEncoder(sort_keys=True, default=str).encode

    def feed(*parts: object) -> None:
        text = encode(parts)
        update(f"{len(text)}:{text}".encode())

    return feed


def _hash_versions(versions: dict[str, list[LiveVersion]], digest: hashlib._Hash) -> Iterator[None]:
    """Feed ``digest`` every version, subject by subject, pausing after each slice.

    A version's fields are written length-prefixed rather than JSON-encoded
    (escaping each schema text cost more than hashing it); only its references
    and contract, when it has any, go through JSON. Each pause (``yield``) comes
    after ``_SLICE`` versions or more, a millisecond or two of hashing.
    """
    update = digest.update
    feed = _feeder(digest)
    fed = 0
    for subject in sorted(versions):
        listed = versions[subject]
        # Unpacked rather than read by name: eight attribute reads a version were a
        # tenth of the hashing.
        for name, version, id_, schema_type, schema, references, metadata, rule_set in listed:
            update(
                f"{len(name)}:{name}{version}:{id_}:{schema_type}:{len(schema)}:{schema}".encode()
            )
            if references or metadata is not None or rule_set is not None:
                feed([(r.name, r.subject, r.version) for r in references], metadata, rule_set)
            else:
                update(b"-")  # never the first character of a ``feed``
        fed += len(listed)
        if fed >= _SLICE:
            fed = 0
            yield


_new_tuple = tuple.__new__
_SUBJECT = itemgetter(0)  # a LiveVersion's subject


def _live(data: Mapping[str, Any]) -> LiveVersion:
    """A listed version from its JSON object (``RegistryClient.list_schemas_as``), called
    once per live version (500,000 in a 100,000-subject plan): no ``SchemaVersion``
    is built on the way."""
    subject, version, id_, schema, schema_type, references, metadata, rule_set, _ = (
        schema_version_fields(data)
    )
    return _new_tuple(
        LiveVersion,
        (
            subject,
            version,
            id_,
            schema_type,
            schema,
            references,
            None if metadata is None else dict(metadata),
            None if rule_set is None else dict(rule_set),
        ),
    )


async def snapshot(
    client: RegistryClient,
    registry: str,
    managed: dict[str, Iterable[tuple[str, str]]],
    with_deleted: Iterable[str] = (),
    listed: Callable[[ContextState], Awaitable[None]] | None = None,
    remembered: RememberedListings | None = None,
) -> LiveState:
    """Read global config/mode, and for each managed context its schemas and config.

    ``managed`` maps a normalized context name to the (qualified subject,
    "compatibility" | "mode") settings read now (those the specs set); the
    planner reads others when the diff turns out to need them. For the contexts in
    ``with_deleted`` (those where the specs ask for hard deletes) soft-deleted
    versions are listed too: one more paged listing, only where needed.
    ``listed`` is awaited with each context once its versions are in, while its
    settings reads may still be in flight: work that needs the versions alone.
    ``remembered``: the listings of the last plan, whose versions are taken as they
    are where the registry answers the same pages again (the others are kept there).
    """
    with_deleted = set(with_deleted)
    state = LiveState(registry)
    global_context = GLOBAL_CONTEXT_LEVEL.qualified
    reads = [client.get_config(default_to_global=True), client.get_mode(default_to_global=True)]
    if reads_global_context(managed):
        reads += [client.get_config(global_context), client.get_mode(global_context)]
    settings = await asyncio.gather(*reads)
    state.global_compatibility, state.global_mode = settings[:2]
    if len(settings) > 2:
        state.global_context_compatibility, state.global_context_mode = settings[2:]

    async def read_context(context: str, settings: Iterable[tuple[str, str]]) -> ContextState:
        ctx = ContextState(context)
        prefix = context_prefix(context)
        # Not where soft-deleted versions are listed too (hard deletes): rare, read as ever.
        kept = None if context in with_deleted else remembered

        async def read_listing() -> None:
            if kept is None:
                await take(await client.list_schemas_as(_live, subject_prefix=prefix or None))
            else:
                listing = await client.list_schemas_digested(
                    _live, kept.digests(registry, context), subject_prefix=prefix or None
                )
                if not kept.restore(registry, ctx, listing):
                    await take(listing.versions)
                    kept.keep(registry, ctx, listing)
            if listed is not None:
                await listed(ctx)

        async def take(listing: list[LiveVersion]) -> None:
            versions = ctx.versions
            # By subject, then version: LiveVersions are tuples that start with both, and
            # a listing holds each pair once (``list_schemas_as``), so the comparison
            # never reaches a third field. No key: 50,000 key tuples cost 3x the sort.
            # Then each subject's run of versions at once (its context looked at once).
            for subject, run in groupby(sorted(listing), _SUBJECT):
                if context_of(subject) == context:
                    versions[subject] = list(run)
            if context in with_deleted:
                everything = await client.list_schemas_as(
                    _live, subject_prefix=prefix or None, deleted=True
                )
                for version in sorted(everything):
                    live = {v.version for v in ctx.versions.get(version.subject, [])}
                    if context_of(version.subject) == context and version.version not in live:
                        ctx.soft_deleted.setdefault(version.subject, []).append(version.version)
            # The fingerprint's share of the versions, while the settings reads are in flight.
            await ctx.hash_versions()

        async def read_context_level() -> None:
            if context == DEFAULT:
                ctx.compatibility, ctx.mode = state.global_compatibility, state.global_mode
            else:
                ctx.compatibility, ctx.mode = await asyncio.gather(
                    client.get_config(prefix), client.get_mode(prefix)
                )

        # Independent reads, overlapped: the listing pages and the settings requests.
        await asyncio.gather(
            read_listing(), read_context_level(), read_subject_settings(client, ctx, settings)
        )
        return ctx

    results = await asyncio.gather(*(read_context(c, s) for c, s in managed.items()))
    state.contexts = {ctx.context: ctx for ctx in results}
    return state


async def read_subject_settings(
    client: RegistryClient, ctx: ContextState, settings: Iterable[tuple[str, str]]
) -> None:
    """Read subjects' own compatibility or mode (one request each, concurrently:
    ``RegistryClient.read_settings``)."""
    wanted = sorted(set(settings))
    values = await client.read_settings(wanted)
    for (subject, what), value in zip(wanted, values, strict=True):
        if what == "compatibility":
            ctx.subject_compatibility[subject] = value
        else:
            ctx.subject_mode[subject] = value
