"""schemathesis against the running registry, driven by Apicurio's ccompat v7 description.

The description is read from ``../shared/conformance/apicurio/`` and corrected
in memory where it disagrees with Confluent's documented behaviour; every
correction is listed in ``CORRECTIONS`` and in docs/local-registry.md.  The
checks: no 5xx, JSON content types as documented, response bodies matching
the (corrected) schemas.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from .helpers import avro_record


def _shared_dir() -> Path | None:
    """The ``shared`` directory next to the repository (or one of its parents)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "conformance" / "apicurio" / "ccompat-v7-openapi.json"
        if candidate.is_file():
            return candidate
    return None


SPEC_PATH = _shared_dir()

# Where the Apicurio description disagrees with Confluent's API reference.
CORRECTIONS = {
    "GET /schemas/ids/{id}": "answers SchemaString {schema, schemaType?, references?, maxId?}, "
    "not a Schema with subject and version",
    "GET /schemas/ids/{id}/schema and GET /subjects/{s}/versions/{v}/schema": "answer the raw "
    "schema text (a JSON document for AVRO/JSON, proto text for PROTOBUF), not a JSON string",
    "ModeUpdateResponse.mode": "READONLY_OVERRIDE is a documented mode, missing from the enum",
    "GET /schemas/ids/{id} fetchMaxId": "documented query parameter, missing from the description",
}

_SCHEMA_STRING = {
    "type": "object",
    "required": ["schema"],
    "properties": {
        "schema": {"type": "string"},
        "schemaType": {"type": "string"},
        "references": {"type": "array", "items": {"$ref": "#/components/schemas/SchemaReference"}},
        "maxId": {"type": "integer"},
    },
}


def _corrected(raw: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(raw)
    paths = spec["paths"]
    for content in paths["/schemas/ids/{id}"]["get"]["responses"]["200"]["content"].values():
        content["schema"] = _SCHEMA_STRING
    paths["/schemas/ids/{id}"]["get"]["parameters"].append(
        {"name": "fetchMaxId", "in": "query", "required": False, "schema": {"type": "boolean"}}
    )
    for path in ("/schemas/ids/{id}/schema", "/subjects/{subject}/versions/{version}/schema"):
        for content in paths[path]["get"]["responses"]["200"]["content"].values():
            content["schema"] = {}
    modes = spec["components"]["schemas"]["ModeUpdateResponse"]["properties"]["mode"]
    modes["enum"] = [*modes["enum"], "READONLY_OVERRIDE"]
    return spec


def _load() -> Any:
    if SPEC_PATH is None:
        return None
    spec = _corrected(json.loads(SPEC_PATH.read_text()))
    # Only the explicit-example and generation phases run (see the settings
    # below); building the coverage phase alone would cost seconds per operation.
    config = schemathesis.Config.from_dict(
        {"phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}}}
    )
    return (
        schemathesis.openapi.from_dict(spec, config=config)
        # Not part of the schema API (exporters are Schema Linking), Apicurio-only
        # (POST on a version), or not implemented here (metadata lookup).
        .exclude(path_regex="^/exporters")
        .exclude(path="/subjects/{subject}/metadata")
        .exclude(method="POST", path="/subjects/{subject}/versions/{version}")
    )


SCHEMA = _load()

if SCHEMA is None:
    pytest.skip("../shared/conformance/apicurio not found", allow_module_level=True)


@pytest.fixture
def seeded(base_url: str) -> str:
    """A registry holding a few subjects, so that reads find something."""
    with httpx.Client(base_url=base_url) as client:
        for subject in ("users-value", "orders-value"):
            for n in range(2):
                fields = [("name", "string"), *([("age", "int", 0)] if n else [])]
                client.post(
                    f"/subjects/{subject}/versions",
                    json={"schema": avro_record("User", *fields)},
                )
    return base_url


@SCHEMA.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms(case: schemathesis.Case, seeded: str) -> None:
    case.call_and_validate(
        base_url=seeded,
        checks=[not_a_server_error, content_type_conformance, response_schema_conformance],
    )


def test_corrections_are_documented() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "local-registry.md"
    text = docs.read_text()
    for correction in CORRECTIONS:
        assert correction in text, correction
