"""Structured logs: one JSON object per line when stderr is not a TTY, text otherwise.

Each record carries the fields bound for the work in progress (``log_context``:
request id, principal, tool, registry, ...) and those given as ``extra``. No
secret is logged: requests are logged without their query string or headers,
and every message passes through ``scrub``, which masks what looks like a
credential (``access_token=...``, ``Authorization: Bearer ...``) should one
reach a message anyway.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

_CONTEXT: ContextVar[Mapping[str, Any] | None] = ContextVar("reconciler_log_context", default=None)

# The fields a record may carry besides its message (``extra=`` or ``log_context``).
FIELDS = (
    "request_id",
    "principal",
    "client",
    "tool",
    "registry",
    "method",
    "route",
    "path",
    "status",
    "duration_ms",
    "outcome",
)

_SECRETS = re.compile(
    r"(?i)((?:access_token|api_key|apikey|token|secret|password|client_secret)=)[^&\s\"']+"
    r"|(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"
)


def scrub(text: str) -> str:
    """Mask query-string credentials and Authorization values in a text."""
    return _SECRETS.sub(lambda m: (m.group(1) or m.group(2) + " ") + "***", text)


class _Bound:
    """``log_context``'s block: a class, as the server enters one for every request
    (a generator-based context manager cost about twice as much)."""

    __slots__ = ("fields", "token")

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields

    def __enter__(self) -> None:
        self.token = _CONTEXT.set({**(_CONTEXT.get() or {}), **self.fields})

    def __exit__(self, *exc: object) -> None:
        _CONTEXT.reset(self.token)


def log_context(**fields: Any) -> _Bound:
    """Add ``fields`` to every record logged inside the block (this task and its children)."""
    return _Bound(fields)


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = {k: v for k, v in (_CONTEXT.get() or {}).items() if v is not None}
    fields.update({k: getattr(record, k) for k in FIELDS if getattr(record, k, None) is not None})
    return fields


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", ...fields}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        line.update(_fields(record))
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """For a terminal: time, level, message, then the fields as ``key=value``."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        time = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        text = f"{time} {record.levelname:<7} {scrub(record.getMessage())}"
        if record.exc_info:
            text += "\n" + scrub(self.formatException(record.exc_info))
        return f"{text}  {fields}" if fields else text


def configure_logging(level: str = "INFO", *, json_lines: bool | None = None) -> None:
    """Send every logger (uvicorn's and the MCP SDK's included) to stderr in one format.

    ``json_lines`` defaults to "stderr is not a TTY" (a container, a service manager).
    """
    if json_lines is None:
        json_lines = not sys.stderr.isatty()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "mcp"):
        # Theirs propagate to the root handler; uvicorn's access log stays off (ServiceApp
        # logs each request, without its query string, which may hold a token).
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
