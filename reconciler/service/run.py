"""Running an ASGI app with uvicorn as a service: logging ours, no access log of its own."""

from __future__ import annotations

from typing import Any

import uvicorn
from starlette.types import ASGIApp

# uvicorn settings every service shares: logging is configured once by
# configure_logging (JSON lines or text), and uvicorn's access log would record
# query strings, tokens included (ServiceApp logs each request without it).
UVICORN_OPTIONS: dict[str, Any] = {"log_config": None, "access_log": False}


def run_app(app: ASGIApp, host: str, port: int) -> None:
    """Serve ``app`` until SIGINT/SIGTERM."""
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, **UVICORN_OPTIONS)).run()
