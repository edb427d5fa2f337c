"""The GET requests the last plan sent to each registry, remembered under ``.reconcile/cache/``.

``reconcile plan`` sends them again ahead, while its specs load
(``registry.ReadAhead``): the request targets only, relative to the
registry's URL (``/mode/orders-value``, ``/schemas?offset=0&limit=1000``),
never a header, a credential or the URL. The registry package sends only
targets of the snapshot's own shapes, whatever this file holds.

Authenticated as ``results.json`` is (``_signed.py``): an HMAC with the key
kept outside the project, over the file's body; a foreign, corrupt or partial
file is ignored (the plan then reads as a first plan does). Rewritten,
atomically, only when what a plan sent differs from what it found here. Any
failure to read or write it only costs the read-ahead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from ._cache import _secret
from ._signed import read_signed, write_signed

READS_FILE = Path(".reconcile") / "cache" / "reads.json"
_FORM = 1  # the body's form: another is ignored


class RememberedReads:
    """The remembered targets of one project directory, by registry name."""

    def __init__(self, root: Path) -> None:
        self.path = root / READS_FILE
        self._key: bytes | None = None
        self._found: dict[str, list[str]] = {}

    def load(self) -> dict[str, list[str]]:
        """What the last plan sent, by registry; empty when nothing valid is kept."""
        self._key = _secret()
        if self._key is None:
            return {}
        body = read_signed(self.path, self._key)
        if body is None:
            return {}
        try:
            doc = json.loads(body)
            reads = doc["reads"]
            if doc["form"] == _FORM and _valid(reads):
                self._found = reads
        except (ValueError, KeyError, TypeError):
            pass  # another form: a plan without read-ahead writes it anew
        return dict(self._found)

    def save(self, sent: Mapping[str, Sequence[str]]) -> None:
        """Keep ``sent`` (the targets each registry was sent) in place of those registries'
        entries, the others' kept as they were; written only when that changes the file."""
        if self._key is None:
            self.load()
        reads = {**self._found, **{name: list(paths) for name, paths in sent.items()}}
        reads = {name: paths for name, paths in reads.items() if paths}
        if self._key is None or reads == self._found:
            return
        body = json.dumps({"form": _FORM, "reads": reads}, separators=(",", ":")).encode()
        if write_signed(self.path, self._key, body):
            self._found = reads


def _valid(reads: object) -> bool:
    return isinstance(reads, dict) and all(
        isinstance(name, str)
        and isinstance(paths, list)
        and all(isinstance(path, str) for path in paths)
        for name, paths in reads.items()
    )
