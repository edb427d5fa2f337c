"""The desired state after loading: what the engine consumes.

These are the *resolved* forms: environment variables interpolated, schema
files read, defaults applied. Every object keeps the ``Location`` it came
from so that later stages (planning, compatibility verdicts) can still point
at a file and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from reconciler.registry import BasicAuth, BearerAuth, OAuthClientCredentials, TlsConfig

if TYPE_CHECKING:
    from ._errors import SpecError

DEFAULT_CONTEXT = "."
EMBEDDED_REGISTRY_NAME = "local"
EMBEDDED_REGISTRY_URL = "local:.reconcile/registry.db"
DEFAULT_MAX_DELETES = 10
# The largest schema read (a file's size, an inline schema's UTF-8 length):
# a Confluent registry cannot store one this large anyway.
DEFAULT_SCHEMA_BYTES = 1024 * 1024


_C = TypeVar("_C", bound=type)


def _quick(cls: _C) -> _C:
    """``cls``, a frozen dataclass, with an ``__init__`` that fills the instance's
    ``__dict__`` (the same attributes, the same signature) instead of setting each
    field by ``object.__setattr__``, as a frozen dataclass's does: a ``VersionSpec``
    ~3.5 -> ~1 us to make, 50,000 of them at 10,000 subjects x 5 versions (a
    load, an export). Only for fields with plain defaults (no ``default_factory``)
    and no ``__post_init__``."""
    names = [f.name for f in fields(cls)]
    defaults = {f"_{f.name}": f.default for f in fields(cls) if f.default is not MISSING}
    assert all(f.default_factory is MISSING for f in fields(cls))
    assert not hasattr(cls, "__post_init__")
    parameters = ", ".join(n if f"_{n}" not in defaults else f"{n}=_{n}" for n in names)
    body = "".join(f"\n    d[{n!r}] = {n}" for n in names)
    exec(f"def __init__(self, {parameters}):\n    d = self.__dict__{body}", defaults)
    made = defaults["__init__"]
    made.__qualname__ = f"{cls.__qualname__}.__init__"
    made.__annotations__ = cls.__init__.__annotations__  # the dataclass's, for introspection
    cls.__init__ = made  # type: ignore[misc]
    return cls


@lru_cache(maxsize=4096)
def _shown_path(file: Path, root: Path | None) -> str:
    """``Location.path``, worked out once per file: a plan names the spec file of each
    of its 10,000 subjects, and pathlib's ``relative_to`` costs ~30 us each time."""
    if root is not None and file.is_relative_to(root):
        return file.relative_to(root).as_posix()
    return str(file)


@_quick
@dataclass(frozen=True, eq=False)
class Location:
    """A place in a file. ``file`` is absolute (it is read again: lint, schema lines);
    ``root`` is the project directory, which ``str()`` and ``path`` show it relative to."""

    file: Path
    line: int  # 1-based
    column: int  # 1-based
    root: Path | None = field(default=None, repr=False)

    def __eq__(self, other: object) -> bool:
        """By file, line and column (not ``root``), whatever the class: a location looked
        up when first read (``_document.Later``) equals the one made at once."""
        if not isinstance(other, Location):
            return NotImplemented
        return (self.file, self.line, self.column) == (other.file, other.line, other.column)

    def __hash__(self) -> int:
        return hash((self.file, self.line, self.column))

    @property
    def path(self) -> str:
        """The file as users see it: relative to the project root ("/"-separated) when
        inside it, else as is. Every message, view and annotation names files this way."""
        return _shown_path(self.file, self.root)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class RegistryConfig:
    """One registry of the project file. ``compatibility``/``mode`` are global config."""

    name: str
    url: str
    auth: BasicAuth | BearerAuth | OAuthClientCredentials | None = None
    tls: TlsConfig | None = None
    readonly: bool = False
    timeout: float = 30.0
    compatibility: str | None = None
    # http://[user:pw@]host[:port]; None: the environment's (HTTPS_PROXY, NO_PROXY...)
    proxy: str | None = None
    # Every URL, in order, when the project file lists ``urls:`` (``url`` is the first):
    # requests fail over from one to the next (docs/registry-client.md).
    urls: tuple[str, ...] = ()
    allow: tuple[str, ...] | None = None  # kinds of write accepted (engine/policy.py); None: all
    mode: str | None = None
    location: Location | None = None
    # ``FILE:LINE:COL: environment variable X is not set`` for each ``${VAR}`` of
    # this registry that could not be resolved: the registry is unusable (its
    # URL or credentials are incomplete), but only an error where it is used.
    unresolved: tuple[str, ...] = ()

    @property
    def is_local(self) -> bool:
        return self.url.startswith("local:")


@_quick
@dataclass(frozen=True)
class ReferenceSpec:
    name: str
    subject: str
    version: int | Literal["latest"]
    location: Location | None = None


@_quick
@dataclass(frozen=True)
class VersionSpec:
    """One pinned version of a subject's history (``versions:``)."""

    schema: str
    version: int | None = None
    id: int | None = None
    references: tuple[ReferenceSpec, ...] = ()
    schema_path: Path | None = None
    location: Location | None = None
    # Data contract (Confluent's ``metadata``/``ruleSet`` JSON objects, verbatim):
    # part of the schema's identity, sent with the registration.
    metadata: Mapping[str, Any] | None = None
    rule_set: Mapping[str, Any] | None = None
    delete: Literal["soft", "hard"] | None = None  # delete this version
    type: str | None = None  # this version's schema type when not the subject's

    def type_in(self, subject: SubjectSpec) -> str:
        return self.type or subject.type


@_quick
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
    metadata: Mapping[str, Any] | None = None  # data contract of ``schema``
    rule_set: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ContextSpec:
    """One spec file: one context of one or more registries.

    ``context`` is written the way the registry lists contexts: ``"."`` for the
    default context, ``".name"`` otherwise (a spec's ``context: name`` gets the dot).
    """

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
class LintName:
    """A rule ID or category written in the project's ``lint:`` block, and where.

    The spec layer does not know the rules; ``reconcile lint`` checks the
    names and reports an unknown one at this location.
    """

    name: str
    location: Location | None = None


@dataclass(frozen=True)
class LintIgnore:
    rule: LintName
    paths: tuple[str, ...]  # globs, relative to the project directory, "/"-separated


@dataclass(frozen=True)
class LintConfig:
    skip: tuple[LintName, ...] = ()
    ignore: tuple[LintIgnore, ...] = ()
    fail_on: Literal["error", "warning", "info", "never"] | None = None


@dataclass(frozen=True)
class Project:
    root: Path
    path: Path | None  # the reconcile.yaml (load_project refuses a project without one)
    registries: dict[str, RegistryConfig]
    specs: tuple[ContextSpec, ...]
    uses_embedded_default: bool = False  # no registry configured: the embedded one
    # A plan deleting more subjects or versions than this is refused.
    max_deletes: int = DEFAULT_MAX_DELETES
    lint: LintConfig = LintConfig()
    # Problems that do not stop a load (e.g. a reference to a subject outside the
    # specs, whose content could therefore not be validated).
    warnings: tuple[SpecError, ...] = ()
    # The project cache's key of the files and variables the specs were made from
    # (spec/_cache.py, ``ProjectCache``), when the load kept or reused them: equal for
    # loads of the same inputs by the same code (engine/remembered_diffs.py).
    inputs: str | None = field(default=None, compare=False)
