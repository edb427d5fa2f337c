"""``ServiceApp``: probes, ``/metrics``, a request id and an access log around an ASGI app.

The probes and ``/metrics`` are answered here, before the wrapped app and so
before any authentication: a kubelet or Prometheus has no token. They reveal
no configuration: ``/readyz`` says ready or not, and the failing checks' names
(``registries``, ``issuer-keys``), never a URL; the details go to the log.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logs import log_context
from .metrics import METRICS

log = logging.getLogger("reconciler.service")

# A readiness check: returns None when ready, else the reason (logged, not served).
ReadyCheck = Callable[[], Awaitable[str | None]]
# The route a request matched, as a metric label (a pattern, never the raw path).
RouteOf = Callable[[str, str], str]

PROBES = ("/healthz", "/readyz", "/metrics")
REQUEST_ID = b"x-request-id"
# The scope key where a wrapped app may leave the route it matched, as a metric label
# (the local registry does: it routes each request anyway); else ``route_of`` is asked.
ROUTE = "reconciler.route"


def _response(status: int, body: bytes, content_type: str) -> list[Message]:
    headers = [(b"content-type", content_type.encode()), (b"content-length", b"%d" % len(body))]
    headers.append((b"cache-control", b"no-store"))
    return [
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body},
    ]


def _json(status: int, body: dict[str, object]) -> list[Message]:
    return _response(status, json.dumps(body).encode(), "application/json")


def _request_id(scope: Scope) -> str:
    """The caller's X-Request-Id (a proxy's), if short and printable; else a new one."""
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID and 0 < len(value) <= 128 and value.isascii():
            text = value.decode("ascii")
            if text.isprintable():
                return text
    # 32 random hex digits, as uuid4().hex without building a UUID (a few us a request)
    return os.urandom(16).hex()


class ServiceApp:
    """Wrap ``app``; ``checks`` (name -> check) decide readiness, ``route_of`` labels metrics
    of the requests whose app leaves no route in the scope (``ROUTE``)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        checks: dict[str, ReadyCheck] | None = None,
        route_of: RouteOf | None = None,
    ) -> None:
        self.app = app
        self.checks = checks or {}
        self.route_of = route_of or (lambda method, path: path)
        # Metric children by labels: labels() takes a lock and a lookup per call.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path in PROBES and scope["method"] in ("GET", "HEAD"):
            for message in await self._probe(path):
                await send(message)
            return
        request_id = _request_id(scope)
        id_header = (REQUEST_ID, request_id.encode())
        # The id travels on to the app (the MCP tools read it from the request).
        headers = [(k, v) for k, v in scope.get("headers", ()) if k != REQUEST_ID]
        scope = {**scope, "headers": [*headers, id_header]}
        method = scope["method"]
        status = 500
        started = time.perf_counter()

        async def respond(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), id_header]}
            await send(message)

        with log_context(request_id=request_id):
            try:
                await self.app(scope, receive, respond)
            finally:
                elapsed = time.perf_counter() - started
                # the route the app says it matched, else the one route_of finds
                route = scope.get(ROUTE) or self.route_of(method, path)
                count, duration = self._metrics(route, method, status)
                count.inc()
                duration.observe(elapsed)
                if log.isEnabledFor(logging.INFO):
                    # The path without its query string: a token may be sent as ?access_token=.
                    log.info(
                        "%s %s %d",
                        method,
                        path,
                        status,
                        extra={
                            "method": method,
                            "route": route,
                            "path": path,
                            "status": status,
                            "duration_ms": round(elapsed * 1000, 2),
                        },
                    )

    def _metrics(self, route: str, method: str, status: int) -> tuple[Any, Any]:
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            children = (
                METRICS.http_requests.labels(route, method, status),
                METRICS.http_duration.labels(route, method),
            )
            self._children[key] = children
        return children

    async def _probe(self, path: str) -> list[Message]:
        if path == "/healthz":
            return _json(200, {"status": "ok"})
        if path == "/metrics":
            return _response(200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST)
        failing = []
        for name, check in self.checks.items():
            try:
                reason = await check()
            except Exception as exc:  # a probe answers; the reason is logged
                reason = f"{type(exc).__name__}: {exc}"
            if reason is not None:
                failing.append(name)
                log.warning("not ready: %s: %s", name, reason, extra={"outcome": "not_ready"})
        if failing:
            return _json(503, {"status": "not ready", "failing": failing})
        return _json(200, {"status": "ready"})
