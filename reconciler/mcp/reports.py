"""``drift``, ``export`` and ``lint``: reports, returned instead of printed or written."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from reconciler.engine import PlanOptions
from reconciler.lint import UnknownRuleError
from reconciler.lint import lint as lint_project
from reconciler.workflows import context_specs, read_registry
from reconciler.workflows.drift import check as drift_check
from reconciler.workflows.export import export_files

from .auth import READ, Access
from .models import DriftResult, ExportedFile, ExportResult, LintResult
from .planning import run_planning
from .state import ServerState
from .tools import READ_ONLY, RegistryName, registry_client


def register_report_tools(server: MCPServer, state: ServerState, access: Access) -> None:
    @server.tool(annotations=READ_ONLY)
    async def drift(
        registries: Annotated[
            list[str] | None,
            Field(description="Only these registries. Default: every registry the specs target."),
        ] = None,
    ) -> DriftResult:
        """Report how the live registries differ from the specs (`reconcile drift`): each
        difference with what the registry holds and what the specs want. Changes nothing."""
        access.require(READ)
        project = state.load()
        report, _, _ = await run_planning(
            state, project, tuple(registries or ()), PlanOptions(), drift_check
        )
        return DriftResult(
            status=report.status.name.lower(),  # type: ignore[arg-type]
            report=report.to_dict(),
            text="\n".join(report.to_text()),
        )

    @server.tool(annotations=ToolAnnotations(read_only_hint=True, open_world_hint=False))
    def lint(
        only: Annotated[
            list[str] | None,
            Field(description="Only these rule IDs or categories (CORRECTNESS, EVOLUTION, ...)."),
        ] = None,
        skip: Annotated[
            list[str] | None, Field(description="Leave out these rule IDs or categories.")
        ] = None,
    ) -> LintResult:
        """Check the specs and their schemas against conventions plan and apply do not
        enforce (`reconcile lint`): each finding names its rule, file and line. Contacts
        nothing."""
        access.require(READ)
        project = state.load()
        try:
            report = lint_project(project, only=only or (), skip=skip or ())
        except UnknownRuleError as exc:
            raise ToolError(str(exc)) from None
        return LintResult(
            report=report.to_json(project.root),
            text="\n".join(str(f) for f in report.findings) or "No findings.",
        )

    @server.tool(annotations=READ_ONLY)
    async def export(
        registry: RegistryName,
        contexts: Annotated[
            list[str] | None, Field(description="Only these contexts. Default: every context.")
        ] = None,
        history: Annotated[
            bool, Field(description="Every version with its number and id pinned.")
        ] = False,
    ) -> ExportResult:
        """What a registry holds, as the spec and schema files `reconcile export` would write
        (paths relative to the project root). Returns their contents; writes nothing."""
        access.require(READ)
        project = state.load()
        async with registry_client(project, registry) as client:
            contents = await read_registry(client, registry, tuple(contexts or ()))
        specs = context_specs(contents, registry, project.root, history=history, keep_ids=history)
        files = [
            ExportedFile(path=path, content=content)
            for path, content in sorted(export_files(specs).items())
        ]
        return ExportResult(
            registry=registry,
            subjects=contents.subject_count,
            versions=sum(1 for _ in contents.versions()),
            files=files,
        )
