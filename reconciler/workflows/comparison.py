"""Compare what two registries hold by meaning, as a plan compares a spec with a registry:
schemas by their normalized form (references resolved in each registry), versions by
number, and the compatibility level and mode set at each context and subject.

``verify.compare`` checks one direction after a migration; this looks both ways.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.engine import qualify

from .live import RegistryContents
from .rows import Row, compare


@dataclass(frozen=True)
class Difference:
    subject: str  # qualified; ":.ctx:" for a context's settings
    what: str  # "version 3", "compatibility", "mode"
    left: str | None  # what the left registry holds there (None: nothing)
    right: str | None

    def line(self, left: str, right: str) -> str:
        return (
            f"{self.subject or '(global)'} {self.what}: {left} has {self.left or 'nothing'}, "
            f"{right} has {self.right or 'nothing'}"
        )


@dataclass(frozen=True)
class Comparison:
    versions: int  # versions compared (the union of both sides)
    same: int  # of them, the same schema under the same number
    differences: list[Difference]


def _versions(rows: list[Row], only_right: list[Row], ids: bool) -> list[Difference]:
    found = []
    for row in rows:
        if not row.ok(ids):
            what = f"version {row.version}"
            there = None if row.target_id is None else f"schema id {row.target_id}"
            if row.target_id is not None and row.same_schema:
                there += " (the same schema)"
            elif row.target_id is not None:
                there += " (another schema)"
            found.append(Difference(row.subject, what, f"schema id {row.source_id}", there))
    for row in only_right:
        found.append(
            Difference(row.subject, f"version {row.version}", None, f"schema id {row.source_id}")
        )
    return found


def _settings(left: RegistryContents, right: RegistryContents) -> list[Difference]:
    found = []
    for context in sorted(set(left.contexts) | set(right.contexts)):
        one, two = left.contexts.get(context), right.contexts.get(context)
        for what in ("compatibility", "mode"):
            a, b = getattr(one, what, None), getattr(two, what, None)
            if a != b:
                found.append(Difference(qualify(context, "") if context != "." else "", what, a, b))
        names = set(one.subjects if one else ()) | set(two.subjects if two else ())
        for name in sorted(names):
            s1 = one.subjects.get(name) if one else None
            s2 = two.subjects.get(name) if two else None
            if s1 is None or s2 is None:
                continue  # its versions already differ
            for what in ("compatibility", "mode"):
                a, b = getattr(s1, what), getattr(s2, what)
                if a != b:
                    found.append(Difference(qualify(context, name), what, a, b))
    return found


def compare_registries(
    left: RegistryContents, right: RegistryContents, *, ids: bool = False
) -> Comparison:
    """Every difference between ``left`` and ``right``; with ``ids``, a version under
    another schema id differs too (consumers decode by id)."""
    rows = compare(left, right)
    only_right = [r for r in compare(right, left) if r.target_id is None]
    same = sum(1 for r in rows if r.ok(ids))
    differences = _settings(left, right) + _versions(rows, only_right, ids)
    return Comparison(len(rows) + len(only_right), same, differences)
