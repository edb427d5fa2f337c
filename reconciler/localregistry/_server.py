"""Running the app with uvicorn: in the foreground (CLI) or in a background thread."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import uvicorn

from ._app import create_app


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
) -> _Server:
    if port == 0:
        port = _free_port(host)
    config = uvicorn.Config(
        create_app(db_path, request_log=request_log),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        # no client addresses are used, so uvicorn's X-Forwarded-* middleware
        # would only be one more layer per request
        proxy_headers=False,
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
) -> None:
    """Serve until SIGINT/SIGTERM; ``on_ready(url)`` runs once the socket listens.

    ``port=0`` picks a free port.
    """
    _server(db_path, host, port, request_log, on_ready).run()


@contextmanager
def serve_in_thread(
    db_path: str | os.PathLike[str],
    host: str = "127.0.0.1",
    port: int = 0,
    request_log: str | os.PathLike[str] | None = None,
) -> Iterator[str]:
    """Yield the base URL of a uvicorn server running in a daemon thread.

    ``port=0`` picks a free port.  The server stops when the block exits.
    (uvicorn installs no signal handlers outside the main thread.)
    """
    ready = threading.Event()
    urls: list[str] = []

    def on_ready(url: str) -> None:
        urls.append(url)
        ready.set()

    server = _server(db_path, host, port, request_log, on_ready)

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
