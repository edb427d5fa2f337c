"""``reconcile mcp``: serve the project to AI assistants over MCP (stdio or streamable HTTP)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import click

from ._common import fail

LOOPBACK = "127.0.0.1"
LOOPBACK_HOSTS = frozenset({LOOPBACK, "::1", "localhost"})


def _url_problem(option: str, value: str, host: str) -> str | None:
    """Why ``value`` cannot be used for ``option`` (None if it can).

    Keys and tokens' issuer are trusted from these URLs: over plain http anyone on
    the path could serve their own keys, so http is for a server on loopback only.
    """
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{option} {value!r}: not an http(s) URL"
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        return (
            f"{option} {value}: must be https when the server listens beyond loopback "
            f"(--host {host}): over http anyone on the path could serve their own keys"
        )
    return None


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--transport",
    type=click.Choice(["stdio", "http"]),
    default="stdio",
    show_default=True,
    help="stdio for a local client that starts the server; http for streamable HTTP.",
)
@click.option(
    "--host",
    default=LOOPBACK,
    envvar="RECONCILE_HOST",
    show_default=True,
    help="HTTP: address to bind.",
)
@click.option(
    "--port",
    default=8000,
    envvar="RECONCILE_PORT",
    show_default=True,
    type=click.IntRange(0, 65535),
    help="HTTP: port to bind.",
)
@click.option(
    "--issuer",
    envvar="RECONCILE_ISSUER",
    metavar="URL",
    help="HTTP: the OAuth authorization server whose JWT access tokens are accepted.",
)
@click.option(
    "--jwks",
    envvar="RECONCILE_JWKS",
    metavar="FILE|URL",
    help="HTTP: the issuer's signing keys (JWKS), a file or an https URL.",
)
@click.option(
    "--audience",
    envvar="RECONCILE_AUDIENCE",
    metavar="AUD",
    help="HTTP: the audience tokens must carry (default: --resource-url).",
)
@click.option(
    "--resource-url",
    envvar="RECONCILE_RESOURCE_URL",
    metavar="URL",
    help="HTTP: this server's public URL, published as OAuth protected resource metadata "
    "(default: http://HOST:PORT/mcp).",
)
@click.option(
    "--no-auth",
    is_flag=True,
    help="HTTP without tokens: only on 127.0.0.1, where whoever reaches the port is trusted.",
)
@click.option(
    "--stateless",
    is_flag=True,
    envvar="RECONCILE_STATELESS",
    help="HTTP: no MCP sessions (each request stands alone), for replicas behind a load "
    "balancer without sticky sessions; see docs/operations.md.",
)
@click.option(
    "--log-level",
    envvar="RECONCILE_LOG_LEVEL",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
    help="HTTP: stderr log level (JSON lines when stderr is not a TTY).",
)
def mcp(
    directory: Path,
    transport: str,
    host: str,
    port: int,
    issuer: str | None,
    jwks: str | None,
    audience: str | None,
    resource_url: str | None,
    no_auth: bool,
    stateless: bool,
    log_level: str,
) -> None:
    """Serve the project in DIRECTORY over MCP: tools to inspect registries, validate,
    plan and (after the user confirms) apply; see docs/mcp.md."""
    from reconciler.mcp import build_server
    from reconciler.mcp.server import http_app
    from reconciler.service import configure_logging, run_app

    if not directory.is_dir():  # an error (exit 1), not a usage error: see docs/cli.md
        fail(f"{directory}: project directory not found")
    if transport == "stdio":
        if issuer or jwks or no_auth or stateless:
            fail("--issuer, --jwks, --no-auth and --stateless apply to --transport http only")
        build_server(directory).run("stdio")
        return
    resource_url = resource_url or f"http://{host}:{port}/mcp"
    if issuer is None:
        if not no_auth or host != LOOPBACK:
            fail(
                "refusing to serve HTTP without authentication: give --issuer and --jwks "
                f"(OAuth 2.1 bearer tokens), or bind to {LOOPBACK} with --no-auth"
            )
        server = build_server(directory)
        verifier = None
    else:
        if no_auth:
            fail("--no-auth and --issuer exclude each other")
        problems = [
            _url_problem("--issuer", issuer, host),
            # this server's own URL: published, not trusted, so http is allowed
            _url_problem("--resource-url", resource_url, LOOPBACK),
        ]
        if not jwks:
            problems.append("--issuer needs --jwks (a JWKS file or URL of the issuer's keys)")
        elif jwks.startswith(("http://", "https://")):
            problems.append(_url_problem("--jwks", jwks, host))
        if audience is not None and not audience.strip():
            problems.append("--audience: empty (default: the --resource-url)")
        for problem in problems:
            if problem:
                fail(problem)
        from reconciler.mcp.auth import JwtVerifier

        try:
            verifier = JwtVerifier(issuer, audience or resource_url, jwks)
        except ValueError as exc:
            fail(str(exc))
        server = build_server(
            directory, verifier=verifier, resource_url=resource_url, enforce_scopes=True
        )
    configure_logging(log_level)  # after the SDK's own set-up: JSON lines unless stderr is a TTY
    app = http_app(server, directory, host, verifier, resource_url, stateless=stateless)
    run_app(app, host, port)
