"""Every lint rule: an ID, a category, a default severity and what it means.

Like buf's lint rules, each finding names its rule, and every rule is
documented (docs/lint.md lists them all; a test keeps the two in step).
Categories say why a rule exists:

- ``CORRECTNESS``: the schema is wrong today (readers or parsers fail on it);
- ``EVOLUTION``: the next change will be harder or break consumers;
- ``STYLE``: naming and layout conventions of the format's community;
- ``SPEC``: the desired state leaves something to chance or is dangerous.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Category = Literal["CORRECTNESS", "EVOLUTION", "STYLE", "SPEC"]
Severity = Literal["error", "warning", "info"]
CATEGORIES: tuple[Category, ...] = ("CORRECTNESS", "EVOLUTION", "STYLE", "SPEC")
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")  # most severe first


@dataclass(frozen=True)
class Rule:
    id: str
    category: Category
    severity: Severity
    summary: str


_ALL = (
    Rule(
        "AVRO_DEFAULT_INVALID",
        "CORRECTNESS",
        "error",
        "A field's default is not a value of the field's type (for a union: of any "
        "branch; for an enum: not one of its symbols; for a fixed: not of its size). "
        "Readers that fill in the field from it fail. Where Avro Java cannot read it "
        "(its JSON kind is wrong), Confluent refuses to register the schema, and so does "
        "`plan`; a float or double default written as a string of a number is one Avro "
        "Java 1.12 reads (Confluent stores the number) but other Avro libraries refuse.",
    ),
    Rule(
        "AVRO_UNION_DEFAULT_NOT_FIRST",
        "CORRECTNESS",
        "error",
        "A union field's default matches a branch other than the first. Avro's "
        "specification resolves a union's default against its first branch, and "
        "Confluent 7.x (Avro 1.11) refuses to register the schema; Confluent 8 (Avro "
        "1.12, as `plan` and the local registry) accepts it: put that branch first "
        '(for `default: null`, `["null", ...]`).',
    ),
    Rule(
        "PROTO_NUMBER_LEADING_ZERO",
        "CORRECTNESS",
        "error",
        "A field or enum number, or a reserved or extension range, is written with "
        "leading zeros (`010`). Confluent's parser (Wire) reads it in decimal, 10, and so "
        "do `plan` and the local registry; protoc reads it as octal, 8, so code generated "
        "from the file numbers the field differently from the schema the registry holds. "
        "Write the number in decimal.",
    ),
    Rule(
        "RESERVED_FIELD_CONFLICT",
        "CORRECTNESS",
        "error",
        "The schema has a top-level field whose name the subject's metadata reserves "
        "(`confluent:reserved`). A registry with `validateFields` refuses the version.",
    ),
    Rule(
        "RESERVED_FIELD_REMOVED",
        "EVOLUTION",
        "error",
        "A version's metadata no longer reserves a field name that the version before it "
        "reserved. Reserving a name is a promise not to reuse it; a registry with "
        "`validateFields` refuses the version.",
    ),
    Rule(
        "AVRO_ENUM_WITHOUT_DEFAULT",
        "EVOLUTION",
        "warning",
        "An enum has no `default` symbol. Adding a symbol later breaks every reader of "
        "an older version that meets it; with a default (Avro 1.9+) they read the default.",
    ),
    Rule(
        "AVRO_OPTIONAL_WITHOUT_DEFAULT",
        "EVOLUTION",
        "warning",
        "A field whose type is a union with null has no default. Without one it could "
        "not have been added compatibly (BACKWARD) and cannot be removed compatibly "
        "(FORWARD); `default: null` costs nothing.",
    ),
    Rule(
        "AVRO_NAMESPACE_MISSING",
        "STYLE",
        "info",
        "The top-level named type has no namespace, so its full name can collide with "
        "another team's type of the same name (RecordNameStrategy subjects, references).",
    ),
    Rule(
        "AVRO_TYPE_NAME_CASE",
        "STYLE",
        "info",
        "A record, enum or fixed name is not PascalCase (`OrderLine`), the convention "
        "of the Avro specification and of generated code.",
    ),
    Rule(
        "AVRO_ENUM_SYMBOL_CASE",
        "STYLE",
        "info",
        "An enum symbol is not UPPER_SNAKE_CASE (`PAYMENT_DUE`), the Avro convention.",
    ),
    Rule(
        "AVRO_FIELD_NAME_CASE",
        "STYLE",
        "info",
        "A schema mixes snake_case and camelCase field names; code generated from it "
        "and queries over it read unevenly. The first field's style is taken as the "
        "schema's.",
    ),
    Rule(
        "FIELD_DOC_MISSING",
        "STYLE",
        "info",
        "A field has no documentation (Avro `doc`, JSON Schema `description`). Runs only "
        "when the project's `conventions.yaml` says `field_docs: true`; the fix names the "
        "key to add.",
    ),
    Rule(
        "REQUIRED_FIELD_MISSING",
        "SPEC",
        "warning",
        "The top-level record of a subject (not a `-key` one) lacks a field that the "
        "project's `conventions.yaml` requires on every record (`required_fields`, e.g. "
        "`event_id`, `occurred_at`): the top-level Avro record, JSON Schema object or "
        "first Protobuf message. The fix names the field to add.",
    ),
    Rule(
        "JSON_SCHEMA_DRAFT_MISSING",
        "SPEC",
        "info",
        "A JSON Schema has no `$schema`, so which draft applies is left to the reader "
        "(reconciler and Confluent assume draft 7). Say it.",
    ),
    Rule(
        "JSON_OPEN_CONTENT_MODEL",
        "EVOLUTION",
        "info",
        "An object with `properties` is open (`additionalProperties` absent or true). "
        "Under Confluent's rules adding a typed property to an open object is not "
        "BACKWARD compatible (OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL); a closed object "
        "(`additionalProperties: false`) takes new optional properties, but cannot lose any.",
    ),
    Rule(
        "PROTO_PACKAGE_MISSING",
        "STYLE",
        "warning",
        "A Protobuf schema declares no package, so its types live in the global "
        "namespace and collide with any other schema's types of the same name.",
    ),
    Rule(
        "PROTO_ENUM_ZERO_VALUE",
        "STYLE",
        "info",
        "An enum's zero value is not named `<ENUM>_UNSPECIFIED` (buf's "
        "ENUM_ZERO_VALUE_SUFFIX). The zero value is what a reader sees when the field "
        "is unset; it should not mean a real state.",
    ),
    Rule(
        "COMPATIBILITY_NONE",
        "EVOLUTION",
        "warning",
        "A subject, context or registry sets compatibility NONE: the registry accepts "
        "any change, including ones that break every consumer.",
    ),
    Rule(
        "COMPATIBILITY_UNSET",
        "SPEC",
        "info",
        "Nothing in the specs sets a compatibility level for these subjects (neither "
        "the subject, its context, nor the registry's global config), so the registry's "
        "own default decides, and it may differ from registry to registry.",
    ),
    Rule(
        "SUBJECT_NAME_STRATEGY",
        "SPEC",
        "info",
        "A subject's name follows none of Confluent's subject name strategies "
        "(TopicNameStrategy `<topic>-key`/`<topic>-value`, RecordNameStrategy "
        "`<record full name>`, TopicRecordNameStrategy `<topic>-<record full name>`), "
        "so serializers configured with a standard strategy will not find it.",
    ),
    Rule(
        "REFERENCE_LATEST",
        "SPEC",
        "info",
        "A reference asks for version `latest`. The registry records the version that "
        "is latest when the plan is applied; a pinned number makes the dependency "
        "visible in review and stable across registries.",
    ),
    Rule(
        "DELETE_HARD",
        "SPEC",
        "warning",
        "A subject or version is marked `delete: hard`. A hard delete cannot be undone "
        "and frees nothing a soft delete does not; keep it for data that must go.",
    ),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _ALL}
