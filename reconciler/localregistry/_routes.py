"""HTTP handlers: request parameters in, registry call, Confluent-shaped JSON out."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

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

MEDIA_TYPE = "application/vnd.schemaregistry.v1+json"
SCHEMA_TYPES = ["JSON", "PROTOBUF", "AVRO"]


def json_response(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    # compact UTF-8, as Jackson writes it
    body_text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(body_text, status_code=status, headers=headers, media_type=MEDIA_TYPE)


@dataclass
class Call:
    """One matched request: the path parameters and the raw request."""

    request: Request
    params: dict[str, str]

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

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

    async def body(self) -> bytes:
        return await self.request.body()


Handler = Callable[[Registry, Call], Awaitable[Response]]


# -- root ---------------------------------------------------------------------


async def root(registry: Registry, call: Call) -> Response:
    return json_response({})


async def metadata_id(registry: Registry, call: Call) -> Response:
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


async def schema_types(registry: Registry, call: Call) -> Response:
    return json_response(SCHEMA_TYPES)


async def contexts(registry: Registry, call: Call) -> Response:
    return json_response(await run_in_threadpool(registry.contexts))


# -- subjects -----------------------------------------------------------------


async def list_subjects(registry: Registry, call: Call) -> Response:
    prefix = call.query("subjectPrefix")
    offset = max(parse_int(call.query("offset"), 0), 0)
    limit = parse_int(call.query("limit"), -1)
    found = await run_in_threadpool(
        registry.list_subjects,
        WILDCARD if prefix is None else prefix,
        deleted=call.flag("deleted"),
        deleted_only=call.flag("deletedOnly"),
    )
    return json_response(found[offset:] if limit <= 0 else found[offset : offset + limit])


async def list_versions(registry: Registry, call: Call) -> Response:
    return json_response(
        await run_in_threadpool(
            registry.list_versions,
            call.subject(),
            deleted=call.flag("deleted"),
            deleted_only=call.flag("deletedOnly"),
        )
    )


async def register(registry: Registry, call: Call) -> Response:
    subject = call.subject()
    req = parse_schema_request(await call.body())
    return json_response(
        await run_in_threadpool(registry.register, subject, req, normalize=call.flag("normalize"))
    )


async def get_version(registry: Registry, call: Call) -> Response:
    return json_response(
        await run_in_threadpool(
            registry.get_version, call.subject(), call.version(), deleted=call.flag("deleted")
        )
    )


async def get_version_schema(registry: Registry, call: Call) -> Response:
    found = await run_in_threadpool(
        registry.get_version, call.subject(), call.version(), deleted=call.flag("deleted")
    )
    return Response(str(found["schema"]), media_type=MEDIA_TYPE)


async def referenced_by(registry: Registry, call: Call) -> Response:
    return json_response(
        await run_in_threadpool(registry.referenced_by, call.subject(), call.version())
    )


async def delete_version(registry: Registry, call: Call) -> Response:
    return json_response(
        await run_in_threadpool(
            registry.delete_version,
            call.subject(),
            call.version(),
            permanent=call.flag("permanent"),
        )
    )


async def lookup(registry: Registry, call: Call) -> Response:
    subject = call.subject()
    req = parse_schema_request(await call.body())
    return json_response(
        await run_in_threadpool(
            registry.lookup,
            subject,
            req,
            normalize=call.flag("normalize"),
            deleted=call.flag("deleted"),
        )
    )


async def delete_subject(registry: Registry, call: Call) -> Response:
    return json_response(
        await run_in_threadpool(
            registry.delete_subject, call.subject(), permanent=call.flag("permanent")
        )
    )


# -- schemas ------------------------------------------------------------------


async def list_schemas(registry: Registry, call: Call) -> Response:
    prefix = call.query("subjectPrefix")
    return json_response(
        await run_in_threadpool(
            registry.list_schemas,
            WILDCARD if prefix is None else prefix,
            deleted=call.flag("deleted"),
            latest_only=call.flag("latestOnly"),
            offset=max(parse_int(call.query("offset"), 0), 0),
            limit=parse_int(call.query("limit"), -1),
        )
    )


async def schema_by_id(registry: Registry, call: Call) -> Response:
    return json_response(
        await run_in_threadpool(
            registry.schema_by_id,
            call.schema_id(),
            call.id_subject(),
            fetch_max_id=call.flag("fetchMaxId"),
        )
    )


async def schema_text_by_id(registry: Registry, call: Call) -> Response:
    text = await run_in_threadpool(registry.schema_text_by_id, call.schema_id(), call.id_subject())
    return Response(text, media_type=MEDIA_TYPE)


async def subjects_by_id(registry: Registry, call: Call) -> Response:
    return json_response(
        await run_in_threadpool(
            registry.subjects_by_id,
            call.schema_id(),
            call.id_subject(),
            deleted=call.flag("deleted"),
        )
    )


async def versions_by_id(registry: Registry, call: Call) -> Response:
    return json_response(
        await run_in_threadpool(
            registry.versions_by_id,
            call.schema_id(),
            call.id_subject(),
            deleted=call.flag("deleted"),
        )
    )


# -- config and mode ----------------------------------------------------------

_GLOBAL_SCOPE = Subject(DEFAULT_CONTEXT, "")


def _scope(call: Call) -> Subject:
    return call.subject() if "subject" in call.params else _GLOBAL_SCOPE


async def get_config(registry: Registry, call: Call) -> Response:
    return json_response(
        await run_in_threadpool(
            registry.settings.get_config,
            _scope(call),
            default_to_global=call.flag("defaultToGlobal"),
        )
    )


async def put_config(registry: Registry, call: Call) -> Response:
    scope = _scope(call)
    body = parse_config_request(await call.body())
    return json_response(await run_in_threadpool(registry.settings.set_config, scope, body))


async def delete_config(registry: Registry, call: Call) -> Response:
    return json_response(await run_in_threadpool(registry.settings.delete_config, _scope(call)))


async def get_mode(registry: Registry, call: Call) -> Response:
    return json_response(
        await run_in_threadpool(
            registry.settings.get_mode, _scope(call), default_to_global=call.flag("defaultToGlobal")
        )
    )


async def put_mode(registry: Registry, call: Call) -> Response:
    scope = _scope(call)
    mode = parse_field(await call.body(), "mode")
    return json_response(
        await run_in_threadpool(registry.settings.set_mode, scope, mode, force=call.flag("force"))
    )


async def delete_mode(registry: Registry, call: Call) -> Response:
    return json_response(await run_in_threadpool(registry.settings.delete_mode, _scope(call)))


# -- compatibility ------------------------------------------------------------


async def compatibility(registry: Registry, call: Call) -> Response:
    subject = call.subject()
    version = call.version() if "version" in call.params else None
    req = parse_schema_request(await call.body())
    return json_response(
        await run_in_threadpool(
            registry.check_compatibility,
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
    ("GET", "mode/{subject}", get_mode),
    ("PUT", "mode/{subject}", put_mode),
    ("DELETE", "mode/{subject}", delete_mode),
    ("POST", "compatibility/subjects/{subject}/versions", compatibility),
    ("POST", "compatibility/subjects/{subject}/versions/{version}", compatibility),
]
