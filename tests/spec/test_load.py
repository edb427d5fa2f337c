"""Happy paths: what ``load_project`` resolves, and the defaults it applies."""

from __future__ import annotations

import gc
import json
from pathlib import Path

from reconciler.spec import BasicAuth, BearerAuth, Location, load_project
from reconciler.spec._document import Document
from reconciler.spec.model import EMBEDDED_REGISTRY_NAME, EMBEDDED_REGISTRY_URL

from .conftest import ORDER, Write, errors, load


def test_embedded_default_registry(write: Write) -> None:
    root = write({"reconcile.yaml": "version: 1\n", "specs/a.yaml": "subjects: {a: {}}\n"})
    project = load(root)
    assert project.uses_embedded_default
    assert list(project.registries) == [EMBEDDED_REGISTRY_NAME]
    assert project.registries[EMBEDDED_REGISTRY_NAME].url == EMBEDDED_REGISTRY_URL
    [spec] = project.specs
    assert spec.registries == (EMBEDDED_REGISTRY_NAME,)
    assert project.root == root.resolve()
    assert project.path == root.resolve() / "reconcile.yaml"


def test_defaults(write: Write) -> None:
    root = write({"reconcile.yaml": "version: 1\n", "specs/sub/a.yml": "subjects:\n  a:\n"})
    project = load(root)
    [spec] = project.specs
    assert spec.context == "."
    assert (spec.compatibility, spec.mode, spec.prune, spec.protected) == (None, None, False, ())
    subject = spec.subjects["a"]
    assert (subject.type, subject.schema, subject.versions, subject.normalize) == (
        "AVRO",
        None,
        None,
        False,
    )
    assert project.max_deletes == 10
    assert spec.location == Location(root.resolve() / "specs/sub/a.yml", 1, 1)


def test_file_schema_relative_to_spec_file(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\n",
            "specs/team/orders.yaml": "subjects:\n  orders-value:\n    schema: ../schemas/o.avsc\n",
            "specs/schemas/o.avsc": ORDER,
        }
    )
    subject = load(root).specs[0].subjects["orders-value"]
    assert subject.schema == ORDER
    assert subject.schema_path == (root / "specs/schemas/o.avsc").resolve()
    assert subject.location == Location(root.resolve() / "specs/team/orders.yaml", 2, 3)


def test_inline_schemas(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\n",
            "specs/a.yaml": """
                subjects:
                  mapping-value:
                    schema:
                      type: record
                      name: M
                      fields:
                        - {name: id, type: long, doc: "created 2024-01-01"}
                  block-value:
                    schema: |
                      {"type": "record", "name": "B",
                       "fields": [{"name": "id", "type": "string"}]}
                  line-value:
                    schema: '{"type": "string"}'
                  primitive-value:
                    schema: '"string"'
                  proto-value:
                    type: PROTOBUF
                    schema: 'syntax = "proto3"; message Id { string id = 1; }'
            """,
        }
    )
    subjects = load(root).specs[0].subjects
    assert json.loads(subjects["mapping-value"].schema or "") == {
        "type": "record",
        "name": "M",
        "fields": [{"name": "id", "type": "long", "doc": "created 2024-01-01"}],
    }
    assert subjects["block-value"].schema.startswith('{"type": "record", "name": "B",\n')
    assert subjects["line-value"].schema == '{"type": "string"}'
    assert subjects["primitive-value"].schema == '"string"'
    assert subjects["proto-value"].schema == 'syntax = "proto3"; message Id { string id = 1; }'
    assert all(s.schema_path is None for s in subjects.values())


