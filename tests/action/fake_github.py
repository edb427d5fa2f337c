"""A minimal stand-in for GitHub's issue-comments API, served on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class FakeGitHub:
    token: str
    comments: list[dict] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    url: str = ""


def _handler(state: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def _reply(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self) -> bool:
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                self._reply(401, {"message": "Bad credentials"})
                return False
            return True

        def _body(self) -> dict:
            return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

        def do_GET(self) -> None:
            state.calls.append(f"GET {self.path}")
            if not self._authorized():
                return
            query = parse_qs(urlparse(self.path).query)
            per_page, page = int(query["per_page"][0]), int(query["page"][0])
            self._reply(200, state.comments[(page - 1) * per_page : page * per_page])

        def do_POST(self) -> None:
            state.calls.append(f"POST {self.path}")
            if not self._authorized():
                return
            comment = {"id": 1000 + len(state.comments), "body": self._body()["body"]}
            state.comments.append(comment)
            self._reply(201, comment)

        def do_PATCH(self) -> None:
            state.calls.append(f"PATCH {self.path}")
            if not self._authorized():
                return
            comment_id = int(self.path.rsplit("/", 1)[1])
            for comment in state.comments:
                if comment["id"] == comment_id:
                    comment["body"] = self._body()["body"]
                    self._reply(200, comment)
                    return
            self._reply(404, {"message": "Not Found"})

    return Handler


@contextmanager
def fake_github(token: str) -> Iterator[FakeGitHub]:
    state = FakeGitHub(token)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
