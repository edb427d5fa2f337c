"""``reconcile mcp``: serve the project to AI assistants over MCP (stdio or streamable HTTP)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click

from ._common import LOOPBACK, fail, serve_options

if TYPE_CHECKING:
    from reconciler.mcp import IntrospectionVerifier, JwtVerifier

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


@dataclass(frozen=True)
class Introspection:
    url: str | None
    client_id: str | None
    client_secret: str | None
    map_scope: tuple[str, ...]


def _scope_map(pairs: tuple[str, ...]) -> dict[str, list[str]]:
    """``repo=read,write`` -> {"repo": ["read", "write"]}; fails on a bad pair."""
    from reconciler.mcp import SCOPES

    mapping: dict[str, list[str]] = {}
    for pair in pairs:
        theirs, sep, ours = pair.partition("=")
        scopes = [scope.strip() for scope in ours.split(",") if scope.strip()]
        unknown = [scope for scope in scopes if scope not in SCOPES]
        if not sep or not theirs.strip() or not scopes or unknown:
            fail(f"--map-scope {pair!r}: expected THEIRS=OURS with OURS among {', '.join(SCOPES)}")
        mapping.setdefault(theirs.strip(), []).extend(scopes)
    return mapping


def _verifier(
    host: str,
    issuer: str,
    jwks: str | None,
    audience: str | None,
    resource_url: str,
    introspection: Introspection,
) -> JwtVerifier | IntrospectionVerifier:
    """The token verifier the options describe, or one clear error (exit 1)."""
    from reconciler.mcp import IntrospectionVerifier, JwtVerifier

    problems = [
        _url_problem("--issuer", issuer, host),
        # this server's own URL: published, not trusted, so http is allowed
        _url_problem("--resource-url", resource_url, LOOPBACK),
    ]
    if audience is not None and not audience.strip():
        problems.append("--audience: empty (default: the --resource-url)")
    if introspection.url:
        problems.append(_url_problem("--introspection-url", introspection.url, host))
        if jwks:
            problems.append("--jwks and --introspection-url exclude each other")
        if not introspection.client_id or not introspection.client_secret:
            problems.append("--introspection-url needs --client-id and --client-secret")
        if not introspection.map_scope:
            problems.append(
                "--introspection-url needs --map-scope (which of the token's "
                "scopes grant read, write, admin)"
            )
    elif not jwks:
        problems.append("--issuer needs --jwks (a JWKS file or URL of the issuer's keys)")
    elif jwks.startswith(("http://", "https://")):
        problems.append(_url_problem("--jwks", jwks, host))
    for problem in problems:
        if problem:
            fail(problem)
    if introspection.url:
        assert introspection.client_id and introspection.client_secret
        return IntrospectionVerifier(
            issuer,
            audience or resource_url,
            introspection.url,
            introspection.client_id,
            introspection.client_secret,
            _scope_map(introspection.map_scope),
        )
    assert jwks
    try:
        return JwtVerifier(issuer, audience or resource_url, jwks)
    except ValueError as exc:
        fail(str(exc))


@click.command()
@click.argument(
    "directory", default=".", type=click.Path(file_okay=False, path_type=Path), metavar="[DIR]"
)
@click.option(
    "--transport",
    type=click.Choice(["stdio", "http"]),
    default="stdio",
    show_default=True,
    help="stdio for a local client that starts the server; http for streamable HTTP.",
)
@serve_options(port=8000, log_level="info", only="HTTP")
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
    "--introspection-url",
    envvar="RECONCILE_INTROSPECTION_URL",
    metavar="URL",
    help="HTTP: check opaque tokens at this RFC 7662 endpoint instead of --jwks.",
)
@click.option(
    "--client-id",
    envvar="RECONCILE_CLIENT_ID",
    help="HTTP: this server's client id at the introspection endpoint.",
)
@click.option(
    "--client-secret",
    envvar="RECONCILE_CLIENT_SECRET",
    help="HTTP: its client secret (prefer the environment variable).",
)
@click.option(
    "--map-scope",
    "map_scope",
    multiple=True,
    metavar="THEIRS=OURS",
    help="HTTP, introspection: grant our scopes for one of the token's, e.g. repo=read,write "
    "(repeatable).",
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
def mcp(
    directory: Path,
    transport: str,
    host: str,
    port: int,
    issuer: str | None,
    jwks: str | None,
    audience: str | None,
    resource_url: str | None,
    introspection_url: str | None,
    client_id: str | None,
    client_secret: str | None,
    map_scope: tuple[str, ...],
    no_auth: bool,
    stateless: bool,
    log_level: str,
) -> None:
    """Serve the project in DIR over MCP: tools to inspect registries, validate,
    plan and (after the user confirms) apply; see docs/mcp.md."""
    from reconciler.mcp import build_server, http_app
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
        verifier = _verifier(
            host,
            issuer,
            jwks,
            audience,
            resource_url,
            Introspection(introspection_url, client_id, client_secret, map_scope),
        )
        server = build_server(
            directory, verifier=verifier, resource_url=resource_url, enforce_scopes=True
        )
    configure_logging(log_level)  # after the SDK's own set-up: JSON lines unless stderr is a TTY
    app = http_app(server, directory, host, verifier, resource_url, stateless=stateless)
    run_app(app, host, port)
