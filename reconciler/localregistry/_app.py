"""The ASGI application: routing on raw path segments, errors, the request log.

A plain ASGI callable rather than a Starlette app: the registry routes on raw
path segments and answers every error itself, so Starlette's router and
middleware only added layers to every request (about a fifth of the time
spent in the app for a small read, profiled under load).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import _errors as errors
from ._contexts import rewrite_context_path
from ._media import V1_JSON, check_readable, response_type
from ._read_cache import ARRIVED, Kept, ReadCache
from ._registry import Registry
from ._routes import ROUTES, Call, Handler, Reply, compatibility, json_response, lookup
from ._store import Store, WouldWait

_log = logging.getLogger(__name__)

# The scope key under which the app leaves the route a request matched, as a metric
# label, for the server around it (``reconciler.service.ServiceApp`` reads it).
ROUTE_KEY = "reconciler.route"


@dataclass(frozen=True)
class _Route:
    """One path pattern of ``ROUTES`` and the handler of each method it answers."""

    parts: tuple[str, ...]
    # (index, name) of the parameters, (index, text) of the other segments but the first
    params: tuple[tuple[int, str], ...]
    literals: tuple[tuple[int, str], ...]
    handlers: dict[str, Handler]

    def match(self, segments: list[str]) -> dict[str, str] | None:
        for index, text in self.literals:
            if segments[index] != text:
                return None
        return {name: segments[index] for index, name in self.params}

    def label(self, method: str) -> str:
        """The metric label of a request this route answers (``GET /mode/{subject}``)."""
        return f"{'GET' if method == 'HEAD' else method} /{'/'.join(self.parts)}"


def _routes() -> dict[tuple[int, str], list[_Route]]:
    """The routes by number of segments and first segment, in ``ROUTES`` order.

    Every pattern starts with a fixed segment, so a request is matched against
    the one to three patterns of its shape (``mode/{subject}``) rather than
    every pattern of its length; each pattern is matched once for all methods.
    """
    out: dict[tuple[int, str], list[_Route]] = {}
    for method, pattern, handler in ROUTES:
        parts = tuple(pattern.split("/")) if pattern else ()
        if parts and parts[0].startswith("{"):
            raise ValueError(f"a route must start with a fixed segment: {pattern}")
        shape = out.setdefault((len(parts), parts[0] if parts else ""), [])
        found = next((route for route in shape if route.parts == parts), None)
        if found is None:
            params = tuple((i, p[1:-1]) for i, p in enumerate(parts) if p.startswith("{"))
            literals = tuple((i, p) for i, p in enumerate(parts) if i and not p.startswith("{"))
            found = _Route(parts, params, literals, {})
            shape.append(found)
        found.handlers.setdefault(method, handler)
    return out


_ROUTES = _routes()


def _split(raw_path: str) -> list[str]:
    """Path segments, each percent-decoded on its own so ``%2F`` stays inside a subject."""
    stripped = raw_path.strip("/")
    if not stripped:
        return []
    if "%" not in stripped:
        return stripped.split("/")
    return [unquote(part) for part in stripped.split("/")]


def resolve(method: str, segments: list[str]) -> tuple[Handler, dict[str, str], _Route]:
    """The handler of a request, its path parameters and its route; 404 or 405 if none."""
    allowed: list[str] = []
    for route in _ROUTES.get((len(segments), segments[0] if segments else ""), ()):
        params = route.match(segments)
        if params is None:
            continue
        handler = route.handlers.get("GET" if method == "HEAD" else method)
        if handler is not None:
            return handler, params, route
        for route_method in route.handlers:
            allowed += [route_method, "HEAD"] if route_method == "GET" else [route_method]
    raise errors.method_not_allowed(allowed) if allowed else errors.not_found()


# Requests with a body that never write: they run in the thread pool, beside the writes.
_READS_WITH_A_BODY = frozenset({lookup, compatibility})


class _Dispatcher:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        # A write that would wait for the lock runs on this one thread, and the
        # writes after it queue here, in the order the requests came (see
        # _write). Writes take the store's write lock one at a time anyway; with
        # a thread per write, each hand-off of the lock woke a sleeping thread,
        # which then waited for the GIL and a CPU: under 50 writers the lock
        # stood idle half of the time while writes queued for it
        # (bench/registry_load.py times both from inside the server). One
        # thread takes the next write as soon as it is done with the last, and
        # the queue is first come, first served. The thread is made on the
        # first write that needs it.
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="localregistry-writer")
        self.kept = ReadCache(registry.store)
        # the last write handed to the writer thread (the ones before it are done)
        self.queued: Future[Reply] | None = None

    async def _write(self, handler: Handler, call: Call) -> Reply:
        """Run a write here, on the event loop, when it can start at once; else on the
        writer thread, behind the writes queued there.

        A write that finds the write lock free (no write queued here, none of
        another process in progress) runs to its end without waiting for
        anything but the CPU: handing it to the writer thread and its answer
        back cost more CPU than the hand-offs saved, and under 50 writers the
        two threads took turns on the GIL for every write (docs/performance.md,
        local registry). A write that would wait for the lock (another
        process's, up to the busy timeout) must not stall the loop: it goes to
        the writer thread, and every write after it queues there, first come,
        first served, until the queue is empty again.
        """
        if self.queued is None or self.queued.done():
            try:
                with self.registry.store.without_waiting():
                    return handler(self.registry, call)
            except WouldWait:
                pass  # nothing was done: the writer thread runs it from the start
        self.queued = self.writer.submit(handler, self.registry, call)
        # shielded: a write that came whole is done even if its caller goes away
        return await asyncio.shield(asyncio.wrap_future(self.queued))

    async def handle(self, scope: Scope, body: bytes) -> tuple[Reply, str]:
        """The reply and its media type (Confluent's default for errors before negotiation).

        A GET's answer is kept while the data file is unchanged (``ReadCache``).
        """
        headers = _headers(scope)
        if scope["method"] != "GET":
            return await self._answer(scope, body, headers)
        accept, content_type = headers.get("accept"), headers.get("content-type")
        key = (scope.get("raw_path") or b"", scope.get("query_string", b""), accept, content_type)
        try:
            kept, version = self.kept.lookup(key, scope.get(ARRIVED))
        except sqlite3.Error:  # the store cannot be read: _answer says so
            return await self._answer(scope, body, headers)
        if kept is None:
            reply, media_type = await self._answer(scope, body, headers)
            kept = Kept(reply, media_type, scope.get(ROUTE_KEY))
            if key[0]:
                self.kept.keep(key, version, kept)
        elif kept.route is not None:
            scope[ROUTE_KEY] = kept.route
        return kept.reply, kept.media_type

    async def _answer(
        self, scope: Scope, body: bytes, headers: dict[str, str]
    ) -> tuple[Reply, str]:
        media_type = V1_JSON
        try:
            raw = scope.get("raw_path") or scope["path"].encode()
            segments = _split(raw.decode("latin-1"))
            # as Starlette's query_params: latin-1, blanks kept, the last value wins
            query_string = scope.get("query_string", b"")
            query = (
                dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
                if query_string
                else {}
            )
            rewritten, query = rewrite_context_path(segments, query)
            method = scope["method"]
            handler, params, route = resolve(method, rewritten)
            # for whoever serves the app: the route's metric label (service.ServiceApp)
            scope[ROUTE_KEY] = route.label(method)
            check_readable(headers.get("content-type"))
            media_type = response_type(headers.get("accept", ""))
            call = Call(params, query, body)
            if method in ("GET", "HEAD"):
                # Reads run on the event loop: each is a few indexed queries on
                # a pooled connection, and in WAL mode readers never wait for
                # the write lock.  The hop to a worker thread cost more than the
                # read itself.
                return handler(self.registry, call), media_type
            if handler in _READS_WITH_A_BODY:
                return await run_in_threadpool(handler, self.registry, call), media_type
            return await self._write(handler, call), media_type
        except errors.ErrorResponse as exc:
            return json_response(exc.body(), exc.status, exc.headers), media_type
        except sqlite3.Error as exc:
            _log.exception("store error")
            reply = json_response(errors.store_error(f"Store error: {exc}").body(), 500)
            return reply, media_type
        except Exception:
            # A bug, not a client error: answered here, so that it never
            # reaches the server (or an in-process ASGITransport caller).
            _log.exception("internal error")
            reply = json_response({"error_code": 500, "message": "Internal Server Error"}, 500)
            return reply, media_type


def _headers(scope: Scope) -> dict[str, str]:
    """The request's Content-Type (the last one) and Accept (every one, joined as one list)."""
    out: dict[str, str] = {}
    for key, value in scope.get("headers", ()):
        name = key.decode("latin-1").lower()
        if name == "content-type":
            out[name] = value.decode("latin-1")
        elif name == "accept":
            text = value.decode("latin-1")
            out[name] = f"{out[name]}, {text}" if name in out else text
    return out


async def _read_body(receive: Receive) -> bytes | None:
    """The request body; None if the client went away before sending all of it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


class RegistryApp:
    """The registry as an ASGI application (HTTP; lifespan events are acknowledged)."""

    def __init__(self, dispatcher: _Dispatcher) -> None:
        self.dispatcher = dispatcher

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        if body is None:
            return  # nobody to answer, and a partial body must not be acted on
        reply, media_type = await self.dispatcher.handle(scope, body)
        headers = [
            (b"content-length", b"%d" % len(reply.body)),
            (b"content-type", media_type.encode("latin-1")),
        ]
        if reply.headers:
            extra = [
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()
            ]
            headers = extra + headers
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body})


async def _lifespan(receive: Receive, send: Send) -> None:
    """Nothing to start or stop: everything is set up in ``create_app``."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


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
) -> ASGIApp:
    """A Confluent-compatible registry over the SQLite file ``db_path`` (created if missing).

    Everything is initialised here, not in a lifespan hook, so the app also
    works under ``httpx.ASGITransport``, which runs no lifespan events.
    """
    app: ASGIApp = RegistryApp(_Dispatcher(Registry(Store(db_path))))
    return app if request_log is None else RequestLog(app, request_log)
