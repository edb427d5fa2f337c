"""Per-registry write policy: the kinds of write a registry accepts (``allow:``).

``readonly: true`` is all or nothing; ``allow: [register, config]`` lets a
registry take new versions and compatibility levels but never a delete, a
mode change or an IMPORT (pinned ids). Every action of a plan is one kind:

- ``register``: a registration the registry gives an id;
- ``import``: a registration with a pinned id, and the temporary IMPORT mode
  around it;
- ``config``: a compatibility level (global, context or subject);
- ``mode``: any other mode change;
- ``delete``: a soft or hard delete of a subject or a version.

Restores of modes that an interrupted apply left behind are always allowed:
they undo, and refusing them would leave the registry in IMPORT. The check
runs before any write, in the CLI's apply, migrate and the MCP server's apply.
"""

from __future__ import annotations

from reconciler.spec.model import Project

from .plan import Action, Delete, Plan, Register, SetCompatibility, SetMode

WRITE_KINDS = ("register", "config", "mode", "delete", "import")


def write_kind(action: Action) -> str:
    """The kind of write ``action`` is, as ``allow:`` names it."""
    if isinstance(action, Delete):
        return "delete"
    if isinstance(action, SetCompatibility):
        return "config"
    if isinstance(action, Register):
        return "import" if action.registration.id is not None else "register"
    if isinstance(action, SetMode) and action.after == "IMPORT":
        return "import"
    return "mode"


def disallowed(plan: Plan, project: Project) -> str | None:
    """Why the project's write policy refuses ``plan``, naming each registry and kind; or None."""
    refused: dict[str, None] = {}
    for action in plan.actions:
        config = project.registries.get(action.registry)
        if action.restore or config is None or config.allow is None:
            continue
        kind = write_kind(action)
        if kind not in config.allow:
            allowed = ", ".join(config.allow) or "nothing"
            refused[
                f"registry {action.registry} does not allow {kind} "
                f"({action.kind.value} {action.label}; allow: {allowed})"
            ] = None
    if not refused:
        return None
    return "the project's write policy refuses this plan; nothing was applied:\n" + "\n".join(
        f"  {line}" for line in refused
    )
