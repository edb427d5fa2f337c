"""Typed results of the registry API: what the JSON bodies mean, as frozen dataclasses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from reconciler.confluent import Reference

DEFAULT_SCHEMA_TYPE = "AVRO"

_Frozen = TypeVar("_Frozen")


@dataclass(frozen=True)
class SchemaVersion:
    """One version of a subject (``GET /subjects/{s}/versions/{v}``, ``GET /schemas``).

    ``schema_type`` is ``AVRO`` when the registry leaves the field out (Confluent
    omits it for Avro). ``deleted`` is true for a soft-deleted version, when the
    registry says so (not every implementation reports it).
    """

    subject: str
    version: int
    id: int
    schema: str
    schema_type: str = DEFAULT_SCHEMA_TYPE
    references: tuple[Reference, ...] = ()
    metadata: dict[str, Any] | None = None
    rule_set: dict[str, Any] | None = None
    deleted: bool = False


@dataclass(frozen=True)
class SchemaById:
    """A schema fetched by its global id (``GET /schemas/ids/{id}``).

    The registry answers with the schema alone: ``subject`` and ``version`` are
    filled only when the implementation includes them.
    """

    id: int
    schema: str
    schema_type: str = DEFAULT_SCHEMA_TYPE
    references: tuple[Reference, ...] = ()
    metadata: dict[str, Any] | None = None
    rule_set: dict[str, Any] | None = None
    subject: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class SubjectVersion:
    """One (subject, version) pair that uses a schema id (``GET /schemas/ids/{id}/versions``)."""

    subject: str
    version: int


@dataclass(frozen=True)
class CompatibilityVerdict:
    """The registry's answer to ``POST /compatibility/...``: compatible or not, and why."""

    compatible: bool
    messages: list[str] = field(default_factory=list)


def parse_references(raw: Any) -> tuple[Reference, ...]:
    if not raw:
        return ()
    return tuple(Reference.from_json(r) for r in raw)


# A version's fields as ``schema_version_fields`` gives them: subject, version, id,
# schema, schema type, references, metadata, rule set, deleted.
VersionFields = tuple[
    str,
    int,
    int,
    str,
    str,
    tuple[Reference, ...],
    dict[str, Any] | None,
    dict[str, Any] | None,
    bool,
]


def schema_version_fields(data: Mapping[str, Any], *, subject: str | None = None) -> VersionFields:
    """A ``SchemaVersion``'s fields from a Confluent body, in its order; ``subject`` fills
    in a missing field.

    A listing of 50,000 versions calls it 50,000 times, so a body whose
    fields already have their types (as every registry sends them) is taken
    as it is; any other goes through the conversions, which raise on a
    missing field or one that cannot be converted.
    """
    get = data.get
    name = get("subject", subject)
    version = data["version"]
    id_ = data["id"]
    schema = data["schema"]
    schema_type = get("schemaType")
    references = get("references")
    deleted = get("deleted", False)
    refs = parse_references(references) if references else ()
    if (
        type(name) is str
        and type(version) is int
        and type(id_) is int
        and type(schema) is str
        and (schema_type is None or type(schema_type) is str)
        and type(deleted) is bool
    ):
        return (
            name,
            version,
            id_,
            schema,
            schema_type or DEFAULT_SCHEMA_TYPE,
            refs,
            get("metadata"),
            get("ruleSet"),
            deleted,
        )
    return (
        str(name),
        int(version),
        int(id_),
        str(schema),
        str(schema_type or DEFAULT_SCHEMA_TYPE),
        refs,
        get("metadata"),
        get("ruleSet"),
        bool(deleted),
    )


def parse_schema_version(data: Mapping[str, Any], *, subject: str | None = None) -> SchemaVersion:
    """Build a ``SchemaVersion`` from a Confluent body (``schema_version_fields``), without
    ``__init__`` (``frozen_instance``): its fields are checked."""
    name, version, id_, schema, schema_type, references, metadata, rule_set, deleted = (
        schema_version_fields(data, subject=subject)
    )
    return frozen_instance(
        SchemaVersion,
        {
            "subject": name,
            "version": version,
            "id": id_,
            "schema": schema,
            "schema_type": schema_type,
            "references": references,
            "metadata": metadata,
            "rule_set": rule_set,
            "deleted": deleted,
        },
    )


_new = object.__new__


def frozen_instance(cls: type[_Frozen], fields: dict[str, Any]) -> _Frozen:
    """An instance of the frozen dataclass ``cls`` holding ``fields`` (every field, checked).

    Its ``__init__`` sets each field through ``object.__setattr__`` (frozen):
    nine calls per version, more than the rest of the parse. The instance is
    the same as ``__init__`` builds (``__dict__`` is where those calls write).
    """
    instance = _new(cls)
    instance.__dict__.update(fields)
    return instance


def parse_schema_by_id(data: Mapping[str, Any], schema_id: int) -> SchemaById:
    version = data.get("version")
    subject = data.get("subject")
    return SchemaById(
        id=int(data.get("id", schema_id)),
        schema=str(data["schema"]),
        schema_type=str(data.get("schemaType") or DEFAULT_SCHEMA_TYPE),
        references=parse_references(data.get("references")),
        metadata=data.get("metadata"),
        rule_set=data.get("ruleSet"),
        subject=None if subject is None else str(subject),
        version=None if version is None else int(version),
    )
