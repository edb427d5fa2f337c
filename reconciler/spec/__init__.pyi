"""The names of the door in __init__.py, for lazy_loader and type checkers."""

from ._checks import valid_entries
from ._errors import SpecError, SpecErrors
from ._load import load_project
from ._reads import RememberedReads
from ._remembered import RememberedValue
from ._results import ResultCache, result_key
from .model import (
    BasicAuth,
    BearerAuth,
    ContextSpec,
    LintConfig,
    LintIgnore,
    LintName,
    Location,
    Project,
    ReferenceSpec,
    RegistryConfig,
    SubjectSpec,
    TlsConfig,
    VersionSpec,
)

__all__ = [
    "BasicAuth",
    "BearerAuth",
    "ContextSpec",
    "LintConfig",
    "LintIgnore",
    "LintName",
    "Location",
    "Project",
    "ReferenceSpec",
    "RegistryConfig",
    "RememberedReads",
    "RememberedValue",
    "ResultCache",
    "SpecError",
    "SpecErrors",
    "SubjectSpec",
    "TlsConfig",
    "VersionSpec",
    "load_project",
    "result_key",
    "valid_entries",
]
