"""Running the app with uvicorn: in the foreground (CLI) or in a background thread."""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from . import _errors as errors
from ._app import _split, create_app, resolve
from ._contexts import rewrite_context_path
from ._read_cache import ARRIVED

Wrap = Callable[[ASGIApp], ASGIApp]


class _OneWrite:
    """A transport that gives the socket what was written during one pass of the event
    loop in one write.

    uvicorn writes a response's head and its body with two ``transport.write``
    calls, which on loopback are two sends, two segments and two wake-ups of
    the client: under 50 writers those sends were a fifth of the server's CPU
    (py-spy), and one write per response cut the server's CPU per write by
    about a sixth and the client's by half (docs/performance.md, local
    registry). What is written is sent at the end of the loop's current pass,
    in order; ``close`` sends it first.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(data)

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> object:
        return getattr(self._transport, name)


class _Protocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, writing through ``_OneWrite``, telling the app when
    each request came (``ARRIVED``: see ``_read_cache``)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        loop = asyncio.get_running_loop()
        super().connection_made(_OneWrite(transport, loop))  # type: ignore[arg-type]

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope[ARRIVED] = time.monotonic_ns()  # type: ignore[literal-required]


class _Server(uvicorn.Server):
    """uvicorn's server, telling ``on_ready`` its URL once the socket listens."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[str], None] | None) -> None:
        super().__init__(config)
        self.on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.on_ready is not None:
            self.on_ready(f"http://{self.config.host}:{self.config.port}")


def _server(
    db_path: str | os.PathLike[str],
    host: str,
    port: int,
    request_log: str | os.PathLike[str] | None,
    on_ready: Callable[[str], None] | None = None,
    wrap: Wrap | None = None,
) -> _Server:
    if port == 0:
        port = _free_port(host)
    app = create_app(db_path, request_log=request_log)
    config = uvicorn.Config(
        app if wrap is None else wrap(app),
        host=host,
        port=port,
        log_level="warning",
        # uvicorn's loggers propagate to whatever the process configured (the CLI:
        # reconciler.service.configure_logging); no access log, which would
        # record query strings
        log_config=None,
        access_log=False,
        lifespan="off",
        # no client addresses are used, so uvicorn's X-Forwarded-* middleware
        # would only be one more layer per request
        proxy_headers=False,
        # one socket write per response (see _OneWrite)
        http=_Protocol,
    )
    return _Server(config, on_ready)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def serve(
    db_path: str | os.PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 8081,
    request_log: str | os.PathLike[str] | None = None,
    on_ready: Callable[[str], None] | None = None,
    wrap: Wrap | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM; ``on_ready(url)`` runs once the socket listens.

    ``port=0`` picks a free port; ``wrap`` wraps the app (probes, metrics).
    """
    _server(db_path, host, port, request_log, on_ready, wrap).run()


@functools.lru_cache(maxsize=4096)
def route_label(method: str, path: str) -> str:
    """The route pattern a request matches (``GET subjects/{subject}/versions``), for
    metrics: never the subject itself. ``other`` when nothing matches.

    The app leaves the label of each request it routes in the scope (``ROUTE_KEY``),
    which ``ServiceApp`` reads first; this is for requests it did not route."""
    segments, _ = rewrite_context_path(_split(path), {})
    try:
        _handler, _params, route = resolve(method, segments)
    except errors.ErrorResponse:
        return "other"
    return route.label(method)


def counts(db_path: str | os.PathLike[str]) -> dict[str, int]:
    """Live subjects, versions (not soft-deleted) and schemas of the store, read-only."""
    uri = Path(db_path).resolve().as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=5)) as db:
        subjects, versions = db.execute(
            "SELECT COUNT(DISTINCT context || ':' || subject), COUNT(*) FROM versions "
            "WHERE deleted = 0"
        ).fetchone()
        (schemas,) = db.execute("SELECT COUNT(*) FROM schemas").fetchone()
    return {"subjects": subjects, "versions": versions, "schemas": schemas}


@contextmanager
def serve_in_thread(
    db_path: str | os.PathLike[str],
    host: str = "127.0.0.1",
    port: int = 0,
    request_log: str | os.PathLike[str] | None = None,
    wrap: Wrap | None = None,
) -> Iterator[str]:
    """Yield the base URL of a uvicorn server running in a daemon thread.

    ``port=0`` picks a free port; ``wrap`` wraps the app (a test's auth gate).
    The server stops when the block exits.
    (uvicorn installs no signal handlers outside the main thread.)
    """
    ready = threading.Event()
    urls: list[str] = []

    def on_ready(url: str) -> None:
        urls.append(url)
        ready.set()

    server = _server(db_path, host, port, request_log, on_ready, wrap)

    def run() -> None:
        # uvicorn reports a failed startup (e.g. port in use) with sys.exit,
        # which in a thread would only end the thread noisily.
        with suppress(SystemExit):
            server.run()

    thread = threading.Thread(target=run, name="localregistry", daemon=True)
    thread.start()
    try:
        while not ready.wait(0.01):
            if not thread.is_alive():
                raise RuntimeError(f"local registry failed to start on {host}:{port}")
        yield urls[0]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
