"""The ASGI application: routing on raw path segments, errors, the request log."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from pathlib import Path
from urllib.parse import unquote, urlencode

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import request_response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import _errors as errors
from ._contexts import rewrite_context_path
from ._registry import Registry
from ._routes import ROUTES, Call, Handler, json_response
from ._store import Store

_log = logging.getLogger(__name__)


def _split(raw_path: str) -> list[str]:
    """Path segments, each percent-decoded on its own so ``%2F`` stays inside a subject."""
    return [unquote(part) for part in raw_path.strip("/").split("/")] if raw_path.strip("/") else []


def _match(pattern: str, segments: list[str]) -> dict[str, str] | None:
    parts = pattern.split("/") if pattern else []
    if len(parts) != len(segments):
        return None
    params: dict[str, str] = {}
    for part, segment in zip(parts, segments, strict=True):
        if part.startswith("{"):
            params[part[1:-1]] = segment
        elif part != segment:
            return None
    return params


class _Dispatcher:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def resolve(self, method: str, segments: list[str]) -> tuple[Handler, dict[str, str]]:
        allowed: list[str] = []
        for route_method, pattern, handler in ROUTES:
            params = _match(pattern, segments)
            if params is None:
                continue
            if route_method == method or (method == "HEAD" and route_method == "GET"):
                return handler, params
            allowed += [route_method, "HEAD"] if route_method == "GET" else [route_method]
        raise errors.method_not_allowed(allowed) if allowed else errors.not_found()

    async def handle(self, request: Request) -> Response:
        try:
            raw = request.scope.get("raw_path") or request.scope["path"].encode()
            segments = _split(raw.decode("latin-1"))
            query = dict(request.query_params)
            rewritten, new_query = rewrite_context_path(segments, query)
            if new_query != query:
                scope = {**request.scope, "query_string": urlencode(new_query).encode()}
                request = Request(scope, request.receive)
            handler, params = self.resolve(request.method, rewritten)
            return await handler(self.registry, Call(request, params))
        except errors.RegistryError as exc:
            return json_response(exc.body(), exc.status, exc.headers)
        except sqlite3.Error as exc:
            _log.exception("store error")
            return json_response(errors.store_error(f"Store error: {exc}").body(), 500)
        except Exception:
            # A bug, not a client error.  Answered here rather than by Starlette's
            # error middleware, which re-raises into in-process (ASGITransport) callers.
            _log.exception("internal error")
            return json_response({"error_code": 500, "message": "Internal Server Error"}, 500)


class RequestLog:
    """Appends ``{"method","path","query","status"}`` per request; never bodies or headers."""

    def __init__(self, app: ASGIApp, path: str | os.PathLike[str]) -> None:
        self.app = app
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        logged = False
        # taken now: the request's path and query as the client sent them
        method, path = scope["method"], scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")

        def write() -> None:
            nonlocal logged
            logged = True
            line = json.dumps({"method": method, "path": path, "query": query, "status": status})
            with self.lock, self.path.open("a", encoding="utf-8") as log:
                log.write(line + "\n")

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                # Logged before the client gets the last byte, so a client that
                # reads the log right after its response sees its own request.
                write()
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            if not logged:
                write()


def create_app(
    db_path: str | os.PathLike[str], *, request_log: str | os.PathLike[str] | None = None
) -> Starlette:
    """A Confluent-compatible registry over the SQLite file ``db_path`` (created if missing).

    Everything is initialised here, not in a lifespan hook, so the app also
    works under ``httpx.ASGITransport``, which runs no lifespan events.
    """
    dispatcher = _Dispatcher(Registry(Store(db_path)))
    middleware = [Middleware(RequestLog, path=request_log)] if request_log is not None else []
    app = Starlette(middleware=middleware)
    # Every request goes to the dispatcher, which routes on raw path segments:
    # Starlette's path patterns would neither keep %2F inside a subject nor
    # match paths holding an encoded newline.
    app.router.default = request_response(dispatcher.handle)
    return app
