"""Schema parsing, canonical forms and compatibility rules for AVRO, JSON, PROTOBUF.

This is the single compatibility engine of the product: the planner, the local
registry, the CLI (`reconcile compat`) and the MCP server all call these
functions, so a verdict computed offline is the verdict the registry gives.

Public API:

- ``parse(schema_type, text, references)`` -> ``ParsedSchema`` or raises
  ``InvalidSchemaError``; ``validate`` (same arguments) only raises, as
  ``parse`` would, for callers that want the verdict alone (a spec load).
- ``ParsedSchema.canonical``: the form the registry stores and uses for
  identity (same canonical form -> same id); ``ParsedSchema.normalized``: the
  ``normalize=true`` form, used by the planner for equality by meaning;
  ``ParsedSchema.fingerprint``: sha256 of the normalized form.
- ``check(schema_type, new, previous, level, references)`` -> ``Result``.
- ``diff(schema_type, old, new, references)`` -> ``list[Difference]``: every
  change, compatible or not, named and located as Confluent's registry does.
- ``avro_named_types(doc)``: the records, enums and fixed a decoded Avro
  document defines, by full name.
- ``invalid_defaults(parsed)``: the Avro field defaults a registry refuses when
  registering (Java's rule); empty for other types.
- ``formatted(parsed, format)``: the text Confluent answers for a read with
  ``?format=`` (Avro ``resolved``, Protobuf ``serialized``/``ignore_extensions``).
- ``protobuf_file(parsed)``: protoc's ``FileDescriptorProto`` of a PROTOBUF
  schema, for tools that read its declarations (the linter);
  ``protobuf_leading_zeros(text)`` the numbers a schema writes as ``010``, which
  Confluent reads as 10 and protoc as 8.
- ``RULES`` / ``rule(rule_id)``: the catalogue of every rule ID the checks
  emit (``Rule``: the change it names, whether it is BACKWARD / FORWARD
  compatible, why, and the fix).
"""

from ._api import (
    avro_named_types,
    check,
    diff,
    formatted,
    invalid_defaults,
    parse,
    protobuf_file,
    protobuf_leading_zeros,
    validate,
)
from ._java_numbers import has_float, java_double_text
from ._rules import RULES, Rule, rule
from ._types import (
    LEVELS,
    SCHEMA_TYPES,
    Difference,
    InvalidSchemaError,
    Level,
    Message,
    ParsedSchema,
    Result,
    SchemaType,
)

__all__ = [
    "LEVELS",
    "RULES",
    "SCHEMA_TYPES",
    "Difference",
    "InvalidSchemaError",
    "Level",
    "Message",
    "ParsedSchema",
    "Result",
    "Rule",
    "SchemaType",
    "avro_named_types",
    "check",
    "diff",
    "formatted",
    "has_float",
    "invalid_defaults",
    "java_double_text",
    "parse",
    "protobuf_file",
    "protobuf_leading_zeros",
    "rule",
    "validate",
]
