"""Files a workflow writes: schema extensions, safe names, readable content, .gitignore."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import orjson

from reconciler.compatibility import has_float

EXTENSIONS = {"AVRO": ".avsc", "JSON": ".json", "PROTOBUF": ".proto"}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


class _Float(Exception):
    """A number the standard library writes otherwise than orjson (see ``indented_json``)."""


def _refuse_float(literal: str) -> Any:
    raise _Float(literal)


# Decodes as ``json.loads`` does (the C scanner), but stops at the first float,
# NaN or Infinity: the one walk that tells whether orjson may write the result.
_WITHOUT_FLOATS = json.JSONDecoder(parse_float=_refuse_float, parse_constant=_refuse_float)


def readable(schema_type: str, text: str) -> str:
    """The schema as a person would write it: indented JSON, or the .proto text.

    Indented JSON is ``json.dumps(json.loads(text), indent=2, ensure_ascii=False)``
    byte for byte (``indented_json``); a document without floats, the usual schema,
    goes straight to orjson, as the decoder already saw every number.
    """
    if schema_type in ("AVRO", "JSON"):
        try:
            return _orjson_indented(_WITHOUT_FLOATS.decode(text)) + "\n"
        except _Float:
            try:
                return json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
            except json.JSONDecodeError:
                pass
        except json.JSONDecodeError:
            pass
    return text if text.endswith("\n") else text + "\n"


def indented_json(doc: Any) -> str:
    """``json.dumps(doc, indent=2, ensure_ascii=False)``, byte for byte, by orjson where
    its output is the same: everything but floats (orjson writes ``1e16`` where Python
    writes ``1e+16``, and NaN as null); what it refuses (integers beyond 64 bits, lone
    surrogates) falls back too."""
    if has_float(doc):
        return json.dumps(doc, indent=2, ensure_ascii=False)
    return _orjson_indented(doc)


def _orjson_indented(doc: Any) -> str:
    """``indented_json`` of a document without floats."""
    try:
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONEncodeError:
        return json.dumps(doc, indent=2, ensure_ascii=False)


def _safe(stem: str) -> str:
    return _UNSAFE.sub("_", stem).lstrip(".") or "_"


def safe_name(stem: str, suffix: str) -> str:
    """The file-system-safe name of ``stem``: what ``FileNames.claim`` gives the first
    to claim it."""
    return _safe(stem) + suffix


def version_prefix(subject: str) -> str:
    """What the safe stem of ``f"{subject}.v{n}"`` starts with, for every int ``n``: a
    number's characters are all safe and ``.v`` keeps the stem from being empty, so
    ``_safe`` of it is ``version_prefix(subject) + str(n)`` (a subject's characters
    made safe once, not once per version)."""
    return _safe(f"{subject}.v")


class FileNames:
    """Unique, file-system-safe names in one directory, stable for the same inputs."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def claim(self, stem: str, suffix: str) -> str:
        return self.claim_safe(_safe(stem), suffix)

    def claim_safe(self, safe: str, suffix: str) -> str:
        """``claim`` of a stem already made safe (``_safe``, ``version_prefix``)."""
        name, n = f"{safe}{suffix}", 1
        folded = name.lower()
        while folded in self._used:  # case-insensitive file systems
            n += 1
            name = f"{safe}-{n}{suffix}"
            folded = name.lower()
        self._used.add(folded)
        return name


LOCAL_STATE = ".reconcile/"
_IGNORES_LOCAL_STATE = {".reconcile", ".reconcile/", "/.reconcile", "/.reconcile/"}


def ignore_local_state(root: Path) -> Path | None:
    """Make ``root/.gitignore`` ignore ``.reconcile/``; return the file when it changed.

    ``.reconcile/`` holds what a run leaves on one machine (the apply journal,
    the lock, the embedded registry's database): committing it with ``git add
    -A`` would put another machine's state in review. An existing ``.gitignore``
    gets the line appended, never rewritten.
    """
    path = root / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if any(line.strip() in _IGNORES_LOCAL_STATE for line in text.splitlines()):
        return None
    if text and not text.endswith("\n"):
        text += "\n"
    root.mkdir(parents=True, exist_ok=True)
    path.write_text(
        text + "# reconcile's local state: apply journal, lock, embedded registry\n"
        f"{LOCAL_STATE}\n",
        encoding="utf-8",
    )
    return path