def test_env_interpolation(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": """
                version: 1
                registries:
                  dev:
                    url: ${SR_URL}
                    auth: {basic: {username: "${SR_USER}", password: "${SR_PASS}"}}
                    timeout: ${SR_TIMEOUT:-12.5}
                  prod:
                    url: https://sr.example.com
                    auth: {bearer: "${SR_TOKEN}"}
                    readonly: true
                    compatibility: FULL
                    mode: READWRITE
            """,
            "specs/a.yaml": """
                registries: [dev, prod]
                context: ${CTX}
                subjects:
                  cost-value:
                    schema:
                      type: record
                      name: Cost
                      doc: "price in $${CURRENCY} and $5"
                      fields: []
            """,
        }
    )
    env = {
        "SR_URL": "http://localhost:8081",
        "SR_USER": "alice",
        "SR_PASS": "pw",
        "SR_TOKEN": "tok",
        "CTX": "billing",
    }
    project = load(root, env)
    dev, prod = project.registries["dev"], project.registries["prod"]
    assert dev.url == "http://localhost:8081"
    assert dev.auth == BasicAuth("alice", "pw")
    assert dev.timeout == 12.5
    assert prod.auth == BearerAuth("tok")
    assert (prod.readonly, prod.compatibility, prod.mode) == (True, "FULL", "READWRITE")
    assert "tok" not in repr(prod) and "pw" not in repr(dev.auth)
    [spec] = project.specs
    assert (spec.registries, spec.context) == (("dev", "prod"), ".billing")
    assert json.loads(spec.subjects["cost-value"].schema or "")["doc"] == (
        "price in ${CURRENCY} and $5"
    )
    assert not project.uses_embedded_default


def test_pinned_versions_references_and_contracts(write: Write) -> None:
    address = '{"type": "record", "name": "Address", "namespace": "com.acme", "fields": []}'
    root = write(
        {
            "reconcile.yaml": "version: 1\nmax_deletes: 3\n",
            "specs/a.yaml": f"""
                context: .shop
                compatibility: BACKWARD
                prune: true
                protected: ["keep-*"]
                subjects:
                  address-value:
                    versions:
                      - {{version: 1, id: 101, schema: '{address}'}}
                      - version: 2
                        id: 117
                        schema: '{address}'
                        metadata: {{properties: {{owner: team-a}}}}
                        rule_set:
                          domainRules:
                            - {{name: r, kind: CONDITION, mode: WRITE, type: CEL, expr: "true"}}
                      - {{version: 3, schema: '{address}', delete: soft}}
                  person-value:
                    normalize: true
                    mode: READONLY
                    schema:
                      type: record
                      name: Person
                      fields: [{{name: home, type: com.acme.Address}}]
                    references:
                      - {{name: com.acme.Address, subject: address-value, version: 2}}
                  legacy-value: {{delete: hard}}
            """,
        }
    )
    project = load(root)
    assert project.max_deletes == 3
    [spec] = project.specs
    assert (spec.context, spec.compatibility, spec.prune, spec.protected) == (
        ".shop",
        "BACKWARD",
        True,
        ("keep-*",),
    )
    versions = spec.subjects["address-value"].versions or ()
    assert [(v.version, v.id, v.delete) for v in versions] == [
        (1, 101, None),
        (2, 117, None),
        (3, None, "soft"),
    ]
    assert versions[1].metadata == {"properties": {"owner": "team-a"}}
    assert versions[1].rule_set == {
        "domainRules": [
            {"name": "r", "kind": "CONDITION", "mode": "WRITE", "type": "CEL", "expr": "true"}
        ]
    }
    person = spec.subjects["person-value"]
    assert (person.normalize, person.mode) == (True, "READONLY")
    [ref] = person.references
    assert (ref.name, ref.subject, ref.version) == ("com.acme.Address", "address-value", 2)
    assert spec.subjects["legacy-value"].delete == "hard"
    assert project.warnings == ()


def test_reference_outside_specs_is_a_warning(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\n",
            "specs/a.yaml": """
                subjects:
                  a-value:
                    schema: |
                      {"type": "record", "name": "A", "fields": [{"name": "x", "type": "Ext"}]}
                    references: [{name: Ext, subject: ext-value}]
            """,
        }
    )
    [warning] = load(root).warnings
    assert str(warning).startswith("specs/a.yaml:5:18: reference 'Ext': subject 'ext-value' is not")


def test_nothing_written(write: Write) -> None:
    root = write({"reconcile.yaml": "version: 1\n", "specs/a.yaml": "subjects: {}\n"})
    before = sorted(p.relative_to(root) for p in Path(root).rglob("*"))
    load(root)
    assert sorted(p.relative_to(root) for p in Path(root).rglob("*")) == before


def test_a_version_may_say_its_own_schema_type(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\n",
            "specs/a.yaml": """
                subjects:
                  events-value:
                    type: AVRO
                    versions:
                      - {type: JSON, schema: '{"type": "object"}'}
                      - {type: AVRO, schema: '"string"'}
                      - schema: '"long"'
            """,
        }
    )
    (subject,) = load(root).specs[0].subjects.values()
    assert [v.type for v in subject.versions or ()] == ["JSON", None, None]
    assert [v.type_in(subject) for v in subject.versions or ()] == ["JSON", "AVRO", "AVRO"]


def test_a_versions_schema_is_validated_as_its_own_type(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\n",
            "specs/a.yaml": """
                subjects:
                  events-value:
                    versions:
                      - {type: PROTOBUF, schema: '{"type": "object"}'}
            """,
        }
    )
    (problem,) = errors(root)
    assert problem.startswith("specs/a.yaml:4:") and "invalid Protobuf schema" in problem


def test_locations_looked_up_later_keep_no_document_data(write: Write) -> None:
    """A load whose specs are not kept (export's check) makes their locations when first
    read, of the spec file's text: they hold that, not the document's data (~20 MB at
    10,000 subjects x 5 versions), which is freed with the load."""
    root = write(
        {
            "reconcile.yaml": "version: 1\n",
            "specs/a.yaml": "subjects:\n  a:\n    versions:\n    - schema: ../a.avsc\n",
            "a.avsc": '"string"\n',
        }
    )
    project = load_project(root, environ={}, parse_cache=True, cache_specs=False)
    gc.collect()
    kept = [o for o in gc.get_objects() if isinstance(o, Document) and o.data is not None]
    assert [doc.path.name for doc in kept] == []
    [version] = project.specs[0].subjects["a"].versions or ()
    assert version.location == Location(root.resolve() / "specs/a.yaml", 4, 7)
