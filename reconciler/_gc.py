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
    """The collector off while the block runs; then what it built goes to the oldest
    generation.

    Left in the youngest, everything the pause built is scanned by the first
    collection after it, and again by the next generation's: at 100,000
    subjects a plan's collections cost 0.5 s of CPU (0.17 s after the warm
    load, 0.33 s after the plan), for objects that are kept. ``gc.freeze()``
    then ``gc.unfreeze()`` moves every tracked object to the oldest generation
    (two list splices, nothing scanned), where only a full collection looks at
    it; garbage cycles among them wait for that one. Not done when the process
    keeps objects frozen itself (``unfreeze`` would thaw them).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()
