"""Confluent-style difference lists (JSON Schema, Protobuf) as ``Difference`` and ``Message``.

Both walkers emit ``(rule, path)`` pairs from the original to the update; a
difference is located as a JSON pointer (``#/properties/a``, ``#/Order/3``)
and is compatible when its rule is BACKWARD compatible in the catalogue. A
reader/writer check is the writer-to-reader diff, keeping what breaks.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._rules import BY_ID
from ._types import Difference, Message


def differences(found: Iterable[tuple[str, tuple[str, ...]]]) -> list[Difference]:
    """The walker's ``(rule, path)`` pairs, in walk order."""
    return [Difference(rule, "#/" + "/".join(path), BY_ID[rule].backward) for rule, path in found]


def breaking(writer_to_reader: Iterable[Difference], version: int) -> list[Message]:
    """The incompatible differences of a writer-to-reader diff, each with why."""
    return [
        Message(d.rule, d.location, BY_ID[d.rule].why, version)
        for d in writer_to_reader
        if not d.compatible
    ]
