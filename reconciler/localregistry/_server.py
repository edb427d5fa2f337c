"""Running the app with uvicorn: in the foreground (CLI) or in a background thread."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn

from ._app import create_app


def _config(
    db_path: str | os.PathLike[str],
    host: str,
    port: int,
    request_log: str | os.PathLike[str] | None,
) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(db_path, request_log=request_log),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )


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
    """Serve until SIGINT/SIGTERM; ``on_ready(url)`` runs once the socket listens."""
    if port == 0:
        port = _free_port(host)
    server = uvicorn.Server(_config(db_path, host, port, request_log))
    if on_ready is not None:
        original_startup = server.startup

        async def startup(sockets: list[socket.socket] | None = None) -> None:
            await original_startup(sockets)
            if server.started:
                on_ready(f"http://{host}:{port}")

        server.startup = startup  # type: ignore[method-assign]
    server.run()


@contextmanager
def serve_in_thread(
    db_path: str | os.PathLike[str],
    host: str = "127.0.0.1",
    port: int = 0,
    request_log: str | os.PathLike[str] | None = None,
) -> Iterator[str]:
    """Yield the base URL of a uvicorn server running in a daemon thread.

    ``port=0`` picks a free port.  The server stops when the block exits.
    """
    if port == 0:
        port = _free_port(host)
    server = uvicorn.Server(_config(db_path, host, port, request_log))
    # Signal handlers can only be installed from the main thread.
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, name=f"localregistry:{port}", daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"local registry failed to start on {host}:{port}")
            threading.Event().wait(0.01)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
