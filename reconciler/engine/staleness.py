"""Is a saved plan still the plan for the live state? And if not, how does it differ?"""

from __future__ import annotations

from .plan import Action, DeleteVersion, Plan


def stale_registries(saved: Plan, current: Plan) -> list[str]:
    """Registries whose live state differs from the one ``saved`` was made from."""
    fingerprints = {r.name: r.fingerprint for r in current.registries}
    return sorted(r.name for r in saved.registries if fingerprints.get(r.name) != r.fingerprint)


def _summary(action: Action) -> str:
    detail = action.after or (str(action.version) if isinstance(action, DeleteVersion) else "")
    return f"{action.kind.value} {action.target or '(global)'} {detail}".strip()


def what_changed(saved: Plan, current: Plan, limit: int = 20) -> list[str]:
    """How the plan made now differs from the saved one, one line per action."""
    before = [_summary(a) for a in saved.actions]
    now = [_summary(a) for a in current.actions]
    lines = [f"no longer needed: {s}" for s in before if s not in now]
    lines += [f"now also needed: {s}" for s in now if s not in before]
    return lines[:limit] or ["the same actions, from a different starting state"]
