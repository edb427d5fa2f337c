"""``drift``, ``export`` and ``lint``: reports, returned instead of printed or written."""

from __future__ import annotations

import functools
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from reconciler._words import plural
from reconciler.engine import PlanOptions
from reconciler.lint import LintSettingsError
from reconciler.lint import lint as lint_project
from reconciler.spec import SpecErrors
from reconciler.workflows import (
    EditedFilesError,
    check_exported,
    exported_files,
    raw_entry,
    read_registry,
    relocate,
    write_project_file,
    write_specs,
)
from reconciler.workflows import check as drift_check

from .auth import READ, Access
from .models import DriftResult, ExportResult, LintResult
from .planning import run_planning
from .state import ServerState
from .tools import READ_ONLY, RegistryName, registry_client

EXPORT_DIR = ".reconcile/export"  # local state: git-ignored, as the journal is


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
        check = functools.partial(drift_check, journal_dir=state.journal_path(project))
        report, _, _ = await run_planning(
            state, project, tuple(registries or ()), PlanOptions(), check
        )
        return DriftResult(
            status=report.status.name.lower(),  # type: ignore[arg-type]
            report=report.to_json(),
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
        except LintSettingsError as exc:
            raise ToolError(str(exc)) from None
        return LintResult(
            report=report.to_json(project.root),
            text="\n".join(str(f) for f in report.findings) or "No findings.",
        )

    @server.tool(
        annotations=ToolAnnotations(
            read_only_hint=False,
            destructive_hint=False,
            idempotent_hint=True,
            open_world_hint=True,
        )
    )
    async def export(
        registry: RegistryName,
        contexts: Annotated[
            list[str] | None, Field(description="Only these contexts. Default: every context.")
        ] = None,
        history: Annotated[
            bool, Field(description="Every version with its number and id pinned.")
        ] = False,
        directory: Annotated[
            str | None,
            Field(
                description="Where to write, relative to the project directory and inside it. "
                f"Default: {EXPORT_DIR}/<registry>."
            ),
        ] = None,
    ) -> ExportResult:
        """Write what a registry holds as a loadable project (spec files, schema files and,
        when the directory has none, a project file), as `reconcile export --out` does.
        Returns where and what was written; changes no registry. A file edited since the
        last export there is never overwritten. An error when the written project does not
        load back (a schema over the project's size limit, say)."""
        access.require(READ)
        project = state.load()
        root = project.root.resolve()
        out = (root / (directory or f"{EXPORT_DIR}/{registry}")).resolve()
        if not out.is_relative_to(root):
            raise ToolError(f"{directory} is outside the project directory; export writes inside")
        async with registry_client(project, registry) as client:
            contents = await read_registry(client, registry, tuple(contexts or ()))
        files = exported_files(contents, registry, out, history=history)
        try:
            written = write_specs(files, out, contexts=tuple(contexts or ()))
        except EditedFilesError as exc:
            edited = ", ".join(p.relative_to(root).as_posix() for p in exc.paths[:10])
            raise ToolError(
                f"{plural(len(exc.paths), 'file')} changed since the last export there would be "
                f"overwritten or removed ({edited}); nothing was written. Choose another "
                "directory."
            ) from None
        entry = relocate(raw_entry(project.path, registry), root, out)
        project_file = write_project_file(out, registry, entry)
        try:  # as `reconcile export`: never a success for files that do not load back
            check_exported(out, written.files)
        except SpecErrors as exc:
            lines = [str(error) for error in exc.errors]
            raise ToolError(
                f"the exported project in {out.relative_to(root).as_posix()} does not load "
                f"({plural(len(lines), 'error')}):\n" + "\n".join(lines)
            ) from None
        return ExportResult(
            registry=registry,
            subjects=contents.subject_count,
            versions=sum(1 for _ in contents.versions()),
            directory=out.relative_to(root).as_posix() or ".",
            spec_files=[p.relative_to(out).as_posix() for p in written.specs],
            schema_files=written.schema_files,
            project_file=project_file.relative_to(out).as_posix() if project_file else None,
        )
