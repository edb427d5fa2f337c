"""What the last plan of a project made of each live listing, remembered by its pages' digests.

A plan reads each managed context's versions from the paged ``GET /schemas``
listing; after building each version it groups them by subject (a sort of
50,000 at 10,000 subjects x 5), looks for versions listed twice, and hashes
them all for the fingerprint: ~0.1 s of the client's CPU, the same again in
the next plan of an unchanged registry. Their outcome is a function of the
pages' bodies, so it is remembered with the sha256 of each body
(``RegistryClient.list_schemas_digested``): when the next plan's listing
answers the same bytes, page for page, its versions are grouped by the
remembered order, subjects and counts, and their digest is the remembered
one. A page that differs makes a listing like any other; nothing is
invalidated by time.

Only a listing that needs no more than that is remembered: one that lists no
version twice, and only subjects of its context. The order is kept only where
the listing's is not already by subject then version (Confluent's is; the
local registry lists in the order of registration). Kept in ``.reconcile/cache/listings``
(``RememberedValue``: authenticated, keyed by the digest of this code), with
the listings the plan used only, and written only when one of them changed.
"""

from __future__ import annotations

from itertools import chain
from pathlib import Path

import reconciler.confluent
import reconciler.engine
import reconciler.registry
from reconciler.registry import Listing
from reconciler.spec import RememberedValue

from .snapshot import ContextState, LiveVersion

LISTINGS_FILE = "listings"
# What a remembered grouping and digest are a function of, besides the bodies: the
# client's decoding, the snapshot's building, grouping and hashing.
CODE = (reconciler.engine, reconciler.registry, reconciler.confluent)
LIBRARIES = ("orjson",)

# (page digests, the listing's indices in the grouped order (None: the listing's own),
# subjects in order, each one's count of versions, the versions' digest)
_Entry = tuple[tuple[bytes, ...], list[int] | None, tuple[str, ...], tuple[int, ...], bytes]


class RememberedListings:
    """The listings kept by the last plan of the project at ``root``, read on first use,
    by registry and context."""

    def __init__(self, root: Path) -> None:
        self._file = RememberedValue(root, LISTINGS_FILE, CODE, LIBRARIES)
        self._found: dict[str, _Entry] | None = None
        self._used: dict[str, _Entry] = {}
        self._changed = False

    def _entries(self) -> dict[str, _Entry]:
        if self._found is None:
            found = self._file.read()
            self._found = found if isinstance(found, dict) else {}
        return self._found

    def digests(self, registry: str, context: str) -> tuple[bytes, ...]:
        """The page digests of the listing remembered for the context (none: ``()``)."""
        entry = self._entries().get(_key(registry, context))
        return entry[0] if entry else ()

    def restore(self, registry: str, ctx: ContextState, listing: Listing[LiveVersion]) -> bool:
        """Give ``ctx`` the versions of ``listing`` as the remembered one was grouped, and
        their digest; False (``ctx`` untouched) unless its pages are the remembered ones."""
        key = _key(registry, ctx.context)
        entry = self._entries().get(key)
        if entry is None or entry[0] != listing.digests:
            return False
        _, order, subjects, counts, digest = entry
        versions = ctx.versions
        start = 0
        listed = (
            listing.versions if order is None else list(map(listing.versions.__getitem__, order))
        )
        for subject, count in zip(subjects, counts, strict=True):
            versions[subject] = listed[start : start + count]
            start += count
        ctx._versions_digest = digest
        self._used[key] = entry
        return True

    def keep(self, registry: str, ctx: ContextState, listing: Listing[LiveVersion]) -> None:
        """Remember what ``ctx`` made of ``listing``, if ``restore`` can make it again."""
        key = _key(registry, ctx.context)
        listed = listing.versions
        grouped = list(chain.from_iterable(ctx.versions.values()))
        order: list[int] | None = None
        if grouped != listed:
            order = sorted(range(len(listed)), key=listed.__getitem__)  # as ``take`` sorts
        # None left out (another context's), none listed twice.
        if listing.repeated or (order is not None and [listed[i] for i in order] != grouped):
            self._used.pop(key, None)
        else:
            subjects = tuple(ctx.versions)
            counts = tuple(map(len, ctx.versions.values()))
            self._used[key] = (listing.digests, order, subjects, counts, ctx.versions_digest())
        self._changed = True

    def save(self) -> None:
        """Write the listings this plan used, if one of them is new; a failure only costs
        the next plan its grouping and hashing."""
        if self._changed or (self._found is not None and self._found.keys() != self._used.keys()):
            self._file.write(self._used)


def _key(registry: str, context: str) -> str:
    return f"{registry}\0{context}"
