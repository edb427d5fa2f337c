"""``RegistryClient.list_schemas_digested``: a listing with its pages' digests, told the
digests of an earlier one whose versions listed none twice."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, NamedTuple

import httpx

Build = Callable[..., Any]


def page(*keys: tuple[str, int]) -> bytes:
    return json.dumps(
        [{"subject": s, "version": v, "id": v, "schema": '"string"'} for s, v in keys]
    ).encode()


def digest(body: bytes) -> bytes:
    return hashlib.sha256(body).digest()


class Key(NamedTuple):
    subject: str
    version: int


def key(data: Any) -> Key:
    return Key(data["subject"], data["version"])


def listed(versions: list[Key]) -> list[tuple[str, int]]:
    return [(v.subject, v.version) for v in versions]


A = page(("a", 1), ("a", 2))
B = page(("b", 1), ("b", 2))
C = page(("c", 1))


async def test_the_digests_are_of_each_pages_body(scripted: Build) -> None:
    client, script = scripted([httpx.Response(200, content=body) for body in (A, B, C)])
    async with client:
        listing = await client.list_schemas_digested(key, page_size=2)
    assert listed(listing.versions) == [("a", 1), ("a", 2), ("b", 1), ("b", 2), ("c", 1)]
    assert listing.digests == (digest(A), digest(B), digest(C))
    assert not listing.repeated
    assert [r.url.params["offset"] for r in script.requests] == ["0", "2", "4"]


async def test_the_remembered_pages_list_what_they_listed(scripted: Build) -> None:
    client, script = scripted([httpx.Response(200, content=body) for body in (A, B, C)])
    async with client:
        listing = await client.list_schemas_digested(
            key, (digest(A), digest(B), digest(C)), page_size=2
        )
    assert listed(listing.versions) == [("a", 1), ("a", 2), ("b", 1), ("b", 2), ("c", 1)]
    assert listing.digests == (digest(A), digest(B), digest(C))
    assert not listing.repeated
    assert len(script.requests) == 3


async def test_from_the_first_page_that_differs_versions_listed_before_are_dropped(
    scripted: Build,
) -> None:
    """A page that is not the remembered one is a listing like any other: a version the
    pages before it listed (the registry changed between two requests) is kept once."""
    changed = page(("a", 2), ("b", 1))
    client, script = scripted(
        [httpx.Response(200, content=body) for body in (A, changed, page(("b", 2)))]
    )
    async with client:
        listing = await client.list_schemas_digested(
            key, (digest(A), digest(B), digest(C)), page_size=2
        )
    assert listed(listing.versions) == [("a", 1), ("a", 2), ("b", 1), ("b", 2)]
    assert listing.repeated
    assert len(listing.digests) == len(script.requests) == 3


async def test_a_listing_longer_than_the_remembered_one_goes_on(scripted: Build) -> None:
    full_c = page(("c", 1), ("c", 2))
    client, script = scripted(
        [httpx.Response(200, content=body) for body in (A, B, full_c, page())]
    )
    async with client:
        listing = await client.list_schemas_digested(
            key, (digest(A), digest(B), digest(C)), page_size=2
        )
    assert len(listing.versions) == 6
    assert listing.digests[-1] == digest(page())
    assert len(script.requests) == 4
