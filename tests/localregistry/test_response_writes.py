"""The server sends each response's head and body in one socket write (``_server._OneWrite``).

What it must keep: every byte, in order, pipelined requests answered in
turn, a large body whole, and what was written before the server closes a
connection (``Connection: close``) sent before the close.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import httpx

from reconciler.localregistry import serve_in_thread


def _responses(data: bytes) -> list[tuple[bytes, bytes]]:
    """(status line, body) of each response in ``data``, which must hold them whole."""
    out = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        assert length is not None, head
        size = int(length.group(1))
        assert len(rest) >= size, (head, len(rest), size)
        out.append((head.split(b"\r\n")[0], rest[:size]))
        data = rest[size:]
    return out


def test_pipelined_responses_arrive_whole_and_in_order_before_the_close(tmp_path: Path) -> None:
    fields = [{"name": f"f{i}", "type": "string", "default": "x" * 200} for i in range(400)]
    big = json.dumps({"type": "record", "name": "Big", "fields": fields})
    with serve_in_thread(tmp_path / "registry.db") as url:
        assert httpx.post(f"{url}/subjects/big/versions", json={"schema": big}).status_code == 200
        host, port = url.removeprefix("http://").rsplit(":", 1)
        body = json.dumps({"schema": json.dumps({"type": "string"})}).encode()
        requests = [
            b"GET /subjects HTTP/1.1\r\nhost: x\r\n\r\n",
            b"POST /subjects/small/versions HTTP/1.1\r\nhost: x\r\n"
            b"content-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body),
            b"GET /subjects/big/versions/1 HTTP/1.1\r\nhost: x\r\n\r\n",
            b"GET /subjects/nothing/versions HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        ]
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(b"".join(requests))
            received = b""
            while chunk := sock.recv(65536):  # until the server closes the connection
                received += chunk
    answers = _responses(received)
    assert [status for status, _ in answers] == [
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 404 Not Found",
    ]
    assert json.loads(answers[0][1]) == ["big"]
    assert json.loads(answers[1][1]) == {"id": 2}
    assert json.loads(json.loads(answers[2][1])["schema"]) == json.loads(big)
    assert json.loads(answers[3][1])["error_code"] == 40401
