"""Pausing Python's cyclic garbage collector around work that builds much and keeps it.

Loading 10,000 specs or planning against 50,000 live versions allocates
objects that are nearly all kept until the work is done and hold no cycle;
the collector's passes would rescan them again and again (seconds, measured
in docs/performance.md). Callers say why at the call site. Pauses nest: the
collector is enabled again only by the pause that disabled it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
