"""What reconciler/service's ServiceApp (metrics, request id, access log) adds to a request
of ``reconcile registry serve``: the local registry's ASGI app answering ``GET
/config/{subject}`` in-process, bare and wrapped as the CLI wraps it.

Prints the time per request of each and their ratio (the bare app is the floor,
measured in the same run). Usage: python bench/service_overhead.py [REQUESTS]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from starlette.types import ASGIApp, Message

from reconciler.localregistry import create_app
from reconciler.localregistry._server import route_label
from reconciler.service import ServiceApp


async def per_request(app: ASGIApp, requests: int) -> float:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/config/orders-value",
        "raw_path": b"/config/orders-value",
        "headers": [(b"host", b"bench")],
        "query_string": b"",
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        pass

    for _ in range(500):  # warm-up
        await app(scope, receive, send)
    started = time.perf_counter()
    for _ in range(requests):
        await app(scope, receive, send)
    return (time.perf_counter() - started) / requests


async def main(requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bare = create_app(Path(tmp) / "registry.db")
        wrapped = ServiceApp(bare, route_of=route_label)
        floor = await per_request(bare, requests)
        served = await per_request(wrapped, requests)
    print(f"registry app, GET /config/{{subject}}: {floor * 1e6:.1f} us/request")
    print(f"with ServiceApp:                      {served * 1e6:.1f} us/request")
    print(f"ratio: {served / floor:.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000))
