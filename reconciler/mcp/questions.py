"""Read-only tools for the questions an assistant asks about a live registry: versions,
schemas by id and who uses them, settings at each level, contexts, references,
statistics, and how two registries differ. Each reads through the registry client and
the workflows the CLI's export and migrate use; none writes."""

from __future__ import annotations

import asyncio
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from reconciler.engine import DEFAULT, context_prefix, qualify
from reconciler.workflows import compare_registries, list_contexts, read_registry, statistics

from .auth import READ, Access
from .errors import engine_errors
from .models import (
    Comparison,
    Contexts,
    ContextStatistics,
    DifferenceInfo,
    ReferencedBy,
    SchemaById,
    Settings,
    Statistics,
    SubjectsForId,
    SubjectVersionRef,
    Versions,
)
from .state import ServerState
from .tools import READ_ONLY, Context, RegistryName, known_context, registry_client

MAX_DIFFERENCES = 100
Subject = Annotated[
    str, Field(description="A subject name: qualified (':.ctx:name') or with context.")
]
SchemaId = Annotated[int, Field(ge=0, description="A schema id, as consumers see it.")]
Contexts_ = Annotated[
    list[str] | None, Field(description="Only these contexts ('.', '.billing'). Default: all.")
]


def register_question_tools(server: MCPServer, state: ServerState, access: Access) -> None:
    @server.tool(annotations=READ_ONLY)
    async def list_versions(
        registry: RegistryName,
        subject: Subject,
        context: Context = None,
        deleted: Annotated[bool, Field(description="Include soft-deleted versions.")] = False,
    ) -> Versions:
        """The version numbers a subject has in a registry, oldest first."""
        access.require(READ)
        async with registry_client(state.load(), registry) as client:
            name = qualify(await known_context(client, context), subject)
            numbers = await client.get_versions(name, deleted=deleted)
        return Versions(registry=registry, subject=name, versions=numbers)

    @server.tool(annotations=READ_ONLY)
    async def get_schema_by_id(
        registry: RegistryName,
        id: SchemaId,
        context: Annotated[
            str | None, Field(description="The context whose ids to look in. Default: '.'.")
        ] = None,
    ) -> SchemaById:
        """The schema a registry stores under an id (what a consumer decodes with)."""
        access.require(READ)
        async with registry_client(state.load(), registry) as client:
            where = await known_context(client, context)
            found = await client.get_schema_by_id(id, subject=context_prefix(where) or None)
        return SchemaById(
            registry=registry,
            id=id,
            schema_type=found.schema_type,
            schema_text=found.schema,
            references=list(found.references),
        )

    @server.tool(annotations=READ_ONLY)
    async def subjects_for_id(
        registry: RegistryName,
        id: SchemaId,
        deleted: Annotated[bool, Field(description="Include soft-deleted versions.")] = False,
    ) -> SubjectsForId:
        """Every subject and version that registers the schema with this id."""
        access.require(READ)
        async with registry_client(state.load(), registry) as client:
            found = await client.get_versions_for_id(id, deleted=deleted)
        return SubjectsForId(
            registry=registry,
            id=id,
            versions=[
                SubjectVersionRef(subject=v.subject, version=v.version, id=id) for v in found
            ],
        )

    @server.tool(annotations=READ_ONLY)
    async def get_settings(
        registry: RegistryName,
        subject: Annotated[
            str | None, Field(description="A subject: its own settings. Default: none.")
        ] = None,
        context: Annotated[
            str | None,
            Field(description="A context ('.billing'): its settings, or its subject's."),
        ] = None,
    ) -> Settings:
        """The compatibility level and mode at one level (the registry's global one, a
        context's, or a subject's): what is set there, and what applies there."""
        access.require(READ)
        async with registry_client(state.load(), registry) as client:
            where = await known_context(client, context)
            if subject is not None:
                level, target = "subject", qualify(where, subject)
            elif where != DEFAULT:
                level, target = "context", context_prefix(where)
            else:
                level, target = "global", None
            own_level, own_mode, level_applies, mode_applies = await asyncio.gather(
                client.get_config(target),
                client.get_mode(target),
                client.get_config(target, default_to_global=True),
                client.get_mode(target, default_to_global=True),
            )
        return Settings(
            registry=registry,
            level=level,  # type: ignore[arg-type]
            target=target or "",
            compatibility=own_level,
            mode=own_mode,
            effective_compatibility=level_applies,
            effective_mode=mode_applies,
        )

    @server.tool(annotations=READ_ONLY)
    async def get_contexts(registry: RegistryName) -> Contexts:
        """The contexts of a registry ('.' is the default one)."""
        access.require(READ)
        async with registry_client(state.load(), registry) as client:
            return Contexts(registry=registry, contexts=await list_contexts(client))

    @server.tool(annotations=READ_ONLY)
    async def referenced_by(
        registry: RegistryName,
        subject: Subject,
        version: Annotated[int, Field(ge=1, description="The version referenced.")],
        context: Context = None,
    ) -> ReferencedBy:
        """Which schemas reference a subject's version (they break if it goes), with the
        subjects and versions that register them."""
        access.require(READ)
        async with registry_client(state.load(), registry) as client:
            name = qualify(await known_context(client, context), subject)
            ids = await client.referenced_by(name, version)
            users = await asyncio.gather(*(client.get_versions_for_id(i) for i in ids))
        return ReferencedBy(
            registry=registry,
            subject=name,
            version=version,
            ids=ids,
            versions=[
                SubjectVersionRef(subject=v.subject, version=v.version, id=i)
                for i, found in zip(ids, users, strict=True)
                for v in found
            ],
        )

    @server.tool(name="statistics", annotations=READ_ONLY)
    async def statistics_tool(registry: RegistryName, contexts: Contexts_ = None) -> Statistics:
        """How much a registry holds per context: subjects, live versions, distinct schemas,
        subjects per schema type, and the context's compatibility and mode."""
        access.require(READ)
        async with registry_client(state.load(), registry) as client:
            contents = await read_registry(client, registry, tuple(contexts or ()))
        per_context = [ContextStatistics(**vars(c)) for c in statistics(contents)]
        return Statistics(
            registry=registry,
            subjects=sum(c.subjects for c in per_context),
            versions=sum(c.versions for c in per_context),
            schemas=sum(c.schemas for c in per_context),
            contexts=per_context,
        )

    @server.tool(name="compare_registries", annotations=READ_ONLY)
    async def compare_tool(
        left: RegistryName,
        right: RegistryName,
        contexts: Contexts_ = None,
        ids: Annotated[
            bool, Field(description="A version under another schema id differs too.")
        ] = False,
    ) -> Comparison:
        """How two registries of the project differ by meaning, as a plan compares: schemas
        by their normalized form, versions by number, compatibility and mode at each
        context and subject. Both ways; nothing is written."""
        access.require(READ)
        project = state.load()
        async with registry_client(project, left) as one, registry_client(project, right) as two:
            wanted = tuple(contexts or ())
            a, b = await asyncio.gather(
                read_registry(one, left, wanted), read_registry(two, right, wanted)
            )
        async with engine_errors():
            found = compare_registries(a, b, ids=ids)
        return Comparison(
            left=left,
            right=right,
            versions=found.versions,
            same=found.same,
            differences=len(found.differences),
            shown=[
                DifferenceInfo(
                    subject=d.subject,
                    what=d.what,
                    left=d.left,
                    right=d.right,
                    line=d.line(left, right),
                )
                for d in found.differences[:MAX_DIFFERENCES]
            ],
        )
