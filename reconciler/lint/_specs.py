"""Lint rules about the desired state itself: levels, names, references, deletes."""

from __future__ import annotations

from collections import defaultdict

from reconciler.spec import ContextSpec, Location, Project, SubjectSpec
from reconciler.spec.model import DEFAULT_CONTEXT

from ._catalog import RULES
from ._report import Finding
from ._source import Source


def lint(project: Project, sources: dict[tuple[str, str], Source]) -> list[Finding]:
    findings: list[Finding] = []
    _levels(project, findings)
    for spec in project.specs:
        for subject in spec.subjects.values():
            _subject(spec, subject, sources.get((spec.context, subject.name)), findings)
    return findings


def _finding(
    rule: str, at: Location | None, message: str, spec: ContextSpec, subject: str = ""
) -> Finding:
    return Finding(RULES[rule], at, message, subject, spec.context)


def _levels(project: Project, findings: list[Finding]) -> None:
    for registry in project.registries.values():
        if registry.compatibility == "NONE":
            findings.append(
                Finding(
                    RULES["COMPATIBILITY_NONE"],
                    registry.location,
                    f"registry {registry.name!r} sets global compatibility NONE",
                )
            )
    # A context's level may be set in any of its spec files; the default
    # context also inherits the registry's global level (a named context
    # does not: it falls back to the registry's built-in default).
    context_level: dict[tuple[str, str], bool] = defaultdict(bool)
    for spec in project.specs:
        for name in spec.registries:
            registry = project.registries.get(name)
            inherited = (
                spec.context == DEFAULT_CONTEXT
                and registry is not None
                and bool(registry.compatibility)
            )
            context_level[(name, spec.context)] |= bool(spec.compatibility) or inherited
    for spec in project.specs:
        if spec.compatibility == "NONE":
            findings.append(
                _finding(
                    "COMPATIBILITY_NONE",
                    spec.location,
                    f"context {spec.context!r} sets compatibility NONE",
                    spec,
                )
            )
        unset = [name for name in spec.registries if not context_level[(name, spec.context)]]
        loose = [s.name for s in spec.subjects.values() if not s.compatibility and not s.delete]
        if unset and loose:
            shown = ", ".join(loose[:3]) + (f" and {len(loose) - 3} more" if len(loose) > 3 else "")
            findings.append(
                _finding(
                    "COMPATIBILITY_UNSET",
                    spec.location,
                    f"no compatibility level for {shown} in context {spec.context!r} of "
                    f"registry {', '.join(repr(n) for n in unset)}: the registry's default "
                    "decides",
                    spec,
                )
            )


def _subject(
    spec: ContextSpec, subject: SubjectSpec, source: Source | None, findings: list[Finding]
) -> None:
    if subject.compatibility == "NONE":
        findings.append(
            _finding(
                "COMPATIBILITY_NONE",
                subject.location,
                f"subject {subject.name!r} sets compatibility NONE",
                spec,
                subject.name,
            )
        )
    if subject.delete == "hard":
        findings.append(
            _finding(
                "DELETE_HARD",
                subject.location,
                f"subject {subject.name!r} is marked delete: hard (irreversible)",
                spec,
                subject.name,
            )
        )
    for version in subject.versions or ():
        if version.delete == "hard":
            findings.append(
                _finding(
                    "DELETE_HARD",
                    version.location,
                    f"a version of {subject.name!r} is marked delete: hard (irreversible)",
                    spec,
                    subject.name,
                )
            )
    references = [*subject.references, *(r for v in subject.versions or () for r in v.references)]
    for reference in references:
        if reference.version == "latest":
            findings.append(
                _finding(
                    "REFERENCE_LATEST",
                    reference.location,
                    f"reference {reference.name!r} of {subject.name!r} asks for the latest "
                    f"version of {reference.subject!r}; pin a version number",
                    spec,
                    subject.name,
                )
            )
    if source is not None and not _follows_a_strategy(subject.name, _record_name(source)):
        findings.append(
            _finding(
                "SUBJECT_NAME_STRATEGY",
                subject.location,
                f"subject {subject.name!r} is neither <topic>-key, <topic>-value, the record "
                "name nor <topic>-<record name>",
                spec,
                subject.name,
            )
        )


def _follows_a_strategy(subject: str, record: str | None) -> bool:
    if subject.endswith(("-key", "-value")):
        return True
    return record is not None and (subject == record or subject.endswith(f"-{record}"))


def _record_name(source: Source) -> str | None:
    """The full name a RecordNameStrategy would use for this schema, when it has one."""
    if source.schema_type == "PROTOBUF":
        file = source.descriptor
        if file is None or not file.message_type:
            return None
        first = file.message_type[0].name
        return f"{file.package}.{first}" if file.package else first
    doc = source.document
    if not isinstance(doc, dict):
        return None
    if source.schema_type == "JSON":
        title = doc.get("title")
        return title if isinstance(title, str) else None
    name, namespace = doc.get("name"), doc.get("namespace")
    if not isinstance(name, str):
        return None
    return (
        name
        if "." in name or not isinstance(namespace, str) or not namespace
        else f"{namespace}.{name}"
    )
