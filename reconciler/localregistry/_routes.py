"""HTTP handlers: request parameters in, registry call, Confluent-shaped JSON out.

Handlers are plain functions; ``_app`` decides on which thread they run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from reconciler.compatibility import has_float

from ._contexts import DEFAULT_CONTEXT, WILDCARD, Subject, parse_subject
from ._registry import Registry
from ._requests import (
    parse_bool,
    parse_config_request,
    parse_field,
    parse_int,
    parse_schema_request,
    parse_version,
)

SCHEMA_TYPES = ["JSON", "PROTOBUF", "AVRO"]


@dataclass(frozen=True)
class Reply:
    """A response: status, body and extra headers (the content type is negotiated by ``_app``)."""

    body: bytes
    status: int = 200
    headers: dict[str, str] | None = None


def json_response(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """``body`` as compact UTF-8 JSON, as Jackson writes it.

    The bytes are ``json.dumps(body, ensure_ascii=False, separators=(",", ":"))``'s;
    orjson writes the same ones (its escapes are the standard library's for every
    code point) about 20x faster, except for floats (``1e16`` against ``1e+16``),
    which no answer holds today but which go to the standard library if one does,
    as does what orjson refuses (integers beyond 64 bits).
    """
    return Reply(_compact_json(body), status, headers)


def _compact_json(body: object) -> bytes:
    if not has_float(body):
        try:
            return orjson.dumps(body)
        except orjson.JSONEncodeError:
            pass
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def text_response(text: str) -> Reply:
    return Reply(text.encode("utf-8"))


@dataclass
class Call:
    """One matched request: the path parameters, the query (last value wins) and the body."""

    params: dict[str, str]
    query_params: dict[str, str]
    body: bytes

    def query(self, name: str) -> str | None:
        return self.query_params.get(name)

    def flag(self, name: str) -> bool:
        return parse_bool(self.query(name))

    def subject(self) -> Subject:
        return parse_subject(self.params["subject"])

    def version(self) -> int:
        return parse_version(self.params["version"])

    def schema_id(self) -> int:
        return parse_int(self.params["id"], 0)

    def id_subject(self) -> Subject | None:
        text = self.query("subject")
        return parse_subject(text) if text else None


Handler = Callable[[Registry, Call], Reply]


# -- root ---------------------------------------------------------------------


def root(registry: Registry, call: Call) -> Reply:
    return json_response({})


def metadata_id(registry: Registry, call: Call) -> Reply:
    """Confluent's ServerClusterId; there is no Kafka cluster behind this registry."""
    return json_response(
        {
            "scope": {
                "path": [],
                "clusters": {
                    "kafka-cluster": "local",
                    "schema-registry-cluster": "schema-registry",
                },
            }
        }
    )


def schema_types(registry: Registry, call: Call) -> Reply:
    return json_response(SCHEMA_TYPES)


def contexts(registry: Registry, call: Call) -> Reply:
    return json_response(registry.contexts())


# -- subjects -----------------------------------------------------------------


def list_subjects(registry: Registry, call: Call) -> Reply:
    prefix = call.query("subjectPrefix")
    offset = max(parse_int(call.query("offset"), 0), 0)
    limit = parse_int(call.query("limit"), -1)
    found = registry.list_subjects(
        WILDCARD if prefix is None else prefix,
        deleted=call.flag("deleted"),
        deleted_only=call.flag("deletedOnly"),
    )
    return json_response(found[offset:] if limit <= 0 else found[offset : offset + limit])


def list_versions(registry: Registry, call: Call) -> Reply:
    return json_response(
        registry.list_versions(
            call.subject(),
            deleted=call.flag("deleted"),
            deleted_only=call.flag("deletedOnly"),
        )
    )


def register(registry: Registry, call: Call) -> Reply:
    subject = call.subject()
    req = parse_schema_request(call.body)
    answer = registry.register(subject, req, normalize=call.flag("normalize"))
    return json_response(
        registry.formatted_registration(subject, answer, call.query("format") or "")
    )


def get_version(registry: Registry, call: Call) -> Reply:
    return json_response(
        registry.get_version(
            call.subject(),
            call.version(),
            deleted=call.flag("deleted"),
            schema_format=call.query("format") or "",
        )
    )


def get_version_schema(registry: Registry, call: Call) -> Reply:
    found = registry.get_version(
        call.subject(),
        call.version(),
        deleted=call.flag("deleted"),
        schema_format=call.query("format") or "",
    )
    return text_response(str(found["schema"]))


def referenced_by(registry: Registry, call: Call) -> Reply:
    return json_response(registry.referenced_by(call.subject(), call.version()))


def delete_version(registry: Registry, call: Call) -> Reply:
    return json_response(
        registry.delete_version(
            call.subject(),
            call.version(),
            permanent=call.flag("permanent"),
        )
    )


def lookup(registry: Registry, call: Call) -> Reply:
    subject = call.subject()
    req = parse_schema_request(call.body)
    return json_response(
        registry.lookup(
            subject,
            req,
            normalize=call.flag("normalize"),
            deleted=call.flag("deleted"),
            schema_format=call.query("format") or "",
        )
    )


def delete_subject(registry: Registry, call: Call) -> Reply:
    return json_response(registry.delete_subject(call.subject(), permanent=call.flag("permanent")))


