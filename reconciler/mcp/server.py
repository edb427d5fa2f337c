"""Wiring: one ``MCPServer`` serving one project, over stdio or streamable HTTP."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from mcp.server.auth.routes import build_resource_metadata_url
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import Context, MCPServer
from mcp_types import CallToolResult
from pydantic import AnyHttpUrl
from starlette.types import ASGIApp

from reconciler import __version__
from reconciler.engine import acting_as, open_clients
from reconciler.service import METRICS, ServiceApp, log_context

from .auth import Access, BearerGate, IntrospectionVerifier, JwtVerifier, principal
from .evolve import register_evolve_tool
from .migrating import register_migrate_tool
from .planning import register_plan_tools
from .prompts import register_prompts
from .questions import register_question_tools
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

READY_TIMEOUT = 5.0  # seconds for every registry to answer a readiness probe

log = logging.getLogger("reconciler.mcp")


MAX_REGISTRY_LABELS = 32  # names come from callers: a bound on the metrics' cardinality
_registry_labels: set[str] = set()


def _registry_label(arguments: dict[str, Any]) -> str:
    """The registry a tool call is about, as a metric label ('all' when not one; 'other'
    past MAX_REGISTRY_LABELS distinct names, since a caller may send any name)."""
    name = "all"
    one, many = arguments.get("registry"), arguments.get("registries")
    if isinstance(one, str):
        name = one
    elif isinstance(many, list) and len(many) == 1 and isinstance(many[0], str):
        name = many[0]
    if name != "all" and name not in _registry_labels:
        if len(_registry_labels) >= MAX_REGISTRY_LABELS:
            return "other"
        _registry_labels.add(name)
    return name


def _who() -> str | None:
    caller = principal()
    if caller is None:
        return None
    client, _issuer, subject = caller
    return subject or client


class _InstrumentedServer(MCPServer):
    """``MCPServer`` that times, counts and logs every tool call (reconciler/service)."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context | None = None
    ) -> Any:
        registry = _registry_label(arguments)
        # A metric label: a known tool's name, not whatever a caller sends.
        tool = name if self._tool_manager.get_tool(name) is not None else "unknown"
        headers = context.headers if context is not None else None
        request_id = headers.get("x-request-id") if headers else None
        started = time.perf_counter()
        result: Any = None
        caller = principal()
        client, issuer, subject = caller if caller is not None else (None, None, None)
        with (
            log_context(request_id=request_id, principal=_who(), tool=tool, registry=registry),
            # the journal records who applies (engine/audit.py); over stdio, the OS user
            acting_as(kind="mcp", subject=subject, client=client, issuer=issuer)
            if caller is not None
            else nullcontext(),
        ):
            try:
                result = await super().call_tool(name, arguments, context)
                return result
            finally:
                elapsed = time.perf_counter() - started
                done = isinstance(result, CallToolResult)  # else it asks the user first
                failed = result is None or (done and bool(result.is_error))
                outcome = "error" if failed else "ok" if done else "input_required"
                METRICS.tool_calls.labels(tool, registry, outcome).inc()
                METRICS.tool_duration.labels(tool, registry).observe(elapsed)
                if failed:
                    METRICS.tool_errors.labels(tool, registry).inc()
                if tool == "apply" and (done or failed):
                    _count_apply(None if failed else result)
                log.info(
                    "tool %s: %s",
                    tool,
                    outcome,
                    extra={"outcome": outcome, "duration_ms": round(elapsed * 1000, 2)},
                )


def _count_apply(result: CallToolResult | None) -> None:
    """Applies by outcome (the tool's status; ``refused`` when it raised) and their steps."""
    structured = result.structured_content if result is not None else None
    if not structured:
        METRICS.applies.labels("refused").inc()
        return
    METRICS.applies.labels(str(structured.get("status"))).inc()
    METRICS.apply_steps.labels("ok").inc(structured.get("steps_done") or 0)
    METRICS.apply_steps.labels("failed").inc(len(structured.get("steps") or ()))


def build_server(
    project_dir: Path,
    *,
    verifier: JwtVerifier | IntrospectionVerifier | None = None,
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
    server: MCPServer = _InstrumentedServer(
        "reconciler",
        version=__version__,
        instructions=INSTRUCTIONS,
        token_verifier=verifier,
        auth=auth,
    )
    state = ServerState(project_dir.resolve())
    access = Access(enforced=enforce_scopes)
    register_read_tools(server, state, access)
    register_question_tools(server, state, access)
    register_evolve_tool(server, state, access)
    register_plan_tools(server, state, access)
    register_migrate_tool(server, state, access)
    register_report_tools(server, state, access)
    register_resources(server, state, access)
    register_prompts(server, state, access)
    return server


def http_app(
    server: MCPServer,
    project_dir: Path,
    host: str,
    verifier: JwtVerifier | IntrospectionVerifier | None = None,
    resource_url: str | None = None,
    *,
    stateless: bool = False,
) -> ASGIApp:
    """The streamable HTTP app with probes, metrics and request logs (reconciler/service),
    and with a ``verifier``, RFC 6750 challenges (``BearerGate``) for ``resource_url``.

    Ready when every registry of the project answers (and, with auth, the
    issuer's signing keys are loaded). ``stateless``: no MCP sessions, so that any
    replica can answer any request (plans are found again by their id: state.py).
    """
    state = ServerState(project_dir.resolve())

    async def registries_answer() -> str | None:
        project = state.load()

        async def ping_all() -> None:
            async with open_clients(project, project.registries) as clients:
                await asyncio.gather(*(client.ping() for client in clients.values()))

        await asyncio.wait_for(ping_all(), READY_TIMEOUT)
        return None

    checks = {"registries": registries_answer}
    app = server.streamable_http_app(host=host, stateless_http=stateless)
    if verifier is not None:
        checks["issuer-keys"] = verifier.keys_ready
        assert resource_url is not None
        metadata_url = str(build_resource_metadata_url(AnyHttpUrl(resource_url)))
        app = BearerGate(
            app,
            verifier,
            issuer=verifier.issuer,
            resource_url=resource_url,
            metadata_url=metadata_url,
        )
    return ServiceApp(app, checks=checks, route_of=_route)


def _route(method: str, path: str) -> str:
    """A metric label for a request: the MCP endpoint, OAuth metadata, or ``other``."""
    if path == "/mcp" or path.startswith("/.well-known/"):
        return path
    return "other"
