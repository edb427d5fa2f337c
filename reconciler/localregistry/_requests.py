"""Request bodies and parameters, checked the way Confluent's Jackson/Jersey layer does.

Anything malformed becomes a 4xx ``ErrorResponse``; nothing here may raise
anything else, so a bad request can never turn into a 500.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from reconciler.confluent import Reference

from . import _errors as errors
from ._contracts import Contract, parse_metadata, parse_rule_set

MAX_VERSION = 2**31 - 1
LATEST = -1


@dataclass(frozen=True)
class SchemaRequest:
    """The body of register, lookup and compatibility requests."""

    schema: str | None
    schema_type: str = "AVRO"
    references: tuple[Reference, ...] = field(default_factory=tuple)
    id: int | None = None
    version: int | None = None
    # canonical forms (see _contracts); None when the body leaves them out
    metadata: Contract | None = None
    rule_set: Contract | None = None


def parse_json(raw: bytes) -> object:
    if not raw.strip():
        raise errors.missing_body()
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise errors.bad_request(f"Unrecognized JSON: {exc}") from exc
    if doc is None:
        raise errors.missing_body()
    try:
        # JSON allows escaped lone surrogates; they are not text and SQLite
        # (UTF-8) cannot store them.
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise errors.bad_request(f"Invalid Unicode in JSON: {exc.reason}") from exc
    return doc


def _object(doc: object) -> dict[str, object]:
    if not isinstance(doc, dict):
        raise errors.bad_request("Request body must be a JSON object")
    return doc


def _int_field(doc: dict[str, object], key: str) -> int | None:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.bad_request(f"Field '{key}' must be an integer")
    if not -(2**31) <= value <= MAX_VERSION:
        raise errors.bad_request(f"Field '{key}' is out of range")
    return value


def _str_field(doc: dict[str, object], key: str) -> str | None:
    value = doc.get(key)
    if value is not None and not isinstance(value, str):
        raise errors.bad_request(f"Field '{key}' must be a string")
    return value


def parse_schema_request(raw: bytes) -> SchemaRequest:
    doc = _object(parse_json(raw))
    schema = _str_field(doc, "schema")
    schema_type = _str_field(doc, "schemaType") or "AVRO"
    refs_doc = doc.get("references") or []
    if not isinstance(refs_doc, list):
        raise errors.bad_request("Field 'references' must be an array")
    references = []
    for item in refs_doc:
        ref = _object(item)
        name, subject = _str_field(ref, "name"), _str_field(ref, "subject")
        version = _int_field(ref, "version")
        if not name or not subject or version is None:
            raise errors.invalid_schema("Invalid reference: name, subject and version are required")
        references.append(Reference(name, subject, version))
    schema_id = _int_field(doc, "id")
    version = _int_field(doc, "version")
    return SchemaRequest(
        schema=schema,
        schema_type=schema_type,
        references=tuple(references),
        id=schema_id if schema_id is not None and schema_id >= 0 else None,
        version=version if version else None,
        metadata=parse_metadata(doc.get("metadata")),
        rule_set=parse_rule_set(doc.get("ruleSet")),
    )


def parse_field(raw: bytes, key: str) -> object:
    """The one field of a config or mode update body."""
    return _object(parse_json(raw)).get(key)


def parse_config_request(raw: bytes) -> dict[str, object]:
    doc = _object(parse_json(raw))
    normalize = doc.get("normalize")
    if normalize is not None and not isinstance(normalize, bool):
        raise errors.bad_request("Field 'normalize' must be a boolean")
    return doc


def parse_version(text: str) -> int:
    """Confluent's VersionId: ``latest``/-1 or an integer in [1, 2^31-1]."""
    if text == "latest":
        return LATEST
    try:
        value = int(text)
    except ValueError:
        raise errors.invalid_version(text) from None
    if value == LATEST or 1 <= value <= MAX_VERSION:
        return value
    raise errors.invalid_version(text)


def parse_bool(value: str | None) -> bool:
    """JAX-RS boolean query params: ``true`` (any case) is true, anything else false."""
    return value is not None and value.lower() == "true"


def parse_int(value: str | None, default: int) -> int:
    """A Java ``int`` parameter; JAX-RS answers 404 when it does not convert."""
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise errors.not_found() from None
    if not -(2**31) <= number <= MAX_VERSION:
        raise errors.not_found()
    return number
