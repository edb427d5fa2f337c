"""Schema files: extensions, safe file names, readable content."""

from __future__ import annotations

import json
import re

EXTENSIONS = {"AVRO": ".avsc", "JSON": ".json", "PROTOBUF": ".proto"}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def readable(schema_type: str, text: str) -> str:
    """The schema as a person would write it: indented JSON, or the .proto text."""
    if schema_type in ("AVRO", "JSON"):
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
        except json.JSONDecodeError:
            pass
    return text if text.endswith("\n") else text + "\n"


class FileNames:
    """Unique, file-system-safe names in one directory, stable for the same inputs."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def claim(self, stem: str, suffix: str) -> str:
        safe = _UNSAFE.sub("_", stem).lstrip(".") or "_"
        name, n = f"{safe}{suffix}", 1
        while name.lower() in self._used:  # case-insensitive file systems
            n += 1
            name = f"{safe}-{n}{suffix}"
        self._used.add(name.lower())
        return name
