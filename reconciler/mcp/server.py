"""Wiring: one ``MCPServer`` serving one project, over stdio or streamable HTTP."""

from __future__ import annotations

from pathlib import Path

from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer

from reconciler import __version__

from .auth import Access, JwtVerifier
from .planning import register_plan_tools
from .prompts import register_prompts
from .reports import register_report_tools
from .resources import register_resources
from .state import ServerState
from .tools import register_read_tools

INSTRUCTIONS = """\
reconciler: GitOps for Kafka schema registries. The desired state is the YAML
specs of the project this server serves; `plan` shows what apply would change
(review it with the review_plan prompt), and `apply` runs a plan made before,
after the user confirms. Nothing is written to a registry by any other tool.
"""


def build_server(
    project_dir: Path,
    *,
    verifier: JwtVerifier | None = None,
    resource_url: str | None = None,
    enforce_scopes: bool = False,
) -> MCPServer:
    """The server for the project in ``project_dir``.

    With a ``verifier`` (streamable HTTP with ``--issuer``) every HTTP request
    needs a valid bearer token and each tool checks its scope; ``resource_url``
    is this server's public URL, published as protected resource metadata.
    """
    auth = None
    if verifier is not None:
        auth = AuthSettings(
            issuer_url=verifier.issuer,
            resource_server_url=resource_url,
            # The verifier checks the audience itself (RFC 8707 resource indicators
            # are one way to set it; a fixed --audience is another).
            validate_token_resource=False,
        )
    server: MCPServer = MCPServer(
        "reconciler",
        version=__version__,
        instructions=INSTRUCTIONS,
        token_verifier=verifier,
        auth=auth,
    )
    state = ServerState(project_dir.resolve())
    access = Access(enforced=enforce_scopes)
    register_read_tools(server, state, access)
    register_plan_tools(server, state, access)
    register_report_tools(server, state, access)
    register_resources(server, state, access)
    register_prompts(server, state, access)
    return server
