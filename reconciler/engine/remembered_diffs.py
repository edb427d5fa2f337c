"""The comparisons that found nothing to do, remembered for the next plan.

``diff.compare`` is a function of its ``Comparison``: the registry's specs, the
live state, the registry's name, levels and place in the project file, and two
options (``allow_force_import``, the modes interrupted applies left behind).
After the last answer it is most of a second plan's remaining work (~30-45 ms
of a no-change plan at 10,000 subjects). When it found nothing -- no action, no
problem, no setting left to read -- the digest of those inputs is kept here by
registry; a plan whose inputs have that digest takes "nothing" without comparing.

The specs are named by the project cache's key (``Project.inputs``: an HMAC over
every input file's bytes, the variables they use, the loading code and the
project file's settings that the load depends on), the live state by its
fingerprint (every field of every version and setting read). The file is a
``RememberedValue``, keyed by the code that compares (the results cache's) and
authenticated like it; only digests are kept. A diff that found something is not
kept (what it found would be kept with its objects; the 1 % plan compares).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from reconciler.spec import RememberedValue

from .checks import CODE, LIBRARIES
from .comparison import Comparison, source_of

DIFFS_FILE = "diffs"


def inputs_digest(comparison: Comparison, specs: str, fingerprint: str) -> bytes:
    """The digest of what ``compare(comparison)`` is a function of: ``specs`` (the
    project's ``inputs``), ``fingerprint`` (the live state's) and the comparison's
    other fields that change its outcome."""
    registry = comparison.registry
    fields = [
        specs,
        fingerprint,
        registry.name,
        registry.compatibility,
        registry.mode,
        source_of(registry),
        comparison.allow_force_import,
        sorted(comparison.recovered_modes.items()),
        comparison.provisional,
    ]
    return hashlib.sha256(json.dumps(fields, separators=(",", ":")).encode()).digest()


class RememberedDiffs:
    """The digests of the last plan's comparisons that found nothing, by registry."""

    def __init__(self, root: Path) -> None:
        self._file = RememberedValue(root, DIFFS_FILE, CODE, LIBRARIES)
        self._found: dict[str, bytes] | None = None
        self._kept: dict[str, bytes] = {}

    def _entries(self) -> dict[str, bytes]:
        if self._found is None:
            found = self._file.read()
            valid = isinstance(found, dict) and all(
                isinstance(k, str) and isinstance(v, bytes) for k, v in found.items()
            )
            self._found = found if valid else {}
        return self._found

    def found_nothing(self, registry: str, digest: bytes) -> bool:
        """Whether the last plan's comparison of these very inputs found nothing."""
        return self._entries().get(registry) == digest

    def keep(self, registry: str, digest: bytes | None) -> None:
        """Remember that comparing the inputs of ``digest`` found nothing (None: that it
        found something, or was not made)."""
        if digest is not None:
            self._kept[registry] = digest

    def save(self) -> None:
        """Write the registries' digests, if they are not those read."""
        if self._kept != self._entries():
            self._file.write(self._kept)
