"""Read-only tools: registries, subjects, schemas, compatibility checks, spec validation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal
from urllib.parse import urlsplit, urlunsplit

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from reconciler.compatibility import LEVELS, Level, SchemaType, check, parse
from reconciler.engine import (
    DEFAULT,
    context_prefix,
    normalize_context,
    open_clients,
    qualify,
    targeted_registries,
    versions_to_check,
)
from reconciler.registry import RegistryClient
from reconciler.spec import SpecErrors, load_project
from reconciler.spec.model import Project
from reconciler.workflows import list_contexts

from .auth import READ, Access
from .errors import engine_errors
from .models import (
    CompatibilityResult,
    Incompatibility,
    Registries,
    RegistryInfo,
    SchemaVersionResult,
    Subjects,
    ValidationResult,
)
from .state import ServerState

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=True)
RegistryName = Annotated[str, Field(description="A registry name from the project file.")]
Context = Annotated[
    str | None,
    Field(
        description="A context: '.' (the default one) or '.name' ('name' is the same). "
        "Default: every context, or '.' for one subject."
    ),
]


def public_url(client: RegistryClient) -> str:
    """The registry's URL as shown to clients: no credentials, no query string."""
    parts = urlsplit(client.url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


@asynccontextmanager
async def registry_client(project: Project, name: str) -> AsyncIterator[RegistryClient]:
    """A client for one registry of the project, with engine failures as tool errors."""
    if name not in project.registries:
        known = ", ".join(project.registries) or "none"
        raise ToolError(f"no registry {name!r} in the project file (it names {known})")
    async with engine_errors(), open_clients(project, [name]) as clients:
        yield clients[name]


async def known_context(client: RegistryClient, context: str | None) -> str:
    """``context`` with its dot (``billing`` is ``.billing``); a tool error naming the
    registry's contexts when it has no such context (an empty list would read as "no
    subjects there")."""
    wanted = normalize_context(context)
    if wanted == DEFAULT:
        return wanted
    contexts = await list_contexts(client)
    if wanted not in contexts:
        raise ToolError(
            f"registry {client.display} has no context {wanted!r}; it has "
            f"{', '.join(repr(c) for c in contexts)}"
        )
    return wanted


def register_read_tools(server: MCPServer, state: ServerState, access: Access) -> None:
    @server.tool(annotations=READ_ONLY)
    async def list_registries() -> Registries:
        """List the registries of the project file: URL (without credentials), whether
        they are readonly, and whether the specs target them."""
        access.require(READ)
        project = state.load()
        targeted = set(targeted_registries(project))
        async with engine_errors(), open_clients(project, project.registries) as clients:
            infos = [
                RegistryInfo(
                    name=name,
                    url=public_url(client),
                    readonly=project.registries[name].readonly,
                    targeted=name in targeted,
                )
                for name, client in clients.items()
            ]
        return Registries(registries=infos, embedded_default=project.uses_embedded_default)

    @server.tool(annotations=READ_ONLY)
    async def list_subjects(
        registry: RegistryName,
        context: Context = None,
        prefix: Annotated[
            str | None, Field(description="Only subjects whose name starts with this.")
        ] = None,
        deleted: Annotated[bool, Field(description="Include soft-deleted subjects.")] = False,
    ) -> Subjects:
        """List the live subjects of a registry, optionally of one context or with a prefix.
        Subjects of a non-default context are qualified (':.ctx:name')."""
        access.require(READ)
        project = state.load()
        async with registry_client(project, registry) as client:
            where = context_prefix(await known_context(client, context)) if context else ""
            wanted = where + (prefix or "")
            names = await client.get_subjects(prefix=wanted or None, deleted=deleted)
        return Subjects(registry=registry, subjects=sorted(names))

    @server.tool(annotations=READ_ONLY)
    async def get_schema(
        registry: RegistryName,
        subject: Annotated[str, Field(description="The subject name (qualified or not).")],
        version: Annotated[
            int | Literal["latest"], Field(description="A version number, or 'latest'.")
        ] = "latest",
        context: Annotated[
            str | None, Field(description="The subject's context when its name is unqualified.")
        ] = None,
    ) -> SchemaVersionResult:
        """Read one version of a subject's schema from a registry, with its id and references."""
        access.require(READ)
        project = state.load()
        async with registry_client(project, registry) as client:
            name = qualify(await known_context(client, context), subject)
            found = await client.get_version(name, version)
        return SchemaVersionResult(
            registry=registry,
            subject=found.subject,
            version=found.version,
            id=found.id,
            schema_type=found.schema_type,
            schema_text=found.schema,
            references=list(found.references),
            metadata=found.metadata,
            rule_set=found.rule_set,
        )

    @server.tool(annotations=READ_ONLY)
    async def check_compatibility(
        schema_type: SchemaType,
        new_schema: Annotated[str, Field(description="The text of the new schema.")],
        level: Annotated[
            Level | None,
            Field(description="Default: BACKWARD, or the subject's level with registry+subject."),
        ] = None,
        previous_schemas: Annotated[
            list[str] | None,
            Field(description="Texts of the earlier versions, oldest first."),
        ] = None,
        registry: Annotated[
            str | None, Field(description="With subject: check against what it holds.")
        ] = None,
        subject: Annotated[str | None, Field(description="With registry.")] = None,
        references: Annotated[
            dict[str, str] | None,
            Field(
                description="Schemas the new one references: name -> text. Default with "
                "registry+subject: those the subject's latest version references."
            ),
        ] = None,
    ) -> CompatibilityResult:
        """Check a schema against earlier versions offline, with the same engine the planner
        and registries use: either previous_schemas, or the versions a registry's subject
        holds (as many as its level demands). Nothing is registered."""
        access.require(READ)
        if (registry is None) != (subject is None):
            raise ToolError("registry and subject go together")
        if registry is not None and previous_schemas:
            raise ToolError("give previous_schemas or registry+subject, not both")
        refs = dict(references or {})
        previous_texts: list[tuple[str, dict[str, str]]] = []
        labels: list[str] = []
        if registry is not None and subject is not None:
            project = state.load()
            async with registry_client(project, registry) as client:
                level, stored_versions = await versions_to_check(client, subject, level)
            if stored_versions and references is None:
                # The new version references what the latest one does (the usual case:
                # a field added to a record that uses Money); given ones take precedence.
                refs = dict(stored_versions[-1].references)
            for stored in stored_versions:
                if stored.schema_type != schema_type:
                    raise ToolError(
                        f"{subject} version {stored.version} is {stored.schema_type}, "
                        f"not {schema_type}"
                    )
                previous_texts.append((stored.schema, stored.references))
                labels.append(f"{subject} version {stored.version}")
        else:
            previous_texts = [(text, refs) for text in previous_schemas or []]
            labels = [f"previous_schemas[{i}]" for i in range(len(previous_texts))]
        level = level or "BACKWARD"
        if level not in LEVELS:
            raise ToolError(f"unknown level {level!r}")
        async with engine_errors():
            previous = [parse(schema_type, text, r) for text, r in previous_texts]
            result = check(schema_type, parse(schema_type, new_schema, refs), previous, level)
        return CompatibilityResult(
            compatible=result.compatible,
            schema_type=schema_type,
            level=level,
            previous=labels,
            messages=[
                Incompatibility(
                    rule=m.rule,
                    location=m.location,
                    message=m.message,
                    fix=m.fix,
                    against=labels[m.version - 1] if m.version else None,
                )
                for m in result.messages
            ],
        )

    @server.tool(annotations=ToolAnnotations(read_only_hint=True, open_world_hint=False))
    def validate_specs() -> ValidationResult:
        """Load and check the project file and spec files without contacting any registry:
        every error with FILE:LINE:COL."""
        access.require(READ)
        try:
            project = load_project(state.project_dir, plan_checks=True)  # as `validate`
        except SpecErrors as exc:
            return ValidationResult(ok=False, errors=[str(e) for e in exc.errors])
        return ValidationResult(
            ok=True,
            errors=[],
            warnings=[str(w) for w in project.warnings],
            spec_files=len(project.specs),
            subjects=sum(len(spec.subjects) for spec in project.specs),
            registries=list(project.registries),
        )
