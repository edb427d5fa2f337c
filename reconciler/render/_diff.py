"""The schema diff shown under a registration, shared by the text and markdown views."""

from __future__ import annotations

import difflib

from reconciler.engine.plan import Action
from reconciler.engine.schemas import pretty


def schema_diff(action: Action) -> list[str]:
    """Unified-diff lines (``+``/``-``/`` `` prefixed) from the latest version to the new one."""
    reg = action.registration
    if reg is None:
        return []
    new = pretty(reg.schema_type, reg.schema).splitlines()
    if reg.previous_schema is None:
        return [f"+ {line}" for line in new]
    old = pretty(reg.schema_type, reg.previous_schema).splitlines()
    lines = []
    for line in difflib.unified_diff(old, new, lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(line)
        else:
            lines.append(f"{line[0]} {line[1:]}")
    return lines


def summary_line(counts: dict[str, int]) -> str:
    return (
        f"Plan: {counts['register']} to register, {counts['change']} to change, "
        f"{counts['delete']} to delete."
    )
