"""A subject's history as a registry holds it, for checking a new schema against it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reconciler.confluent import DEFAULT_LEVEL, versions_checked
from reconciler.registry import NotFoundError, Reference, RegistryClient


@dataclass(frozen=True)
class StoredVersion:
    subject: str
    version: int
    schema_type: str
    schema: str
    references: dict[str, str]  # reference name -> schema text, transitively


async def reference_texts(
    client: RegistryClient, references: Iterable[Reference]
) -> dict[str, str]:
    """Reference name -> schema text, following references of references (Protobuf imports)."""
    texts: dict[str, str] = {}
    for ref in references:
        if ref.name not in texts:
            stored = await client.get_version(ref.subject, ref.version)
            texts[ref.name] = stored.schema
            nested = await reference_texts(client, stored.references)
            texts.update({k: v for k, v in nested.items() if k not in texts})
    return texts


async def versions_to_check(
    client: RegistryClient, subject: str, level: str | None = None
) -> tuple[str, list[StoredVersion]]:
    """The subject's level (its effective one unless given) and the versions it compares with.

    Non-transitive levels compare with the latest version only; a subject the
    registry does not have has no versions (its first version is always accepted).
    """
    if level is None:
        level = await client.get_config(subject, default_to_global=True) or DEFAULT_LEVEL
    try:
        numbers = await client.get_versions(subject)
    except NotFoundError:
        return level, []
    stored = []
    for number in versions_checked(level, numbers):
        found = await client.get_version(subject, number)
        texts = await reference_texts(client, found.references)
        stored.append(StoredVersion(subject, number, found.schema_type, found.schema, texts))
    return level, stored
