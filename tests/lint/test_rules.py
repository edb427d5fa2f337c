"""Every lint rule fires where it should, and nowhere else, on a project built to break them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from reconciler.lint import CATEGORIES, RULES, Report, UnknownRuleError, lint
from reconciler.spec import load_project

REPO = Path(__file__).resolve().parents[2]

ORDER_AVSC = """\
{
  "type": "record",
  "name": "order_record",
  "fields": [
    {"name": "order_id", "type": "string"},
    {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "paid"]}},
    {"name": "note", "type": ["null", "string"]},
    {"name": "count", "type": "int", "default": "many"},
    {"name": "comment", "type": ["string", "null"], "default": null},
    {"name": "placedAt", "type": "long"},
    {"name": "ok", "type": ["null", "string"], "default": null}
  ]
}
"""

EVENT_JSON = """\
{
  "type": "object",
  "properties": {
    "id": {"type": "string"},
    "meta": {
      "type": "object",
      "properties": {"k": {"type": "string"}},
      "additionalProperties": false
    }
  }
}
"""

AUDIT_PROTO = """\
syntax = "proto3";

message Entry {
  string id = 1;
  string note = 010;
  enum State {
    ACTIVE = 0;
    CLOSED = 1;
  }
  State state = 2;
}
enum Kind {
  KIND_UNSPECIFIED = 0;
  KIND_OTHER = 1;
}
"""

MONEY_AVSC = json.dumps(
    {
        "type": "record",
        "name": "Money",
        "namespace": "acme",
        "fields": [{"name": "cents", "type": "long"}],
    }
)

PROJECT = """\
version: 1
registries:
  dev: {url: "local:dev.db", compatibility: NONE}