# -- schemas ------------------------------------------------------------------


def list_schemas(registry: Registry, call: Call) -> Reply:
    """A page of the listing, written by orjson without ``json_response``'s walk for
    floats (2 ms of a 1,000-version page): its entries hold texts, integers from
    SQLite and data contracts, whose canonical forms hold texts and booleans only."""
    prefix = call.query("subjectPrefix")
    return Reply(
        orjson.dumps(
            registry.list_schemas(
                WILDCARD if prefix is None else prefix,
                deleted=call.flag("deleted"),
                latest_only=call.flag("latestOnly"),
                offset=max(parse_int(call.query("offset"), 0), 0),
                limit=parse_int(call.query("limit"), -1),
            )
        )
    )


def schema_by_id(registry: Registry, call: Call) -> Reply:
    return json_response(
        registry.schema_by_id(
            call.schema_id(),
            call.id_subject(),
            fetch_max_id=call.flag("fetchMaxId"),
            schema_format=call.query("format") or "",
        )
    )


def schema_text_by_id(registry: Registry, call: Call) -> Reply:
    text = registry.schema_text_by_id(
        call.schema_id(), call.id_subject(), schema_format=call.query("format") or ""
    )
    return text_response(text)


def subjects_by_id(registry: Registry, call: Call) -> Reply:
    return json_response(
        registry.subjects_by_id(
            call.schema_id(),
            call.id_subject(),
            deleted=call.flag("deleted"),
        )
    )


def versions_by_id(registry: Registry, call: Call) -> Reply:
    return json_response(
        registry.versions_by_id(
            call.schema_id(),
            call.id_subject(),
            deleted=call.flag("deleted"),
        )
    )


# -- config and mode ----------------------------------------------------------

_GLOBAL_SCOPE = Subject(DEFAULT_CONTEXT, "")


def _scope(call: Call) -> Subject:
    return call.subject() if "subject" in call.params else _GLOBAL_SCOPE


def get_config(registry: Registry, call: Call) -> Reply:
    return json_response(
        registry.settings.get_config(
            _scope(call),
            default_to_global=call.flag("defaultToGlobal"),
        )
    )


def put_config(registry: Registry, call: Call) -> Reply:
    scope = _scope(call)
    body = parse_config_request(call.body)
    return json_response(registry.settings.set_config(scope, body))


def delete_config(registry: Registry, call: Call) -> Reply:
    return json_response(registry.settings.delete_config(_scope(call)))


def get_mode(registry: Registry, call: Call) -> Reply:
    return json_response(
        registry.settings.get_mode(_scope(call), default_to_global=call.flag("defaultToGlobal"))
    )


def put_mode(registry: Registry, call: Call) -> Reply:
    scope = _scope(call)
    mode = parse_field(call.body, "mode")
    return json_response(registry.settings.set_mode(scope, mode, force=call.flag("force")))


def delete_mode(registry: Registry, call: Call) -> Reply:
    return json_response(
        registry.settings.delete_mode(_scope(call), recursive=call.flag("recursive"))
    )


# -- compatibility ------------------------------------------------------------


def compatibility(registry: Registry, call: Call) -> Reply:
    subject = call.subject()
    version = call.version() if "version" in call.params else None
    req = parse_schema_request(call.body)
    return json_response(
        registry.check_compatibility(
            subject,
            version,
            req,
            normalize=call.flag("normalize"),
            verbose=call.flag("verbose"),
        )
    )


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "", root),
    ("GET", "v1/metadata/id", metadata_id),
    ("GET", "contexts", contexts),
    ("GET", "schemas", list_schemas),
    ("GET", "schemas/types", schema_types),
    ("GET", "schemas/ids/{id}", schema_by_id),
    ("GET", "schemas/ids/{id}/schema", schema_text_by_id),
    ("GET", "schemas/ids/{id}/subjects", subjects_by_id),
    ("GET", "schemas/ids/{id}/versions", versions_by_id),
    ("GET", "subjects", list_subjects),
    ("POST", "subjects/{subject}", lookup),
    ("DELETE", "subjects/{subject}", delete_subject),
    ("GET", "subjects/{subject}/versions", list_versions),
    ("POST", "subjects/{subject}/versions", register),
    ("GET", "subjects/{subject}/versions/{version}", get_version),
    ("DELETE", "subjects/{subject}/versions/{version}", delete_version),
    ("GET", "subjects/{subject}/versions/{version}/schema", get_version_schema),
    ("GET", "subjects/{subject}/versions/{version}/referencedby", referenced_by),
    ("GET", "config", get_config),
    ("PUT", "config", put_config),
    ("DELETE", "config", delete_config),
    ("GET", "config/{subject}", get_config),
    ("PUT", "config/{subject}", put_config),
    ("DELETE", "config/{subject}", delete_config),
    ("GET", "mode", get_mode),
    ("PUT", "mode", put_mode),
    ("DELETE", "mode", delete_mode),
    ("GET", "mode/{subject}", get_mode),
    ("PUT", "mode/{subject}", put_mode),
    ("DELETE", "mode/{subject}", delete_mode),
    ("POST", "compatibility/subjects/{subject}/versions", compatibility),
    ("POST", "compatibility/subjects/{subject}/versions/{version}", compatibility),
]
