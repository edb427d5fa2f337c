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

Only a listing that lists no version twice is remembered. Which of its
versions the grouping takes, in which order, is kept only where that is not
the listing itself (Confluent lists by subject then version; the local
registry in the order of registration; the default context's listing holds
the other contexts' subjects too). Kept in ``.reconcile/cache/listings``
(``RememberedValue``: authenticated, keyed by the digest of this code), with
the listings the plan used only, and written only when one of them changed.

With a listing, what comparing each subject's latest version with its spec
found (``planner._compare_listed``: ~70 ms at 10,000 subjects) is kept under
the digest of the specs' inputs to it (``compared_inputs``), all of them and each
subject's: against a listing taken as remembered, the same specs find it all
again, and a subject whose spec is unchanged its own.
"""

from __future__ import annotations

from itertools import chain
from pathlib import Path

import reconciler.confluent
import reconciler.engine
import reconciler.registry
from reconciler.registry import Listing
from reconciler.spec import RememberedValue
from reconciler.spec.model import SubjectSpec

from .snapshot import ContextState, LiveVersion

LISTINGS_FILE = "listings"
# What a remembered grouping and digest are a function of, besides the bodies: the
# client's decoding, the snapshot's building, grouping and hashing.
CODE = (reconciler.engine, reconciler.registry, reconciler.confluent)
LIBRARIES = ("orjson",)

# What ``_compare_listed`` found of the listing's versions against the specs: the digest
# of all the specs' inputs to it, and by subject the digest of its own and what was found.
_Compared = tuple[bytes, dict[str, tuple[bytes, int]]]
# (page digests, the indices of the listing's versions the grouping takes, in its order
# (None: all, in the listing's),
# subjects in order, each one's count of versions, the versions' digest, what was
# compared (None: nothing yet))
_Entry = tuple[
    tuple[bytes, ...],
    list[int] | None,
    tuple[str, ...],
    tuple[int, ...],
    bytes,
    _Compared | None,
]


class RememberedListings:
    """The listings kept by the last plan of the project at ``root``, read on first use,
    by registry and context."""

    def __init__(self, root: Path) -> None:
        self._file = RememberedValue(root, LISTINGS_FILE, CODE, LIBRARIES)
        self._found: dict[str, _Entry] | None = None
        self._used: dict[str, _Entry] = {}
        self._restored: set[str] = set()  # keys whose listing this plan took as remembered
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
        _, order, subjects, counts, digest, _ = entry
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
        self._restored.add(key)
        return True

    def keep(self, registry: str, ctx: ContextState, listing: Listing[LiveVersion]) -> None:
        """Remember what ``ctx`` made of ``listing``, if ``restore`` can make it again."""
        key = _key(registry, ctx.context)
        listed = listing.versions
        grouped = list(chain.from_iterable(ctx.versions.values()))
        order: list[int] | None = None
        if grouped != listed:  # another order, or some left out (another context's)
            place = {id(version): index for index, version in enumerate(listed)}
            order = [place[id(version)] for version in grouped]
        if listing.repeated:
            self._used.pop(key, None)
        else:
            subjects = tuple(ctx.versions)
            counts = tuple(map(len, ctx.versions.values()))
            digest = ctx.versions_digest()
            self._used[key] = (listing.digests, order, subjects, counts, digest, None)
        self._changed = True

    def compared(self, registry: str, ctx: ContextState) -> _Compared | None:
        """What ``keep_compared`` kept of comparing ``ctx``'s listed versions with specs;
        None unless this plan took ``ctx``'s listing as remembered (``restore``)."""
        key = _key(registry, ctx.context)
        return self._used[key][5] if key in self._restored else None

    def keep_compared(self, registry: str, ctx: ContextState, compared: _Compared) -> None:
        """Remember what comparing ``ctx``'s listed versions with specs found, with the
        listing (if it is kept)."""
        key = _key(registry, ctx.context)
        entry = self._used.get(key)
        if entry is not None and entry[5] != compared:
            self._used[key] = (*entry[:5], compared)
            self._changed = True

    def save(self) -> None:
        """Write the listings this plan used, if one of them is new; a failure only costs
        the next plan its grouping, hashing and comparing."""
        if self._changed or (self._found is not None and self._found.keys() != self._used.keys()):
            self._file.write(self._used)


def _key(registry: str, context: str) -> str:
    return f"{registry}\0{context}"


def compared_inputs(name: str, spec: SubjectSpec) -> str:
    """What comparing a listed subject with its spec takes from the spec
    (``planner._compare_listed``), as text: its qualified name, type, schema text,
    whether it references anything and its contract, length-prefixed; a contract
    (rare) by its ``repr``, which tells apart values that compare unequal."""
    schema = spec.schema or ""
    contract = (
        "-"
        if spec.metadata is None and spec.rule_set is None
        else repr((spec.metadata, spec.rule_set))
    )
    refs = "r" if spec.references else "-"
    return (
        f"{len(name)}:{name}{len(spec.type)}:{spec.type}{len(schema)}:{schema}{refs}"
        f"{len(contract)}:{contract}"
    )
