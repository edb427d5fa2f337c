"""Reserved fields: Confluent's ``confluent:reserved`` metadata property, checked offline.

A subject's metadata may reserve top-level field names
(``properties: {"confluent:reserved": "ssn,dob"}``, comma-separated). A
registry whose config has ``validateFields`` refuses a version that uses a
reserved name, or that drops a name the previous version reserved; lint
says so before any registry is asked, whatever its config. A version that
leaves its metadata out inherits the previous version's, as the registry
does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.spec import Project

from ._catalog import RULES
from ._report import Finding
from ._source import Source, collector, quoted

RESERVED = "confluent:reserved"


def reserved(metadata: Mapping[str, Any] | None) -> set[str]:
    properties = (metadata or {}).get("properties") or {}
    value = properties.get(RESERVED) if isinstance(properties, dict) else None
    if not isinstance(value, str):
        return set()
    return {name.strip() for name in value.split(",") if name.strip()}


def lint(project: Project, sources: dict[tuple[str, str], Source]) -> list[Finding]:
    findings: list[Finding] = []
    for spec in project.specs:
        for subject in spec.subjects.values():
            if subject.delete is not None:
                continue
            latest = subject.metadata
            if subject.versions is not None:
                latest = None
                for version in subject.versions:
                    if version.delete is not None:
                        continue
                    current = version.metadata if version.metadata is not None else latest
                    for name in sorted(reserved(latest) - reserved(current)):
                        findings.append(
                            Finding(
                                RULES["RESERVED_FIELD_REMOVED"],
                                version.location,
                                f"{subject.name}: a version no longer reserves field {name!r}, "
                                "which the version before it reserved",
                                subject.name,
                                spec.context,
                            )
                        )
                    latest = current
            source = sources.get((spec.context, subject.name))
            names = reserved(latest)
            if source is None or not names:
                continue
            emit = collector(source, findings)
            for name in sorted(names & _top_level_fields(source)):
                emit(
                    "RESERVED_FIELD_CONFLICT",
                    f"{subject.name}: field {name!r} is reserved by the subject's metadata "
                    f"({RESERVED})",
                    "",
                    [quoted(name) if source.schema_type != "PROTOBUF" else rf"\b{name}\b"],
                )
    return findings


def _top_level_fields(source: Source) -> set[str]:
    """The names a registry checks against reserved ones: the record's, object's or message's."""
    if source.schema_type == "PROTOBUF":
        file = source.descriptor
        if file is None or not file.message_type:
            return set()
        return {f.name for f in file.message_type[0].field}
    doc = source.document
    if not isinstance(doc, dict):
        return set()
    if source.schema_type == "JSON":
        properties = doc.get("properties")
        return set(properties) if isinstance(properties, dict) else set()
    fields = doc.get("fields") if doc.get("type") in ("record", "error") else None
    if not isinstance(fields, list):
        return set()
    return {f["name"] for f in fields if isinstance(f, dict) and isinstance(f.get("name"), str)}
