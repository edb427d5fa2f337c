"""What both HTTP servers share to be operated: probes, Prometheus metrics, JSON logs.

``reconcile mcp --transport http`` and ``reconcile registry serve`` wrap their
ASGI app in ``ServiceApp`` (``/healthz``, ``/readyz``, ``/metrics``, a request
id and one access log line per request, with no query string) and run it with
``run_app`` (uvicorn, with its own access log off and logging left to
``configure_logging``). See docs/operations.md.
"""

from .http import ReadyCheck, RouteOf, ServiceApp
from .logs import configure_logging, log_context
from .metrics import METRICS, add_gauges
from .run import UVICORN_OPTIONS, run_app

__all__ = [
    "METRICS",
    "UVICORN_OPTIONS",
    "ReadyCheck",
    "RouteOf",
    "ServiceApp",
    "add_gauges",
    "configure_logging",
    "log_context",
    "run_app",
]
