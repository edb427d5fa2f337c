"""``reconcile registry serve``: run the embedded local registry over HTTP."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import serve_options


@click.group()
def registry() -> None:
    """The embedded Confluent-compatible schema registry (SQLite file)."""


@registry.command()
@serve_options(port=8081, log_level="warning", log_note="; info logs every request")
@click.option(
    "--data",
    default=".reconcile/registry.db",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file holding the registry (created if missing).",
)
@click.option(
    "--request-log",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append one JSON line per request (method, path, query, status).",
)
def serve(host: str, port: int, data: Path, request_log: Path | None, log_level: str) -> None:
    """Serve the local registry until SIGINT/SIGTERM, with /healthz, /readyz and /metrics
    (docs/operations.md)."""
    # Here, not at the top: every other command would pay for importing uvicorn.
    from reconciler.localregistry import counts, route_label
    from reconciler.localregistry import serve as serve_registry
    from reconciler.service import ServiceApp, add_gauges, configure_logging

    configure_logging(log_level)

    async def store_readable() -> str | None:
        counts(data)  # raises (logged by the probe) when the file cannot be read
        return None

    add_gauges("reconciler_localregistry", lambda: counts(data), "Live items in the local registry")

    def ready(url: str) -> None:
        click.echo(f"local registry listening on {url} (data: {data})")
        click.get_text_stream("stdout").flush()

    serve_registry(
        data,
        host=host,
        port=port,
        request_log=request_log,
        on_ready=ready,
        wrap=lambda app: ServiceApp(app, checks={"store": store_readable}, route_of=route_label),
    )
