"""The ``evolve`` tool: what a proposed schema breaks, and checked suggestions.

The same advice as ``reconcile evolve`` (``reconciler.workflows.evolve``,
docs/evolve.md), read-only: it reads the subject's versions and registers
nothing. The suggestions' schemas are in the result, so an assistant can
propose the edit, check it again or plan it.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from reconciler.compatibility import Level, SchemaType
from reconciler.workflows import EvolveError, evolve, spec_proposal, spec_references

from .auth import READ, Access
from .state import ServerState
from .tools import READ_ONLY, registry_client


class EvolveBreak(BaseModel):
    version: int | None = Field(description="The registry's version number it breaks.")
    rule: str
    location: str
    message: str


class EvolveVerdict(BaseModel):
    level: str
    compatible: bool
    versions: list[int] = Field(description="The versions the proposal breaks at this level.")
    breaks: list[EvolveBreak]


class EvolveStep(BaseModel):
    action: str = Field(description="register, or set-level.")
    description: str
    subject: str
    schema_text: str | None = Field(None, description="The schema to register.")
    level: str | None = None


class EvolveSuggestion(BaseModel):
    kind: str = Field(
        description="add-default, make-optional, keep-field, two-steps, loosen-level or "
        "new-subject."
    )
    summary: str
    rule: str | None = Field(
        default=None, description="The compatibility rule the edit answers (docs/compatibility.md)."
    )
    fix: str | None = Field(
        default=None, description="That rule's fix, as the rule catalogue words it."
    )
    edits: list[str] = Field(description="One line per change, in the schema's terms.")
    steps: list[EvolveStep]
    cost: str | None = Field(description="What consumers lose, for loosen-level and new-subject.")
    checked: bool = Field(description="Always true: the tool re-ran the check on the edit.")


class EvolveAdvice(BaseModel):
    format_version: int
    subject: str
    type: str
    level: str = Field(description="The level the advice is for.")
    versions: list[int] = Field(description="The versions the subject holds.")
    compatible: bool
    verdicts: list[EvolveVerdict]
    suggestions: list[EvolveSuggestion]


def register_evolve_tool(server: MCPServer, state: ServerState, access: Access) -> None:
    @server.tool(name="evolve", annotations=READ_ONLY)
    async def evolve_schema(
        registry: Annotated[str, Field(description="A registry name from the project file.")],
        subject: Annotated[str, Field(description="The subject to evolve.")],
        new_schema: Annotated[
            str,
            Field(description="The proposed schema text. Empty: what the subject's spec declares."),
        ] = "",
        schema_type: Annotated[
            SchemaType | None, Field(description="Default: the subject's latest version's.")
        ] = None,
        references: Annotated[
            dict[str, str] | None,
            Field(description="With new_schema: schemas it references, name -> text."),
        ] = None,
        level: Annotated[
            Level | None,
            Field(description="Default: the spec's level, else the subject's in the registry."),
        ] = None,
    ) -> EvolveAdvice:
        """What a proposed schema for a subject breaks under each compatibility level (and
        why, by registry version), and, when it breaks the subject's level, suggestions
        that were checked to pass: add a default, make the field optional, two
        registrations, loosen the level once (with its cost), or a new subject."""
        access.require(READ)
        project = state.load()
        wanted = None
        if not new_schema:
            try:
                wanted = spec_proposal(project, subject, registry)
            except LookupError as exc:
                raise ToolError(f"{exc}; pass new_schema") from None
        async with registry_client(project, registry) as client:
            try:
                if wanted is None:
                    advice = await evolve(
                        client, subject, schema_type, new_schema, dict(references or {}), level
                    )
                else:
                    refs = await spec_references(client, wanted.context, wanted.references)
                    advice = await evolve(
                        client,
                        subject,
                        wanted.schema_type,
                        wanted.text,
                        refs,
                        level or wanted.level,
                    )
            except EvolveError as exc:
                raise ToolError(str(exc)) from None
        report: dict[str, Any] = advice.to_json()
        for suggestion in report["suggestions"]:
            for step in suggestion["steps"]:
                step["schema_text"] = step.pop("schema")  # as get_schema names it
        return EvolveAdvice.model_validate(report)
