"""Confluent Schema Registry's own rules, in one place for every layer.

How a ``:.ctx:subject`` name splits (:mod:`.subjects`), which level's
compatibility and mode are in force and what each mode refuses
(:mod:`.levels`), the ``error_code`` values (:mod:`.codes`), and a schema
reference's wire form (:mod:`.references`). The engine, the registry client
and the local registry all follow these rules, so this package is a leaf: it
imports nothing else from ``reconciler``. Each rule names the Confluent source
it is read from (confluentinc/schema-registry).
"""

from .codes import ErrorCode
from .levels import (
    DEFAULT_LEVEL,
    DEFAULT_MODE,
    GLOBAL_CONTEXT_LEVEL,
    MODES,
    TOP_LEVEL,
    WRITE_BLOCKING_MODES,
    in_force,
    lookup_chain,
    own_or_default,
    reads_global_context,
    transitive,
    versions_checked,
)
from .references import Reference
from .subjects import (
    CONTEXT_WILDCARD,
    DEFAULT_CONTEXT,
    GLOBAL_CONTEXT,
    QualifiedSubject,
    context_prefix,
    is_valid_subject,
    normalize_context,
)

__all__ = [
    "CONTEXT_WILDCARD",
    "DEFAULT_CONTEXT",
    "DEFAULT_LEVEL",
    "DEFAULT_MODE",
    "GLOBAL_CONTEXT",
    "GLOBAL_CONTEXT_LEVEL",
    "MODES",
    "TOP_LEVEL",
    "WRITE_BLOCKING_MODES",
    "ErrorCode",
    "QualifiedSubject",
    "Reference",
    "context_prefix",
    "in_force",
    "is_valid_subject",
    "lookup_chain",
    "normalize_context",
    "own_or_default",
    "reads_global_context",
    "transitive",
    "versions_checked",
]
