"""Benches time the package as users run it: with its byte code cached.

Some environments set ``PYTHONDONTWRITEBYTECODE``. With an editable install the
package then has no ``__pycache__`` and every timed process compiles all of its
modules again (0.3-0.5 s of a 10,000-subject plan, session 10), which no user
pays: pip compiles an installed package. ``cache_bytecode`` drops the setting for
the processes a bench starts and compiles the package once, before any timing.
"""

from __future__ import annotations

import compileall
import os
from pathlib import Path


def cache_bytecode() -> None:
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    import reconciler

    compileall.compile_dir(Path(reconciler.__file__).parent, quiet=1)
