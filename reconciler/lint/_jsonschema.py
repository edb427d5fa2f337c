"""Lint rules for JSON Schema documents."""

from __future__ import annotations

from typing import Any

from ._source import Emit, Source, quoted

# Keywords whose values are data, not subschemas: never walked.
_DATA = {"enum", "const", "default", "examples", "required", "$comment", "description", "title"}


def lint(source: Source, emit: Emit) -> None:
    doc = source.document
    if isinstance(doc, dict) and "$schema" not in doc:
        emit(
            "JSON_SCHEMA_DRAFT_MISSING",
            "no $schema: draft 7 is assumed",
            "",
            [r"\{"],
        )
    _walk(doc, "", [], emit)


def _walk(node: Any, pointer: str, needles: list[str], emit: Emit) -> None:
    if isinstance(node, list):
        for i, item in enumerate(node):
            _walk(item, f"{pointer}/{i}", needles, emit)
        return
    if not isinstance(node, dict):
        return
    if (
        isinstance(node.get("properties"), dict)
        and node.get("additionalProperties", True) is True
        and node.get("unevaluatedProperties", True) is True
    ):
        emit(
            "JSON_OPEN_CONTENT_MODEL",
            f"the object at #{pointer} is open: adding a typed property to it later is not "
            "BACKWARD compatible (set additionalProperties: false to close it)",
            pointer,
            [*needles, quoted("properties")],
        )
    for key, value in node.items():
        if key not in _DATA:
            escaped = key.replace("~", "~0").replace("/", "~1")
            _walk(value, f"{pointer}/{escaped}", [*needles, quoted(key)], emit)
