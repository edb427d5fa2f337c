"""The last plan's comparisons, remembered for the next plan by their inputs.

``diff.compare`` is a function of its ``Comparison``: the registry's specs, the
live state, the registry's name, levels and place in the project file, and two
options (``allow_force_import``, the modes interrupted applies left behind).
After the last answer it is most of a second plan's remaining work (~30-45 ms
of a no-change plan at 10,000 subjects, 60-75 ms of the 1 % plan's). What it
found (when it needs no more reads) is kept here by registry with the digest of
those inputs; a plan whose inputs have that digest takes it without comparing.

The specs are named by the project cache's key (``Project.inputs``: an HMAC over
every input file's bytes, the variables they use, the loading code and the
project file's settings that the load depends on), the live state by its
fingerprint (every field of every version and setting read). The file is a
``RememberedValue``, keyed by the code that compares (the results cache's) and
authenticated like it: the ``Diff`` is a pickle, unpickled only once the file's
HMAC (its key outside the project) has checked, as the project cache's payload.
It holds what the plan shows (its actions and problems: schema texts, metadata
as interpolated, the specs' places), in a file of mode 0600 as the project
cache's; no registry URL nor credential (a registry is named by its name).
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import replace
from pathlib import Path

from reconciler.spec import RememberedValue

from .checks import CODE, LIBRARIES
from .comparison import Comparison, source_of
from .diff import Diff

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
    """The last plan's comparisons, by registry: the digest of their inputs and what they
    found (a pickle of the ``Diff``)."""

    def __init__(self, root: Path) -> None:
        self._file = RememberedValue(root, DIFFS_FILE, CODE, LIBRARIES)
        self._found: dict[str, tuple[bytes, bytes]] | None = None
        self._kept: dict[str, tuple[bytes, bytes]] = {}

    def _entries(self) -> dict[str, tuple[bytes, bytes]]:
        if self._found is None:
            found = self._file.read()
            valid = isinstance(found, dict) and all(
                isinstance(k, str)
                and isinstance(v, tuple)
                and len(v) == 2
                and all(isinstance(b, bytes) for b in v)
                for k, v in found.items()
            )
            self._found = found if valid else {}
        return self._found

    def take(self, registry: str, digest: bytes) -> Diff | None:
        """What the last plan's comparison of these very inputs found; None if it
        compared others (or the file is not this code's, this user's, or whole)."""
        entry = self._entries().get(registry)
        if entry is None or entry[0] != digest:
            return None
        try:
            diff = pickle.loads(entry[1])
        except Exception:  # a payload this code cannot read: it compares
            return None
        if not isinstance(diff, Diff):
            return None
        self._kept[registry] = entry
        return diff

    def keep(self, registry: str, digest: bytes, diff: Diff) -> None:
        """Remember what comparing the inputs of ``digest`` found. Only a diff that
        needs no more reads: its ``unchanged`` (for a second comparison) is not kept."""
        assert not diff.unread
        payload = pickle.dumps(replace(diff, unchanged=frozenset()), pickle.HIGHEST_PROTOCOL)
        self._kept[registry] = (digest, payload)

    def save(self) -> None:
        """Write the registries' entries, if they are not those read."""
        if self._kept != self._entries():
            self._file.write(self._kept)
