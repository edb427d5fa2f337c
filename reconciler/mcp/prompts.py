"""Prompts: reviewing a plan for risk, and evolving a schema compatibly."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from pydantic import Field

from .auth import READ, Access
from .planning import find_plan
from .state import ServerState
from .summary import summarize

REVIEW_CHECKLIST = """\
Review this schema registry plan for risk before anyone applies it. Go through:

1. Deletes (delete_subject, delete_version): which subjects or versions, soft or
   permanent (hard), and whether producers or consumers may still use them.
   A permanent delete cannot be undone.
2. Compatibility: every registration's verdict (level, versions checked,
   messages). Flag any level that is loosened (set_compatibility to NONE or to a
   non-transitive level), and registrations that only pass because of it.
3. IMPORT mode (set_mode IMPORT, registrations with a pinned id/version): the
   ids must not clash with ids consumers already cache; each IMPORT must be
   restored afterwards (restore actions).
4. Mode changes (READONLY, READONLY_OVERRIDE, temporary READWRITE) and
   readonly registries (apply will refuse them).
5. Problems: errors make the plan unappliable; warnings deserve a sentence.

Answer with a short verdict (safe / needs attention / do not apply), then the
findings ordered by risk, each naming the subject and registry. Do not apply
anything: the user decides, and `apply` asks them to confirm.
"""

EVOLVE_GUIDE = """\
Help me evolve the schema of subject {subject!r}{where}: {change}

Work through these steps with the reconciler tools, showing me each result:

1. Find the subject in the specs (resource reconciler://specs lists the project's
   files) and read its schema file and compatibility level. If it is live, read
   the latest version with get_schema.
2. Draft the new schema so that it stays compatible under that level:
   - AVRO: a new field needs a default (a union with null first and default
     null for an optional field); never rename or retype a field in place (use
     aliases for a rename).
   - JSON Schema: add optional properties; under BACKWARD do not add new
     required properties, and mind additionalProperties (a closed content model
     makes an added property incompatible under FORWARD).
   - PROTOBUF: add fields with new field numbers; never reuse or renumber a
     field number, reserve removed numbers and names.
3. Call the evolve tool with the draft (registry, subject, new_schema): it
   says which registry versions the draft breaks under every level and why,
   and, when it breaks the subject's level, suggestions that it checked to
   pass (add a default, make the field optional, two registrations, ...),
   each with its edit, the rule it answers and that rule's fix, and the
   schema to register (none when the draft is compatible: go on). Take the
   first suggestion that keeps what I asked for (its schema as it is); do not
   take loosen-level or new-subject unless I ask for it explicitly: tell me
   their cost instead.
4. Show me the edit to the schema file (the spec's `schema:` file, or a new
   entry under `versions:`) for me to make, then run validate_specs, lint
   (fix what it reports about the new version: defaults, enum defaults,
   nullable fields) and plan, and review the plan with me.
"""


class PromptError(MCPError):
    """A prompt that cannot be given, with the reason the caller can act on (the SDK
    would answer any other exception with a bare -32603 Internal server error)."""

    def __init__(self, message: str) -> None:
        super().__init__(INVALID_PARAMS, message)


def register_prompts(server: MCPServer, state: ServerState, access: Access) -> None:
    @server.prompt(title="Review a plan for risk")
    async def review_plan(
        plan_id: Annotated[str, Field(description="A plan_id returned by the plan tool.")],
    ) -> str:
        """Review a plan for risk: deletes, compatibility verdicts, IMPORT mode, modes."""
        access.require(READ, PromptError)
        try:
            stored = await find_plan(state, plan_id)
            _, summary = summarize(stored, state.load(), [])
        except ToolError as exc:
            raise PromptError(str(exc)) from None
        return (
            f"{REVIEW_CHECKLIST}\nRead the actions whole with the plan_details tool (this "
            f"plan_id, and a subject or a page): each registration's schema, diff and "
            f"verdict. Start with the deletes, the IMPORTs and the incompatible ones.\n\n"
            f"## The plan\n\n{summary}\n"
        )

    @server.prompt(title="Evolve a schema compatibly")
    def evolve_schema(
        subject: Annotated[str, Field(description="The subject whose schema changes.")],
        change: Annotated[str, Field(description="What to change, e.g. 'add a currency field'.")],
        registry: Annotated[str | None, Field(description="The registry to check against.")] = None,
    ) -> str:
        """Guide adding a field (or another change) to a schema without breaking readers."""
        access.require(READ, PromptError)
        where = f" in registry {registry!r}" if registry else ""
        return EVOLVE_GUIDE.format(subject=subject, where=where, change=change)
