"""The schema a finding is about, and how a finding points into its text."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from reconciler.compatibility import InvalidSchemaError, parse, protobuf_file
from reconciler.spec import Location

from ._catalog import RULES
from ._report import Finding

if TYPE_CHECKING:  # protobuf is imported only when a Protobuf schema is linted
    from google.protobuf.descriptor_pb2 import FileDescriptorProto


@dataclass(frozen=True)
class Source:
    """One subject's desired latest schema: its text and where it was written.

    ``path`` is the schema file (findings then point at a line in it); an
    inline schema has none, and its findings point at the subject in the spec.
    """

    subject: str
    context: str
    schema_type: str
    text: str
    path: Path | None
    spec_location: Location | None
    references: dict[str, str]

    # Several rules read the same schema: it is decoded (or compiled) once.

    @cached_property
    def document(self) -> Any:
        """The text decoded as JSON (AVRO, JSON); None when it does not decode.

        The loader refuses schemas that do not parse, so None only ever means
        "nothing to lint here".
        """
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    @cached_property
    def descriptor(self) -> FileDescriptorProto | None:
        """protoc's file descriptor of a PROTOBUF schema; None when it does not compile."""
        try:
            return protobuf_file(parse("PROTOBUF", self.text, self.references))
        except InvalidSchemaError:
            return None


class Emit(Protocol):
    """Report a finding: its rule, message, path in the schema, the needles that
    locate it in the text (``locate``) and, when there is one, the fix."""

    def __call__(
        self, rule: str, message: str, path: str, needles: Sequence[str], fix: str = ""
    ) -> None: ...


def locate(text: str, needles: Sequence[str]) -> tuple[int, int] | None:
    """Line and column (1-based) of the last of ``needles`` (regexes), found one after another.

    Findings name a JSON pointer or type path; this turns it into a place an
    editor can jump to by finding, in order, the names along the way (a
    record's name, then its field's). Needles not found are skipped.
    """
    start, found = 0, None
    for needle in needles:
        match = re.compile(needle).search(text, start)
        if match is None:
            continue
        start = found = match.start()
    if found is None:
        return None
    line = text.count("\n", 0, found) + 1
    return line, found - (text.rfind("\n", 0, found) + 1) + 1


def quoted(name: str) -> str:
    """A needle for a JSON string ``name``."""
    return re.escape(f'"{name}"')


def collector(source: Source, findings: list[Finding]) -> Emit:
    def emit(rule: str, message: str, path: str, needles: Sequence[str], fix: str = "") -> None:
        location = source.spec_location
        if source.path is not None:
            place = locate(source.text, needles) or (1, 1)
            location = Location(source.path, *place)
        findings.append(
            Finding(RULES[rule], location, message, source.subject, source.context, path, fix)
        )

    return emit
