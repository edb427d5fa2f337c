"""A schema reference as Confluent's REST API carries it (``SchemaReference.java``).

One type for every layer that speaks the wire form: the registry client sends
and reads it, the local registry parses and stores it, the engine's snapshot
and plans hold it. What differs on purpose lives elsewhere: the spec's
``ReferenceSpec`` may say ``version: latest`` and knows its file and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reference:
    """The name a schema imports, resolved to a subject and version (this text is
    also the description MCP clients read, so it carries no markup)."""

    name: str
    subject: str
    version: int

    def to_json(self) -> dict[str, Any]:
        """The wire form: ``{"name": ..., "subject": ..., "version": ...}``."""
        return {"name": self.name, "subject": self.subject, "version": self.version}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Reference:
        """The wire form read back (a body already checked, or one this code wrote)."""
        return cls(str(doc["name"]), str(doc["subject"]), int(doc["version"]))
