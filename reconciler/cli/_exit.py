"""How the ``reconcile`` process ends: what Python's shutdown does, less freeing the heap.

When the interpreter shuts down it waits for non-daemon threads, runs the
``atexit`` handlers (logging's, ``weakref.finalize``'s), flushes stdout and
stderr, then tears down every module and frees every object the process
still holds. For a second plan of 10,000 subjects that last part alone is
40-75 ms of wall after the plan is printed (the project's specs, the live
state, the plan: ~10^6 objects); at 100,000 subjects ten times that. The
operating system takes the memory back at once either way.

A command whose work leaves nothing but memory behind (``plan`` says so with
``leaves_memory_only`` once its plan is made: its caches are written
atomically inside ``with`` blocks, no lock is held, nothing is left open)
ends here without that teardown: the same steps in the same order, then
``os._exit`` with the status ``sys.exit`` asked for. Anything else -- another
command, a thread still running, a failed flush, an exit code that is not a
number -- takes Python's own way out. tests/cli/test_exit.py checks each.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Callable

_memory_only = False
_kept: tuple[object, ...] = ()


def leaves_memory_only(*kept: object) -> None:
    """Say that what this command still holds is memory only: the process may end
    without freeing it (``run_then_exit``).

    ``kept``: what the command would free on its way out (its project, its plan),
    held here so that it is not freed one object at a time just before the process
    ends (a 10,000-subject project: ~8 ms). Only the last command's are held.
    """
    global _memory_only, _kept
    _memory_only = True
    _kept = kept


def run_then_exit(main: Callable[[], object]) -> None:
    """Run ``main`` (click's standalone main, which ends by ``sys.exit``), then end the
    process without tearing down its heap when the command allowed it."""
    try:
        main()
    except SystemExit as exc:
        if _memory_only and threading.active_count() == 1:
            _end(exc.code)
        raise


def _end(code: object) -> None:
    """``sys.exit(code)``'s shutdown without the teardown; returns (and the caller
    re-raises) only where Python's own shutdown must decide."""
    if code is None:
        status = 0
    elif isinstance(code, int) and not isinstance(code, bool):
        status = code
    else:
        return  # Python prints such a code: leave it to Python
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        return  # e.g. a closed pipe: Python's own shutdown reports it (exit 120)
    atexit._run_exitfuncs()  # every handler, once (it unregisters them)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        status = 120  # what Python's shutdown exits with when its flush fails
    os._exit(status)
