"""A fresh local registry per test, served over real HTTP on loopback.

One uvicorn server runs for the whole session and forwards each request to
the app of the current test (a new SQLite file per test), because starting
and stopping uvicorn costs ~0.15 s a test.  ``serve_in_thread`` itself is
covered by test_server.py.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from reconciler.localregistry import create_app


class _CurrentApp:
    """ASGI app forwarding to whichever registry app the running test installed."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "no registry installed for this request"
        await self.app(scope, receive, send)


@pytest.fixture(scope="session")
def _shared_server() -> Iterator[tuple[str, _CurrentApp]]:
    current = _CurrentApp()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(current, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}", current
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "registry.db"


@pytest.fixture
def request_log(tmp_path: Path) -> Path:
    return tmp_path / "requests.jsonl"


@pytest.fixture
def base_url(
    _shared_server: tuple[str, _CurrentApp], db_path: Path, request_log: Path
) -> Iterator[str]:
    url, current = _shared_server
    current.app = create_app(db_path, request_log=request_log)
    yield url
    current.app = None


@pytest.fixture(scope="session")
def _client(_shared_server: tuple[str, _CurrentApp]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=_shared_server[0], timeout=30) as client:
        yield client


@pytest.fixture
def sr(base_url: str, _client: httpx.Client) -> httpx.Client:
    """An HTTP client on the registry of this test."""
    return _client
