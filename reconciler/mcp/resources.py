"""Resources: registry status and the project's spec files.

``reconciler://specs/{path}`` serves only the files the project is made of
(the project file, the spec files and the schema files they name), never any
other file under the project directory: a ``.env`` next to them stays private.
"""

from __future__ import annotations

import json
from pathlib import Path

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError

from reconciler.engine import open_clients, targeted_registries
from reconciler.registry import RegistryError
from reconciler.spec import SpecErrors, load_project
from reconciler.spec.model import Project

from .auth import READ, Access
from .state import ServerState
from .tools import public_url


def _load(state: ServerState) -> Project:
    try:
        return load_project(state.project_dir)
    except SpecErrors as exc:
        raise ResourceError(f"the specs do not load: {exc.errors[0]}") from None


def project_files(project: Project) -> list[Path]:
    """Every file the project is made of, absolute."""
    files = [project.path] if project.path else []
    for spec in project.specs:
        files.append(spec.path)
        for subject in spec.subjects.values():
            files.append(subject.schema_path)
            files += [v.schema_path for v in subject.versions or ()]
    unique = {f.resolve() for f in files if f is not None}
    return sorted(f for f in unique if f.is_relative_to(project.root.resolve()))


def _relative(project: Project, path: Path) -> str:
    return path.relative_to(project.root.resolve()).as_posix()


def register_resources(server: MCPServer, state: ServerState, access: Access) -> None:
    @server.resource(
        "reconciler://registries",
        name="registries",
        description="The project's registries and the URI of each one's status.",
        mime_type="application/json",
    )
    def registries() -> str:
        access.require(READ, ResourceError)
        project = _load(state)
        return json.dumps(
            {name: f"reconciler://registries/{name}" for name in project.registries}, indent=2
        )

    @server.resource(
        "reconciler://registries/{name}",
        name="registry-status",
        description="A registry's status: URL (without credentials), readonly flag, global "
        "compatibility and mode, subject count, whether the specs target it.",
        mime_type="application/json",
    )
    async def registry_status(name: str) -> str:
        access.require(READ, ResourceError)
        project = _load(state)
        if name not in project.registries:
            raise ResourceNotFoundError(f"no registry {name!r} in the project file")
        try:
            async with open_clients(project, [name]) as clients:
                client = clients[name]
                status = {
                    "name": name,
                    "url": public_url(client),
                    "readonly": project.registries[name].readonly,
                    "targeted": name in targeted_registries(project),
                    "compatibility": await client.get_config(),
                    "mode": await client.get_mode(),
                    "subjects": len(await client.get_subjects()),
                }
        except RegistryError as exc:
            raise ResourceError(str(exc)) from None
        return json.dumps(status, indent=2)

    @server.resource(
        "reconciler://specs",
        name="specs",
        description="The files of the project (project file, specs, schemas), as spec URIs.",
        mime_type="application/json",
    )
    def specs() -> str:
        access.require(READ, ResourceError)
        project = _load(state)
        return json.dumps(
            [f"reconciler://specs/{_relative(project, f)}" for f in project_files(project)],
            indent=2,
        )

    @server.resource(
        "reconciler://specs/{+path}",
        name="spec-file",
        description="One file of the project, by its path relative to the project directory.",
        mime_type="text/plain",
    )
    def spec_file(path: str) -> str:
        access.require(READ, ResourceError)
        project = _load(state)
        wanted = (project.root / path).resolve()
        if wanted not in project_files(project):
            raise ResourceNotFoundError(f"{path} is not a file of the project")
        return wanted.read_text(encoding="utf-8")
