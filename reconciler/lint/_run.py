"""Lint a loaded project: pick each subject's desired schema, run every rule, filter."""

from __future__ import annotations

from collections.abc import Collection
from fnmatch import fnmatchcase
from pathlib import Path

from reconciler.confluent import QualifiedSubject
from reconciler.spec import (
    ContextSpec,
    LintIgnore,
    Location,
    Project,
    ReferenceSpec,
    SubjectSpec,
    VersionSpec,
)

from . import _avro, _jsonschema, _protobuf, _reserved, _specs, _team
from ._catalog import CATEGORIES, RULES
from ._conventions import LintSettingsError, load_conventions
from ._report import Finding, Report
from ._source import Source, collector

_BY_TYPE = {"AVRO": _avro.lint, "JSON": _jsonschema.lint, "PROTOBUF": _protobuf.lint}


class UnknownRuleError(LintSettingsError):
    """A rule ID or category given to ``only``/``skip`` does not exist."""


def lint(project: Project, *, only: Collection[str] = (), skip: Collection[str] = ()) -> Report:
    """Every finding of every rule on ``project``, offline.

    ``only`` and ``skip`` take rule IDs and category names: with ``only``
    just those rules run; ``skip`` then drops rules from what remains, as do
    the project file's ``lint: skip`` and ``lint: ignore`` (per file globs).
    """
    for name in (*only, *skip):
        _known(name, None)
    config = project.lint
    for written in (*config.skip, *(ignored.rule for ignored in config.ignore)):
        _known(written.name, written.location)
    skipped = {*skip, *(written.name for written in config.skip)}
    conventions = load_conventions(project.root)
    sources = _sources(project)
    findings: list[Finding] = []
    for source in sources.values():
        emit = collector(source, findings)
        _BY_TYPE[source.schema_type](source, emit)
        _team.lint(source, conventions, emit)
    findings += _specs.lint(project, sources)
    findings += _reserved.lint(project, sources)
    return Report.of(
        [
            f
            for f in findings
            if _wanted(f, only, skipped) and not _ignored(f, config.ignore, project.root)
        ]
    )


def _known(name: str, location: Location | None) -> None:
    if name not in RULES and name not in CATEGORIES:
        where = f"{location}: " if location else ""
        raise UnknownRuleError(
            f"{where}unknown lint rule or category {name!r} (see `reconcile lint --list-rules`)"
        )


def _wanted(finding: Finding, only: Collection[str], skip: Collection[str]) -> bool:
    names = {finding.rule.id, finding.rule.category}
    return (not only or bool(names & set(only))) and not names & set(skip)


def _ignored(finding: Finding, ignores: tuple[LintIgnore, ...], root: Path) -> bool:
    if finding.location is None or not finding.location.file.is_relative_to(root):
        return False
    path = finding.location.file.relative_to(root).as_posix()
    return any(
        ignored.rule.name in (finding.rule.id, finding.rule.category)
        and any(fnmatchcase(path, pattern) for pattern in ignored.paths)
        for ignored in ignores
    )


def _sources(project: Project) -> dict[tuple[str, str], Source]:
    """Each subject's desired latest schema, by (context, subject); deleted ones are skipped."""
    index = {(spec.context, s.name): s for spec in project.specs for s in spec.subjects.values()}
    sources: dict[tuple[str, str], Source] = {}
    for spec in project.specs:
        for subject in spec.subjects.values():
            latest = _latest(subject)
            if latest is None or (spec.context, subject.name) in sources:
                continue
            sources[(spec.context, subject.name)] = Source(
                subject.name,
                spec.context,
                latest.type_in(subject),
                latest.schema,
                latest.schema_path,
                subject.location,
                _texts(index, spec, latest.references, ()),
            )
    return sources


def _latest(subject: SubjectSpec) -> VersionSpec | None:
    """The subject's desired latest version (its ``schema:`` as a version of its own type)."""
    if subject.delete is not None:
        return None
    if subject.versions is not None:
        kept = [v for v in subject.versions if v.delete is None]
        return kept[-1] if kept else None
    if subject.schema is None:
        return None
    return VersionSpec(
        subject.schema, references=subject.references, schema_path=subject.schema_path
    )


def _texts(
    index: dict[tuple[str, str], SubjectSpec],
    spec: ContextSpec,
    references: tuple[ReferenceSpec, ...],
    seen: tuple[tuple[str, str], ...],
) -> dict[str, str]:
    """Referenced schemas' texts, as far as the specs hold them (the loader reports the rest)."""
    texts: dict[str, str] = {}
    for reference in references:
        context, name = spec.context, reference.subject
        if name.startswith(":."):
            qualified = QualifiedSubject.parse(name)
            context, name = qualified.context, qualified.name
        subject = index.get((context, name))
        if subject is None or (context, name) in seen:
            continue
        found = _version(subject, reference.version)
        if found is None:
            continue
        texts.update(_texts(index, spec, found[1], (*seen, (context, name))))
        texts[reference.name] = found[0]
    return texts


def _version(
    subject: SubjectSpec, version: int | str
) -> tuple[str, tuple[ReferenceSpec, ...]] | None:
    if version == "latest":
        latest = _latest(subject)
        return (latest.schema, latest.references) if latest else None
    for pinned in subject.versions or ():
        if pinned.version == version:
            return pinned.schema, pinned.references
    return None
