"""Compare every (subject, version, id, schema) of two registries after a migration."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.engine import SchemaCache, qualify
from reconciler.registry import SchemaVersion

from .live import LiveContext, RegistryContents


@dataclass(frozen=True)
class Row:
    context: str
    subject: str
    version: int
    source_id: int
    target_id: int | None  # None: the target does not have this version
    same_schema: bool

    def ok(self, ids: bool) -> bool:
        if self.target_id is None or not self.same_schema:
            return False
        return not ids or self.source_id == self.target_id

    def status(self, ids: bool) -> str:
        if self.target_id is None:
            return "missing"
        if not self.same_schema:
            return "schema differs"
        if ids and self.source_id != self.target_id:
            return "id differs"
        return "ok"


def _identity(cache: SchemaCache, ctx: LiveContext, version: SchemaVersion) -> tuple[object, ...]:
    """The schema by meaning, with its references resolved inside the same registry."""
    texts = {}
    for ref in version.references:
        subject = ctx.subjects.get(ref.subject)
        found = [v for v in subject.versions if v.version == ref.version] if subject else []
        texts[ref.name] = found[0].schema if found else ""
    normalized = cache.identity(version.schema_type, version.schema, texts)
    return (version.schema_type, normalized, version.references, version.metadata, version.rule_set)


def compare(source: RegistryContents, target: RegistryContents) -> list[Row]:
    """One row per live source version, in context, subject and version order."""
    cache = SchemaCache()
    rows = []
    for context, src_ctx in source.contexts.items():
        dst_ctx = target.contexts.get(context, LiveContext(context))
        for name, subject in sorted(src_ctx.subjects.items()):
            dst_subject = dst_ctx.subjects.get(name)
            dst = {v.version: v for v in dst_subject.versions} if dst_subject else {}
            for version in subject.versions:
                other = dst.get(version.version)
                same = other is not None and _identity(cache, src_ctx, version) == _identity(
                    cache, dst_ctx, other
                )
                rows.append(
                    Row(
                        context,
                        qualify(context, name),
                        version.version,
                        version.id,
                        other.id if other else None,
                        same,
                    )
                )
    return rows
