"""Files under ``.reconcile/cache/`` that only this user's runs can have written.

Each is its body after the hex HMAC-SHA256 of that body, on a line of its own,
with the key kept outside the project (``_cache._secret``). A file that came
with a checkout, was edited, or is partial fails the check and is ignored:
the caches that read them (``_results.py``, ``_reads.py``, ``_remembered.py``)
then do the work again, never trust what they cannot authenticate.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from ._cache import _write_atomically


def read_signed(path: Path, key: bytes) -> bytes | None:
    """The body of the file at ``path`` if ``key`` signed it; None when it is absent,
    unreadable, or not signed so."""
    try:
        mac, body = path.read_bytes().split(b"\n", 1)
    except (OSError, ValueError):
        return None
    expected = hmac.new(key, body, hashlib.sha256).hexdigest().encode()
    return body if hmac.compare_digest(mac, expected) else None


def write_signed(path: Path, key: bytes, body: bytes) -> bool:
    """Write ``body`` to ``path``, signed with ``key``, atomically; False when it could
    not be written (what it would have saved is only worked out again)."""
    mac = hmac.new(key, body, hashlib.sha256).hexdigest().encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, mac + b"\n" + body)
    except OSError:
        return False
    return True
