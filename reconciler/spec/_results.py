"""Results of pure computations on schema texts, remembered under ``.reconcile/cache/``.

A plan that registers a new version works out, for each, whether it is
compatible with the subject's versions and what it changes from the latest
(``engine/checks.py``): parses, compatibility checks and a structural diff,
~2 ms a registration, which a second plan of the same project would make
again to the same answers. Each answer is a pure function of its inputs (the
schema texts, their references' texts and types, the level, and the code that
computes it), so it is kept here under a digest of every input: a changed
schema, reference or level is another entry, and the file as a whole is keyed
by the computing code's digest (its packages' sources and its libraries'
versions). Nothing is invalidated by time.

The file is authenticated as ``schemas.json`` is (``_cache.py``): an HMAC with
the key kept outside the project, over the file's body; a foreign (another
key or code), corrupt or partial file is ignored. What a plan used (found or
added) is what is saved, so the file holds the current plan's answers only
(at most ``MAX_ENTRIES``) and is rewritten only when they changed, atomically.
Any failure to read or write it only costs the computations.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from ._cache import _secret, _sources_digest, _version
from ._signed import read_signed, write_signed

RESULTS_FILE = Path(".reconcile") / "cache" / "results.json"
MAX_ENTRIES = 50_000  # ~200-400 bytes each: a file of at most ~20 MB
_ENTRY_CHARS = 32  # 128 bits of SHA-256 per entry, as in schemas.json


def result_key(*inputs: object) -> str:
    """The digest of ``inputs`` (JSON values: strings, numbers, lists): one entry's key.

    JSON's encoding of a list is unambiguous (every string quoted and escaped),
    so two different input lists never hash the same text."""
    text = json.dumps(inputs, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:_ENTRY_CHARS]


@cache
def _code_digest(packages: tuple[ModuleType, ...], libraries: tuple[str, ...]) -> str:
    """A digest of the packages' Python sources and the libraries' versions."""
    seed = ""
    for package in packages:
        seed = _sources_digest(Path(str(package.__file__)).parent, (), seed)
    versions = "".join(f"\0{library}={_version(library)}" for library in libraries)
    return hashlib.sha256((seed + versions).encode()).hexdigest()


class ResultCache:
    """The remembered results of one project directory, read on first use.

    ``code``: the packages whose sources compute the results, and the libraries
    they use; their digest keys the whole file.
    """

    def __init__(
        self, root: Path, packages: Sequence[ModuleType], libraries: Sequence[str]
    ) -> None:
        self.path = root / RESULTS_FILE
        self._code: Callable[[], str] = lambda: _code_digest(tuple(packages), tuple(libraries))
        self._key: bytes | None = None
        self._found: dict[str, Any] | None = None  # None: not read yet
        self._used: dict[str, Any] = {}

    def _read(self) -> dict[str, Any]:
        self._key = _secret()
        if self._key is None:
            return {}
        body = read_signed(self.path, self._key)
        if body is None:
            return {}
        try:
            doc = json.loads(body)
            entries = doc["entries"]
            if doc["code"] == self._code() and isinstance(entries, dict):
                return entries
        except (ValueError, KeyError, TypeError):
            pass  # another form: compute, and write it anew
        return {}

    def _entries(self) -> dict[str, Any]:
        if self._found is None:
            self._found = self._read()
        return self._found

    def get(self, item: str) -> Any | None:
        """The value kept under ``item``; None when there is none."""
        value = self._entries().get(item)
        if value is not None:
            self._used[item] = value
        return value

    def put(self, item: str, value: Any) -> None:
        """Keep ``value`` (a JSON value, not None) under ``item`` for the next plan."""
        self._used[item] = value

    def save(self) -> None:
        """Write what this plan used, if it differs; a failure only costs the next plan time."""
        if not self._used or self._used == self._entries() or self._key is None:
            return
        entries = dict(list(self._used.items())[:MAX_ENTRIES])
        body = json.dumps({"code": self._code(), "entries": entries}).encode()
        if write_signed(self.path, self._key, body):
            self._found = dict(entries)
