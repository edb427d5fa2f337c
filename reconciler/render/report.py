"""The one JSON envelope of every report a command prints with ``--output json``.

The plan has its own versioned artifact (``Plan.to_json``); every other report
(validate, lint, drift, compat, export, migrate, history) is an object that
starts with ``format_version`` and ``command``, so a tool reading several
commands' output can tell them apart and refuse a version it does not know.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

REPORT_FORMAT_VERSION = 1


def envelope(command: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` under the envelope's two leading keys. A ``format_version`` in it (a
    report's own, as the MCP tools return it) must be this version: written once,
    and never silently replaced by another."""
    inner = body.get("format_version", REPORT_FORMAT_VERSION)
    if inner != REPORT_FORMAT_VERSION:
        raise ValueError(f"{command}: a report of format_version {inner} in an envelope of 1")
    rest = {key: value for key, value in body.items() if key != "format_version"}
    return {"format_version": REPORT_FORMAT_VERSION, "command": command, **rest}


def report_json(command: str, body: Mapping[str, Any]) -> str:
    return json.dumps(envelope(command, body), indent=2)
