"""One value remembered under ``.reconcile/cache/`` for the next run, in ``marshal``'s form.

For what every run reads whole, of types JSON lacks (tuples, bytes: a listing's
page digests, ``engine/remembered_listings.py``): ``marshal`` reads them back as
they were written, faster than JSON.

The file is authenticated as ``results.json`` is (``_signed.py``): an HMAC,
with the key kept outside the project, over the digest of the code that
computed the value and the value's bytes; ``marshal`` is given only bytes this
user's runs wrote (it trusts its input). A file of other code (its packages'
sources, its libraries' versions, the Python that wrote it), another key, or a
damaged one is ignored. Any failure to read or write it only costs the work.
"""

from __future__ import annotations

import marshal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from ._cache import _secret
from ._results import _code_digest
from ._signed import read_signed, write_signed

CACHE_DIR = Path(".reconcile") / "cache"


class RememberedValue:
    """The value kept in ``.reconcile/cache/NAME`` of the project at ``root``.

    ``packages`` and ``libraries``: the code that computes the value; their digest
    (and Python's version) keys the file."""

    def __init__(
        self, root: Path, name: str, packages: Sequence[ModuleType], libraries: Sequence[str]
    ) -> None:
        self.path = root / CACHE_DIR / name
        self._packages = tuple(packages)
        self._libraries = tuple(libraries)

    def _code(self) -> bytes:
        python = f"{sys.implementation.cache_tag} marshal {marshal.version}"
        return f"{_code_digest(self._packages, self._libraries)} {python}".encode()

    def read(self) -> Any | None:
        """The value kept, or None: none, or not this code's, this user's, or whole."""
        key = _secret()
        if key is None:
            return None
        body = read_signed(self.path, key)
        if body is None:
            return None
        code, _, value = body.partition(b"\n")
        if code != self._code():
            return None
        try:
            return marshal.loads(value)
        except (EOFError, ValueError, TypeError):
            return None

    def write(self, value: Any) -> None:
        """Keep ``value`` (of the types ``marshal`` writes) for the next run."""
        key = _secret()
        if key is None:
            return
        try:
            body = self._code() + b"\n" + marshal.dumps(value)
        except ValueError:  # a type marshal does not write
            return
        write_signed(self.path, key, body)
