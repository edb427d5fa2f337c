"""Pydantic models of the YAML as written: the source of the published JSON Schema.

They check shape and vocabulary only (unknown keys, types, levels, modes).
Rules that need a file system or other files (schema paths, registry names,
mutually exclusive keys, reported at the offending key) live in ``_resolve``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from reconciler.compatibility import Level

from .model import DEFAULT_MAX_DELETES, DEFAULT_SCHEMA_BYTES

Mode = Literal["READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT"]
SchemaType = Literal["AVRO", "JSON", "PROTOBUF"]
DeleteKind = Literal["soft", "hard"]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")]

DEFAULT_SPEC_GLOBS = ["specs/**/*.yaml", "specs/**/*.yml"]


def _schema_value(value: Any) -> Any:
    if isinstance(value, str | dict | list):
        return value
    raise ValueError("expected a file path, inline schema text or an inline JSON mapping")


def _reference_version(value: Any) -> Any:
    if value == "latest" or (type(value) is int and value >= 1):
        return value
    raise ValueError("expected a version number (1, 2, ...) or 'latest'")


SchemaValue = Annotated[
    Any,
    BeforeValidator(_schema_value),
    WithJsonSchema(
        {
            "description": "A file path relative to the spec file, inline schema text "
            "(multi-line, containing '{', or starting with '[' or '\"'), or an inline "
            "JSON/Avro schema written as YAML.",
            "anyOf": [{"type": "string", "minLength": 1}, {"type": "object"}, {"type": "array"}],
        }
    ),
]
ReferenceVersion = Annotated[
    Any,
    BeforeValidator(_reference_version),
    WithJsonSchema(
        {"anyOf": [{"type": "integer", "minimum": 1}, {"const": "latest"}], "default": "latest"}
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", model_title_generator=lambda cls: cls.__name__.removesuffix("Raw")
    )


# --- project file -----------------------------------------------------------------


class BasicAuthRaw(_Model):
    username: str
    password: str


class OAuthRaw(_Model):
    """OAuth 2.0 client credentials (Confluent Cloud, Confluent Platform with OAuth)."""

    token_url: str = Field(description="The authorization server's token endpoint.")
    client_id: str
    client_secret: str = Field(description="Normally ${VAR}.")
    scope: str | None = None
    audience: str | None = None


class AuthRaw(_Model):
    """Exactly one of ``basic``, ``bearer`` or ``oauth``; values normally come from ``${VAR}``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [{"required": ["basic"]}, {"required": ["bearer"]}, {"required": ["oauth"]}]
        },
    )

    basic: BasicAuthRaw | None = None
    bearer: str | None = Field(None, description="Bearer token, e.g. ${SR_TOKEN}.")
    oauth: OAuthRaw | None = None


class TlsRaw(_Model):
    ca_file: str | None = Field(None, description="PEM CA bundle (relative to the project).")
    cert_file: str | None = Field(None, description="PEM client certificate.")
    key_file: str | None = Field(None, description="PEM client key (with cert_file).")
    verify: bool = True


