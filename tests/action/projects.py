"""Projects the Action's tests run on."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def quickstart(target: Path) -> Path:
    """A copy of examples/quickstart at ``target``, without local state (.reconcile/)."""
    shutil.copytree(
        REPO / "examples/quickstart", target, ignore=shutil.ignore_patterns(".reconcile")
    )
    return target
