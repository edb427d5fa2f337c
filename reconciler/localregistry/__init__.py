"""The embedded registry: a Confluent Schema Registry compatible server over SQLite.

``create_app(db_path)`` gives the ASGI app (usable in-process through
``httpx.ASGITransport``); ``serve_in_thread`` runs it under uvicorn for tests
and benchmarks; ``serve`` runs it in the foreground for ``reconcile registry serve``.
See docs/local-registry.md for what is implemented and how it differs from Confluent.
"""

from ._app import create_app
from ._server import counts, route_label, serve, serve_in_thread

__all__ = [
    "counts",
    "create_app",
    "route_label",
    "serve",
    "serve_in_thread",
]
