"""A forward HTTP proxy on 127.0.0.1, as corporate networks put between a client and a registry.

``CONNECT host:port`` opens a tunnel (the bytes are relayed untouched, TLS
inside); any other request must be in absolute form (``GET http://host/...``)
and is relayed to that host, connection and all. Each connection's first
request line is recorded, with its ``Proxy-Authorization`` header; when
``credentials`` are set, a connection without them is answered 407.

It runs its own event loop in a thread (``loop_thread``), so that a client in
another thread or another process (the CLI) can use it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from dataclasses import dataclass, field

from loop_thread import LoopThreadServer


@dataclass
class Seen:
    line: str  # "CONNECT 127.0.0.1:8081 HTTP/1.1", "GET http://127.0.0.1:8081/subjects HTTP/1.1"
    authorization: str | None


@dataclass
class ForwardProxy(LoopThreadServer):
    credentials: tuple[str, str] | None = None
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    def _authorized(self, authorization: str | None) -> bool:
        if self.credentials is None:
            return True
        user, password = self.credentials
        expected = base64.b64encode(f"{user}:{password}".encode()).decode()
        return authorization == f"Basic {expected}"

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            line, *headers = head.decode("latin-1").split("\r\n")
            authorization = next(
                (
                    value.strip()
                    for name, _, value in (h.partition(":") for h in headers)
                    if name.lower() == "proxy-authorization"
                ),
                None,
            )
            self.seen.append(Seen(line, authorization))
            if not self._authorized(authorization):
                # Echoing what it was sent, as some proxies' error pages do.
                body = f"denied: {authorization}".encode()
                writer.write(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'Proxy-Authenticate: Basic realm="test"\r\n'
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )
                await writer.drain()
                return
            method, target, _ = line.split(" ")
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                up_reader, up_writer = await asyncio.open_connection(host, int(port))
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                rest = b""
            else:
                scheme, _, after = target.partition("://")
                assert scheme == "http", line
                authority = after.split("/", 1)[0]
                host, _, port = authority.rpartition(":")
                up_reader, up_writer = await asyncio.open_connection(host, int(port or 80))
                rest = head  # origin servers accept absolute-form targets too (RFC 9112 3.2.2)
            up_writer.write(rest)
            await asyncio.gather(_relay(reader, up_writer), _relay(up_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()


async def _relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()
