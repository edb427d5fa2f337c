"""The published JSON Schemas equal the models, and accept what the loader accepts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from reconciler.spec.json_schema import SCHEMAS, render

REPO = Path(__file__).resolve().parents[2]


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((REPO / "specs" / name).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def valid(name: str, document: Any) -> bool:
    return validator(name).is_valid(document)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_generated_from_the_models(name: str) -> None:
    model, title = SCHEMAS[name]
    assert (REPO / "specs" / name).read_text() == render(model, title), (
        "run: python -m reconciler.spec.json_schema"
    )


def test_example_files_validate() -> None:
    projects = sorted(REPO.glob("examples/*/reconcile.yaml"))
    assert projects
    for project in projects:
        assert valid("reconcile.schema.json", yaml.safe_load(project.read_text())), project
        for spec in sorted((project.parent / "specs").glob("**/*.yaml")):
            assert valid("spec.schema.json", yaml.safe_load(spec.read_text())), spec


def test_full_spec_validates() -> None:
    spec = {
        "registries": ["dev", "prod"],
        "context": "shop",
        "compatibility": "BACKWARD",
        "mode": "READWRITE",
        "prune": True,
        "protected": ["keep-*"],
        "subjects": {
            "a": {"type": "JSON", "schema": {"type": "object"}, "normalize": True},
            "b": {
                "versions": [
                    {"version": 1, "id": 7, "schema": "b.avsc"},
                    {"version": 2, "schema": "b2.avsc", "delete": "soft"},
                ]
            },
            "c": {
                "schema": "c.avsc",
                "references": [{"name": "X", "subject": "x", "version": "latest"}],
                "metadata": {"properties": {"owner": "me"}},
                "rule_set": {
                    "domainRules": [
                        {"name": "r", "kind": "CONDITION", "mode": "WRITE", "type": "CEL"}
                    ]
                },
            },
            "d": {"delete": "hard"},
            "e": None,
        },
    }
    assert valid("spec.schema.json", spec)


@pytest.mark.parametrize(
    "spec",
    [
        {"subjects": {"a": {"typ": "AVRO"}}},
        {"subjects": {"a": {"schema": "a.avsc", "versions": []}}},
        {"subjects": {"a": {"delete": "soft", "schema": "a.avsc"}}},
        {"subjects": {"a": {"compatibility": "BACKWARDS"}}},
        {"registry": "dev", "registries": ["dev"]},
        {"subjects": {"a": {"references": [{"name": "X", "subject": "x", "version": 0}]}}},
    ],
)
def test_spec_schema_rejects(spec: dict[str, Any]) -> None:
    assert not valid("spec.schema.json", spec)


@pytest.mark.parametrize(
    "project",
    [
        {"registries": {}},
        {"version": 1, "registries": {"dev": {"url": "http://h", "auth": {}}}},
        {
            "version": 1,
            "registries": {"dev": {"url": "http://h", "auth": {"bearer": "t", "basic": {}}}},
        },
        {"version": 1, "registries": {"dev": {"url": "http://h", "timeout": 0}}},
    ],
)
def test_project_schema_rejects(project: dict[str, Any]) -> None:
    assert not valid("reconcile.schema.json", project)


def test_documented_examples_validate() -> None:
    text = (REPO / "docs" / "spec-format.md").read_text()
    blocks = [yaml.safe_load(b.split("```")[0]) for b in text.split("```yaml\n")[1:]]
    documents = [b for b in blocks if isinstance(b, dict) and len(b) > 1]
    assert len(documents) == 2
    for document in documents:
        name = "reconcile.schema.json" if "version" in document else "spec.schema.json"
        assert valid(name, document), document
