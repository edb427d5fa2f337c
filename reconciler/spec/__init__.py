"""Desired state: the project file and spec files, loaded and validated.

``load_project(root)`` returns a ``Project`` (see ``model``) or raises
``SpecErrors`` with every problem found, each a ``SpecError`` whose ``str()``
is ``FILE:LINE:COL: message``. The format is documented in docs/spec-format.md
and published as JSON Schema under ``specs/``.
"""

from ._errors import SpecError, SpecErrors
from ._load import load_project
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
    "SpecError",
    "SpecErrors",
    "SubjectSpec",
    "TlsConfig",
    "VersionSpec",
    "load_project",
]