specs: [specs/*.yaml]
"""

DEFAULT_CONTEXT = """\
subjects:
  orders-value:
    schema: ../schemas/order.avsc
  events:
    type: JSON
    compatibility: NONE
    schema: ../schemas/event.json
  old-value:
    delete: hard
  money-value:
    schema: ../schemas/money.avsc
  payments-value:
    schema: ../schemas/payment.avsc
    references:
      - {name: acme.Money, subject: money-value, version: latest}
  customers-value:
    versions:
      - schema: ../schemas/customer.v1.avsc
        metadata: {properties: {"confluent:reserved": "ssn, dob"}}
      - schema: ../schemas/customer.v2.avsc
        metadata: {properties: {"confluent:reserved": "ssn"}}
"""

CUSTOMER_V1 = json.dumps(
    {
        "type": "record",
        "name": "Customer",
        "namespace": "acme",
        "fields": [{"name": "id", "type": "string"}],
    }
)

CUSTOMER_V2 = """\
{
  "type": "record",
  "name": "Customer",
  "namespace": "acme",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "ssn", "type": "string", "default": ""}
  ]
}
"""

AUDIT_CONTEXT = """\
context: audit
subjects:
  audit-value:
    type: PROTOBUF
    schema: ../schemas/audit.proto
"""

PAYMENT_AVSC = json.dumps(
    {
        "type": "record",
        "name": "Payment",
        "namespace": "acme",
        "fields": [{"name": "amount", "type": "acme.Money"}],
    }
)


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    files = {
        "reconcile.yaml": PROJECT,
        "specs/default.yaml": DEFAULT_CONTEXT,
        "specs/audit.yaml": AUDIT_CONTEXT,
        "schemas/order.avsc": ORDER_AVSC,
        "schemas/event.json": EVENT_JSON,
        "schemas/audit.proto": AUDIT_PROTO,
        "schemas/money.avsc": MONEY_AVSC,
        "schemas/payment.avsc": PAYMENT_AVSC,
        "schemas/customer.v1.avsc": CUSTOMER_V1,
        "schemas/customer.v2.avsc": CUSTOMER_V2,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def _places(report: Report, root: Path) -> set[tuple[str, str, int]]:
    out = set()
    for finding in report.findings:
        assert finding.location is not None, finding
        out.add(
            (finding.rule.id, str(finding.location.file.relative_to(root)), finding.location.line)
        )
    return out


def test_each_rule_fires_at_its_place_and_nothing_else_fires(messy: Path) -> None:
    report = lint(load_project(messy))
    assert _places(report, messy) == {
        ("AVRO_NAMESPACE_MISSING", "schemas/order.avsc", 3),
        ("AVRO_TYPE_NAME_CASE", "schemas/order.avsc", 3),
        ("AVRO_ENUM_WITHOUT_DEFAULT", "schemas/order.avsc", 6),
        ("AVRO_ENUM_SYMBOL_CASE", "schemas/order.avsc", 6),
        ("AVRO_OPTIONAL_WITHOUT_DEFAULT", "schemas/order.avsc", 7),
        ("AVRO_DEFAULT_INVALID", "schemas/order.avsc", 8),
        ("AVRO_UNION_DEFAULT_NOT_FIRST", "schemas/order.avsc", 9),
        ("AVRO_FIELD_NAME_CASE", "schemas/order.avsc", 10),
        ("JSON_SCHEMA_DRAFT_MISSING", "schemas/event.json", 1),
        ("JSON_OPEN_CONTENT_MODEL", "schemas/event.json", 3),
        ("PROTO_PACKAGE_MISSING", "schemas/audit.proto", 1),
        ("PROTO_ENUM_ZERO_VALUE", "schemas/audit.proto", 7),
        ("PROTO_NUMBER_LEADING_ZERO", "schemas/audit.proto", 5),
        ("COMPATIBILITY_NONE", "reconcile.yaml", 3),
        ("COMPATIBILITY_NONE", "specs/default.yaml", 4),
        ("SUBJECT_NAME_STRATEGY", "specs/default.yaml", 4),
        ("DELETE_HARD", "specs/default.yaml", 8),
        ("REFERENCE_LATEST", "specs/default.yaml", 15),
        ("COMPATIBILITY_UNSET", "specs/audit.yaml", 1),
        ("RESERVED_FIELD_REMOVED", "specs/default.yaml", 20),
        ("RESERVED_FIELD_CONFLICT", "schemas/customer.v2.avsc", 7),
    }
    # The rules of a team's conventions.yaml are exercised by test_conventions.py.
    conventions = {"FIELD_DOC_MISSING", "REQUIRED_FIELD_MISSING"}
    assert {f.rule.id for f in report.findings} == set(RULES) - conventions, (
        "a rule is not exercised"
    )


def test_messages_name_the_problem(messy: Path) -> None:
    by_rule = {f.rule.id: f for f in lint(load_project(messy)).findings}
    assert "order_record.count" in by_rule["AVRO_DEFAULT_INVALID"].message
    assert '"many"' in by_rule["AVRO_DEFAULT_INVALID"].message
    assert "Entry.State" in by_rule["PROTO_ENUM_ZERO_VALUE"].message
    assert "STATE_UNSPECIFIED" in by_rule["PROTO_ENUM_ZERO_VALUE"].message
    assert by_rule["PROTO_NUMBER_LEADING_ZERO"].message == (
        "010 is 10 to Confluent and plan, 8 to protoc"
    )
    assert by_rule["PROTO_NUMBER_LEADING_ZERO"].fix == "write 10"
    assert (
        "audit-value in context '.audit' of registry 'dev'"
        in by_rule["COMPATIBILITY_UNSET"].message
    )
    finding = by_rule["AVRO_FIELD_NAME_CASE"]
    assert finding.path == "/fields/5" and finding.subject == "orders-value"
    assert re.match(r".*order\.avsc:10:\d+: info AVRO_FIELD_NAME_CASE: ", str(finding))
    # Naming findings say the name to use.
    assert finding.fix.startswith("rename it to 'placed_at'")
    assert str(finding).endswith(f"(fix: {finding.fix})")
    assert by_rule["AVRO_TYPE_NAME_CASE"].fix == "rename it to 'OrderRecord'"
    assert by_rule["AVRO_ENUM_SYMBOL_CASE"].fix == "rename it to 'PAID'"
    assert by_rule["AVRO_ENUM_SYMBOL_CASE"].to_json()["fix"] == "rename it to 'PAID'"
    assert by_rule["DELETE_HARD"].to_json()["fix"] is None


def test_only_and_skip_take_rules_and_categories(messy: Path) -> None:
    project = load_project(messy)
    style = lint(project, only=["STYLE"])
    assert {f.rule.category for f in style.findings} == {"STYLE"}
    assert {f.rule.id for f in lint(project, only=["DELETE_HARD"]).findings} == {"DELETE_HARD"}
    rest = lint(project, skip=["STYLE", "DELETE_HARD"])
    assert not {f.rule.id for f in rest.findings} & {"DELETE_HARD", "AVRO_TYPE_NAME_CASE"}
    with pytest.raises(UnknownRuleError, match="NO_SUCH_RULE"):
        lint(project, only=["NO_SUCH_RULE"])


def test_severity_threshold(messy: Path) -> None:
    report = lint(load_project(messy))
    assert report.fails("error") and report.fails("info")
    assert not report.fails(None)
    warnings_only = lint(load_project(messy), only=["COMPATIBILITY_UNSET"])
    assert not warnings_only.fails("warning") and warnings_only.fails("info")


def test_the_examples_are_clean() -> None:
    assert lint(load_project(REPO / "examples" / "quickstart")).findings == ()


def test_inline_schemas_point_at_the_subject(tmp_path: Path) -> None:
    (tmp_path / "reconcile.yaml").write_text("version: 1\nspecs: [s.yaml]\n")
    (tmp_path / "s.yaml").write_text(
        "compatibility: BACKWARD\nsubjects:\n  x-value:\n    schema:\n"
        "      {type: enum, name: E, namespace: n, symbols: [A]}\n"
    )
    (finding,) = lint(load_project(tmp_path)).findings
    assert finding.rule.id == "AVRO_ENUM_WITHOUT_DEFAULT"
    assert (finding.location.file.name, finding.location.line) == ("s.yaml", 3)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("field", "rule"),
    [
        ({"type": "long", "default": 2**63}, "AVRO_DEFAULT_INVALID"),
        ({"type": "int", "default": True}, "AVRO_DEFAULT_INVALID"),
        ({"type": "double", "default": 1}, None),
        ({"type": {"type": "fixed", "name": "F", "size": 2}, "default": "ab"}, None),
        (
            {"type": {"type": "fixed", "name": "F", "size": 2}, "default": "a"},
            "AVRO_DEFAULT_INVALID",
        ),
        ({"type": {"type": "array", "items": "int"}, "default": [1, 2]}, None),
        ({"type": {"type": "array", "items": "int"}, "default": [1, "2"]}, "AVRO_DEFAULT_INVALID"),
        ({"type": {"type": "map", "values": "string"}, "default": {"a": "b"}}, None),
        ({"type": ["int", "string"], "default": "x"}, "AVRO_UNION_DEFAULT_NOT_FIRST"),
        ({"type": ["int", "string"], "default": 1.5}, "AVRO_DEFAULT_INVALID"),
        ({"type": "n.Other", "default": {"a": 1}}, None),  # a referenced type: not known here
        (
            {
                "type": {"type": "record", "name": "In", "fields": [{"name": "a", "type": "int"}]},
                "default": {},
            },
            "AVRO_DEFAULT_INVALID",
        ),
        (
            {
                "type": {
                    "type": "record",
                    "name": "In",
                    "fields": [{"name": "a", "type": "int", "default": 0}],
                },
                "default": {},
            },
            None,
        ),
    ],
)
def test_avro_defaults(tmp_path: Path, field: dict[str, object], rule: str | None) -> None:
    schema = {"type": "record", "name": "R", "namespace": "n", "fields": [{"name": "f", **field}]}
    (tmp_path / "reconcile.yaml").write_text("version: 1\nspecs: [s.yaml]\n")
    (tmp_path / "r.avsc").write_text(json.dumps(schema))
    refs = "    references: [{name: n.Other, subject: other-value, version: 1}]\n"
    other = json.dumps({"type": "record", "name": "Other", "namespace": "n", "fields": []})
    (tmp_path / "o.avsc").write_text(other)
    (tmp_path / "s.yaml").write_text(
        "compatibility: BACKWARD\nsubjects:\n  r-value:\n    schema: r.avsc\n"
        + (refs if field["type"] == "n.Other" else "")
        + "  other-value:\n    versions: [{version: 1, schema: o.avsc}]\n"
    )
    found = {f.rule.id for f in lint(load_project(tmp_path), only=["CORRECTNESS"]).findings}
    assert found == ({rule} if rule else set())


def test_every_rule_is_documented() -> None:
    doc = (REPO / "docs" / "lint.md").read_text()
    for rule in RULES.values():
        assert f"`{rule.id}`" in doc, rule.id
    for category in CATEGORIES:
        assert category in doc


def test_the_project_file_skips_and_ignores(messy: Path) -> None:
    (messy / "reconcile.yaml").write_text(
        PROJECT
        + "lint:\n"
        + "  skip: [STYLE, DELETE_HARD]\n"
        + "  ignore:\n"
        + "    CORRECTNESS: [schemas/*.avsc]\n"
        + "    JSON_OPEN_CONTENT_MODEL: [other/*.json]\n"
    )
    project = load_project(messy)
    assert project.lint.skip[0].name == "STYLE"
    found = {f.rule.id for f in lint(project).findings}
    assert not found & {"AVRO_TYPE_NAME_CASE", "PROTO_PACKAGE_MISSING", "DELETE_HARD"}
    assert not found & {"AVRO_DEFAULT_INVALID", "AVRO_UNION_DEFAULT_NOT_FIRST"}
    assert "JSON_OPEN_CONTENT_MODEL" in found  # its glob matches no finding's file
    assert "AVRO_ENUM_WITHOUT_DEFAULT" in found


def test_an_unknown_name_in_the_project_file_is_reported_at_its_line(messy: Path) -> None:
    (messy / "reconcile.yaml").write_text(PROJECT + "lint:\n  ignore:\n    AVRO_DEFAULTS: [x]\n")
    with pytest.raises(UnknownRuleError) as raised:
        lint(load_project(messy))
    assert str(raised.value).startswith("reconcile.yaml:7:5: unknown lint rule")