class RegistryRaw(_Model):
    """One registry: ``url``, or ``urls`` for one registry served at several addresses."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"oneOf": [{"required": ["url"]}, {"required": ["urls"]}]},
    )

    url: str | None = Field(
        None, description="http(s)://... or local:PATH (the embedded registry)."
    )
    urls: list[str] | None = Field(
        None,
        min_length=1,
        description="Several http(s):// URLs of one registry (its cluster's nodes, or "
        "load balancers), tried in order: requests fail over to the next on connection "
        "errors and 5xx. Instead of url.",
    )
    auth: AuthRaw | None = None
    tls: TlsRaw | None = None
    readonly: bool = Field(False, description="Never write to this registry.")
    allow: list[Literal["register", "config", "mode", "delete", "import"]] | None = Field(
        None,
        description="The kinds of write this registry accepts (default: all); a plan that "
        "needs another is refused before any write.",
    )
    timeout: float = Field(30.0, gt=0, description="Request timeout in seconds.")
    proxy: str | None = Field(
        None,
        description="http://[USER:PASSWORD@]HOST[:PORT] of the HTTP proxy to reach this "
        "registry through (credentials from ${VAR}); default: HTTPS_PROXY, HTTP_PROXY, "
        "ALL_PROXY and NO_PROXY from the environment.",
    )
    compatibility: Level | None = Field(None, description="Global compatibility level.")
    mode: Mode | None = Field(None, description="Global mode.")


class LintRaw(_Model):
    """``lint:`` in the project file: what ``reconcile lint`` leaves out, and when it fails."""

    skip: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list, description="Rule IDs or categories not to run (docs/lint.md)."
    )
    ignore: dict[str, list[Annotated[str, Field(min_length=1)]]] = Field(
        default_factory=dict,
        description="Rule ID or category -> glob patterns of files (relative to the project "
        "directory) whose findings of that rule are dropped.",
    )
    fail_on: Literal["error", "warning", "info", "never"] | None = Field(
        None, description="Exit 1 when a finding is at least this severe (default: warning)."
    )


class LimitsRaw(_Model):
    """``limits:`` in the project file: input sizes refused before they are read."""

    schema_bytes: int = Field(
        DEFAULT_SCHEMA_BYTES,
        gt=0,
        description="The largest schema, in bytes (a schema file's size, an inline "
        "schema's UTF-8 length); 1 MiB by default.",
    )


class ProjectRaw(_Model):
    """``reconcile.yaml``: the registries and where the spec files are."""

    version: Literal[1] = Field(description="Format version; always 1.")
    registries: dict[Name, RegistryRaw] | None = Field(
        None, description="Registries by name; none: the embedded local registry."
    )
    specs: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=lambda: list(DEFAULT_SPEC_GLOBS),
        description="Glob patterns of spec files, relative to the project directory.",
    )
    max_deletes: int = Field(
        DEFAULT_MAX_DELETES,
        ge=0,
        description="A plan deleting more subjects or versions than this is refused.",
    )
    lint: LintRaw | None = Field(None, description="Settings of `reconcile lint`.")
    limits: LimitsRaw = Field(default_factory=LimitsRaw, description="Input limits.")


# --- spec file ----------------------------------------------------------------------


class RuleRaw(_Model):
    """A data-contract rule, with Confluent's own field names."""

    name: str
    kind: Literal["TRANSFORM", "CONDITION"] | None = Field(
        None, description="TRANSFORM when left out, as Confluent defaults it."
    )
    mode: Literal["UPGRADE", "DOWNGRADE", "UPDOWN", "READ", "WRITE", "WRITEREAD"] | None = Field(
        None, description="WRITEREAD when left out, as Confluent defaults it."
    )
    type: str
    doc: str | None = None
    tags: list[str] | None = None
    params: dict[str, str] | None = None
    expr: str | None = None
    onSuccess: str | None = None
    onFailure: str | None = None
    disabled: bool | None = None


class RuleSetRaw(_Model):
    migrationRules: list[RuleRaw] | None = None
    domainRules: list[RuleRaw] | None = None
    encodingRules: list[RuleRaw] | None = None


class MetadataRaw(_Model):
    tags: dict[str, list[str]] | None = None
    properties: dict[str, str] | None = None
    sensitive: list[str] | None = None


class ReferenceRaw(_Model):
    name: str = Field(description="Avro full name, JSON $ref URL or Protobuf import path.")
    subject: str = Field(description="Referenced subject (':.ctx:subject' for another context).")
    version: ReferenceVersion = "latest"


class _Contract(_Model):
    metadata: MetadataRaw | None = Field(None, description="Data contract metadata.")
    rule_set: RuleSetRaw | None = Field(None, description="Data contract rules (ruleSet).")


class VersionRaw(_Contract):
    type: SchemaType | None = Field(
        None,
        description="This version's schema type, when the history changed type; "
        "default: the subject's `type`.",
    )
    version: int | None = Field(None, ge=1)
    id: int | None = Field(None, ge=1, description="Pinned schema id (IMPORT mode).")
    schema_: SchemaValue = Field(alias="schema")
    references: list[ReferenceRaw] = Field(default_factory=list)
    delete: DeleteKind | None = Field(None, description="Delete this version.")


class SubjectRaw(_Contract):
    # The loader checks these at the offending key; the JSON Schema says them for editors.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "allOf": [
                {"not": {"required": ["schema", "versions"]}},
                {
                    "if": {"required": ["delete"]},
                    "then": {
                        "not": {"anyOf": [{"required": ["schema"]}, {"required": ["versions"]}]}
                    },
                },
            ]
        },
    )

    type: SchemaType = "AVRO"
    schema_: SchemaValue = Field(None, alias="schema", description="The desired latest version.")
    versions: list[VersionRaw] | None = Field(None, description="The pinned history.")
    references: list[ReferenceRaw] = Field(default_factory=list)
    compatibility: Level | None = None
    mode: Mode | None = None
    normalize: bool = False
    delete: DeleteKind | None = Field(None, description="Delete the whole subject.")


class SpecRaw(_Model):
    """A spec file: one context of one or more registries."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"not": {"required": ["registry", "registries"]}}
    )

    registry: Name | None = None
    registries: list[Name] | None = None
    context: str = Field(".", description="'.' is the default context.")
    compatibility: Level | None = Field(None, description="Context-level compatibility.")
    mode: Mode | None = Field(None, description="Context-level mode.")
    prune: bool = Field(False, description="Delete subjects of this context not listed here.")
    protected: list[str] = Field(
        default_factory=list, description="Subject glob patterns that are never deleted."
    )
    subjects: dict[str, SubjectRaw | None] = Field(default_factory=dict)
