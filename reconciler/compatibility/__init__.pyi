"""The names of the door in __init__.py, for lazy_loader and type checkers."""

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
