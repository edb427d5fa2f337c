"""Is a saved plan still the plan for the live state? And if not, how does it differ?"""

from __future__ import annotations

from .plan import AGAINST, Action, DeleteVersion, Plan


def stale_registries(saved: Plan, current: Plan) -> list[str]:
    """Registries whose live state differs from the one ``saved`` was made from."""
    fingerprints = {r.name: r.fingerprint for r in current.registries}
    return sorted(r.name for r in saved.registries if fingerprints.get(r.name) != r.fingerprint)


def fingerprint_form(fingerprint: str) -> str:
    """How a fingerprint was made: its prefix up to ``:`` (``"v2:"``); ``""`` for the
    first form (a bare sha256); ``AGAINST`` for a state ``plan --against`` built."""
    if fingerprint.startswith(AGAINST):
        return AGAINST
    form, colon, _ = fingerprint.partition(":")
    return form + colon


def other_version(saved: Plan, current: Plan) -> list[str]:
    """Registries whose fingerprint in ``saved`` is of another form than the one made
    now: another version of reconcile made the plan, and whether the registry changed
    since cannot be told from it. A state ``plan --against`` built is no live state:
    such a plan is stale, not of another version."""
    forms = {r.name: fingerprint_form(r.fingerprint) for r in current.registries}
    return sorted(
        r.name
        for r in saved.registries
        if r.name in forms
        and fingerprint_form(r.fingerprint) not in (forms[r.name], AGAINST)  # no live state's
    )


def stale_message(stale: list[str], planned: Plan, now: Plan, when: str) -> str:
    """Why a plan is refused as stale: made by another version, or how it differs now."""
    older = other_version(planned, now)
    if older and set(stale) <= set(older):
        return (
            f"the plan was made by another version of reconcile (its fingerprint of "
            f"registry {', '.join(older)} is of another form): it cannot tell whether the "
            "live state moved; nothing was applied. Make a new plan."
        )
    changes = "\n".join(f"  {line}" for line in what_changed(planned, now))
    return (
        f"the live state of registry {', '.join(stale)} changed {when}; nothing was "
        f"applied. Since then:\n{changes}\nMake a new plan."
    )


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
