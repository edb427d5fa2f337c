"""The schema diff shown under a registration, shared by the text and markdown views."""

from __future__ import annotations

import json
from typing import Any

from reconciler.engine import Register, pretty

# A diff longer than this is cut in the views people read (a 64 MiB schema
# printed 67 MB); the plan's JSON form keeps every schema whole.
MAX_DIFF_LINES = 400


def schema_diff(action: Register) -> list[str]:
    """What a registration changes: one line per change when the plan lists them
    (``+ field ...``, ``~ type ...``), else unified-diff lines (``+``/``-``/`` ``
    prefixed) from the latest version to the new one (a first version whole); at most
    ``MAX_DIFF_LINES`` and a last line saying how many more there are."""
    changes = action.registration.changes
    lines = [str(c) for c in changes] if changes else _diff_lines(action)
    if len(lines) <= MAX_DIFF_LINES:
        return lines
    hidden = len(lines) - MAX_DIFF_LINES
    return [
        *lines[:MAX_DIFF_LINES],
        f"@@ {hidden} more lines not shown: the schema is shortened here "
        "(the saved plan's JSON holds it whole) @@",
    ]


def _diff_lines(action: Register) -> list[str]:
    reg = action.registration
    new = pretty(reg.schema_type, reg.schema).splitlines()
    if reg.previous_schema is None:
        return [f"+ {line}" for line in new]
    old = _previous(reg.schema_type, reg.previous_schema, reg.schema).splitlines()
    import difflib  # here: only a changed schema is drawn, never a plan without changes

    lines = []
    for line in difflib.unified_diff(old, new, lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(line)
        else:
            lines.append(f"{line[0]} {line[1:]}")
    return lines


def _previous(schema_type: str, previous: str, new: str) -> str:
    """The previous version pretty-printed with its keys in the new version's order.

    A registry stores a schema's canonical form, whose key order is its own
    (``{"type": ..., "name": ...}``); the spec's text has the author's. Key
    order means nothing in JSON, and shown as changes it buried the real ones.
    """
    if schema_type not in ("AVRO", "JSON"):
        return pretty(schema_type, previous)
    try:
        return json.dumps(_ordered_like(json.loads(previous), json.loads(new)), indent=2)
    except json.JSONDecodeError:
        return pretty(schema_type, previous)


def _ordered_like(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        keys = [k for k in new if k in old] + [k for k in old if k not in new]
        return {k: _ordered_like(old[k], new.get(k)) for k in keys}
    if isinstance(old, list) and isinstance(new, list):
        # Avro fields (and other named items) are paired by name, the rest by place.
        by_name = {
            i["name"]: i for i in new if isinstance(i, dict) and isinstance(i.get("name"), str)
        }
        ordered = []
        for place, item in enumerate(old):
            name = item.get("name") if isinstance(item, dict) else None
            twin = by_name.get(name) if isinstance(name, str) else None
            if twin is None and place < len(new):
                twin = new[place]
            ordered.append(_ordered_like(item, twin))
        return ordered
    return old


def summary_line(counts: dict[str, int]) -> str:
    return (
        f"Plan: {counts['register']} to register, {counts['change']} to change, "
        f"{counts['delete']} to delete."
    )
