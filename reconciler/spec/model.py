"""The desired state after loading: what the engine consumes.

These are the *resolved* forms: environment variables interpolated, schema
files read, defaults applied. Every object keeps the ``Location`` it came
from so that later stages (planning, compatibility verdicts) can still point
at a file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

DEFAULT_CONTEXT = "."
EMBEDDED_REGISTRY_NAME = "local"
EMBEDDED_REGISTRY_URL = "local:.reconcile/registry.db"


@dataclass(frozen=True)
class Location:
    file: Path
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class BasicAuth:
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class BearerAuth:
    token: str = field(repr=False)


@dataclass(frozen=True)
class TlsConfig:
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    verify: bool = True


@dataclass(frozen=True)
class RegistryConfig:
    """One registry of the project file. ``compatibility``/``mode`` are global config."""

    name: str
    url: str
    auth: BasicAuth | BearerAuth | None = None
    tls: TlsConfig | None = None
    readonly: bool = False
    timeout: float = 30.0
    compatibility: str | None = None
    mode: str | None = None
    location: Location | None = None

    @property
    def is_local(self) -> bool:
        return self.url.startswith("local:")


@dataclass(frozen=True)
class ReferenceSpec:
    name: str
    subject: str
    version: int | Literal["latest"]
    location: Location | None = None


@dataclass(frozen=True)
class VersionSpec:
    """One pinned version of a subject's history (``versions:``)."""

    schema: str
    version: int | None = None
    id: int | None = None
    references: tuple[ReferenceSpec, ...] = ()
    schema_path: Path | None = None
    location: Location | None = None


@dataclass(frozen=True)
class SubjectSpec:
    name: str  # unqualified subject name, as written in the spec
    type: str = "AVRO"
    schema: str | None = None  # desired latest version's text
    schema_path: Path | None = None
    versions: tuple[VersionSpec, ...] | None = None
    references: tuple[ReferenceSpec, ...] = ()
    compatibility: str | None = None
    mode: str | None = None
    normalize: bool = False
    delete: Literal["soft", "hard"] | None = None
    location: Location | None = None


@dataclass(frozen=True)
class ContextSpec:
    """One spec file: one context of one or more registries."""

    path: Path
    registries: tuple[str, ...]
    context: str = DEFAULT_CONTEXT
    compatibility: str | None = None
    mode: str | None = None
    prune: bool = False
    protected: tuple[str, ...] = ()
    subjects: dict[str, SubjectSpec] = field(default_factory=dict)
    location: Location | None = None


@dataclass(frozen=True)
class Project:
    root: Path
    path: Path | None  # the reconcile.yaml; None when the project file is absent
    registries: dict[str, RegistryConfig]
    specs: tuple[ContextSpec, ...]
    uses_embedded_default: bool = False  # no registry configured: the embedded one
