"""What a registry holds, as desired state: the ``ContextSpec``s an export writes.

The same objects are written to files by ``export`` and planned in memory by
``migrate``. Two shapes per subject:

- latest only (``schema:``): the latest version with its references pinned to
  the exact versions it uses;
- history (``versions:``): every live version, oldest first, with its number,
  and with its id when ids are kept (an IMPORT registration on another registry);
  a version whose schema type is not the latest's says its own ``type``.

Config and mode are written only where the registry has them at that level.
"""

from __future__ import annotations

from pathlib import Path

from reconciler.registry import SchemaVersion
from reconciler.spec.model import ContextSpec, ReferenceSpec, SubjectSpec, VersionSpec

from .live import LiveContext, LiveSubject, RegistryContents


def _references(version: SchemaVersion) -> tuple[ReferenceSpec, ...]:
    return tuple(ReferenceSpec(r.name, r.subject, r.version) for r in version.references)


def _version_spec(version: SchemaVersion, keep_id: bool, subject_type: str) -> VersionSpec:
    return VersionSpec(
        schema=version.schema,
        version=version.version,
        id=version.id if keep_id else None,
        references=_references(version),
        metadata=version.metadata or None,
        rule_set=version.rule_set or None,
        type=version.schema_type if version.schema_type != subject_type else None,
    )


def subject_spec(subject: LiveSubject, *, history: bool, keep_ids: bool) -> SubjectSpec:
    latest = subject.versions[-1]
    if history:
        return SubjectSpec(
            name=subject.name,
            type=latest.schema_type,
            versions=tuple(
                _version_spec(v, keep_ids, latest.schema_type) for v in subject.versions
            ),
            compatibility=subject.compatibility,
            mode=subject.mode,
        )
    return SubjectSpec(
        name=subject.name,
        type=latest.schema_type,
        schema=latest.schema,
        references=_references(latest),
        compatibility=subject.compatibility,
        mode=subject.mode,
        metadata=latest.metadata or None,
        rule_set=latest.rule_set or None,
    )


def context_spec(
    ctx: LiveContext, registry: str, path: Path, *, history: bool, keep_ids: bool
) -> ContextSpec:
    return ContextSpec(
        path=path,
        registries=(registry,),
        context=ctx.context,
        compatibility=ctx.compatibility,
        mode=ctx.mode,
        subjects={
            name: subject_spec(subject, history=history, keep_ids=keep_ids)
            for name, subject in sorted(ctx.subjects.items())
        },
    )


def context_specs(
    contents: RegistryContents,
    registry: str,
    root: Path,
    *,
    history: bool,
    keep_ids: bool,
) -> tuple[ContextSpec, ...]:
    """One spec per context, targeting ``registry`` (the source, or a migration's target)."""
    return tuple(
        context_spec(
            ctx,
            registry,
            root / "specs" / f"{spec_stem(ctx.context)}.yaml",
            history=history,
            keep_ids=keep_ids,
        )
        for ctx in contents.contexts.values()
    )


def spec_stem(context: str) -> str:
    """File name (without suffix) of a context's spec: ``default`` for ``.``."""
    return "default" if context == "." else context.lstrip(".")
