"""Structured tool results: their JSON Schemas are the tools' output schemas."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from reconciler.registry import Reference


class RegistryInfo(BaseModel):
    name: str
    url: str = Field(description="Without credentials.")
    readonly: bool = Field(description="readonly: true in the project file: apply never writes.")
    targeted: bool = Field(description="Some spec (or global config) targets it: plans cover it.")


class Registries(BaseModel):
    registries: list[RegistryInfo]
    embedded_default: bool = Field(
        description="No registry in the project file: the embedded local registry is used."
    )


class Subjects(BaseModel):
    registry: str
    subjects: list[str]


class SchemaVersionResult(BaseModel):
    registry: str
    subject: str
    version: int
    id: int
    schema_type: str
    schema_text: str = Field(description="The schema as the registry stores it.")
    references: list[Reference] = []
    metadata: dict[str, Any] | None = None
    rule_set: dict[str, Any] | None = None


class Incompatibility(BaseModel):
    rule: str
    location: str
    message: str
    fix: str = Field(description="What to do instead (the rule's fix in the catalogue).")
    against: str | None = Field(description="The earlier version this breaks.")


class CompatibilityResult(BaseModel):
    compatible: bool
    schema_type: str
    level: str
    previous: list[str] = Field(description="What the schema was checked against, oldest first.")
    messages: list[Incompatibility] = []


class ValidationResult(BaseModel):
    ok: bool
    errors: list[str] = Field(description="FILE:LINE:COL: message, for every problem.")
    warnings: list[str] = []
    spec_files: int = 0
    subjects: int = 0
    registries: list[str] = []


class ContextCount(BaseModel):
    registry: str
    context: str
    registrations: int
    changes: int
    deletes: int


class ProblemInfo(BaseModel):
    severity: Literal["error", "warning"]
    registry: str
    target: str
    message: str
    source: str | None = Field(default=None, description="FILE:LINE:COL of the spec.")


class PlanResult(BaseModel):
    plan_id: str = Field(description="Pass it to apply; apply refuses it if the registries moved.")
    has_changes: bool
    errors: int = Field(description="Plan errors: a plan with errors cannot be applied.")
    summary: dict[str, int] = Field(description="Actions to register, change and delete.")
    by_context: list[ContextCount] = Field(description="The counts per registry and context.")
    problems: list[ProblemInfo] = Field(description="Errors first; at most 50.")
    problems_left_out: int = 0
    actions: int = Field(description="How many actions the plan has.")
    first_actions: list[str] = Field(
        description="The first actions, one line each; plan_details shows every action whole."
    )
    subjects: list[str] = Field(
        description="What the plan touches (at most 100): pass one to plan_details."
    )
    pages: int = Field(description="Pages of plan_details at its default page size.")
    refusal: str | None = Field(
        default=None,
        description="Why apply would refuse this plan, and what to plan instead.",
    )
    warnings: list[str] = Field(default=[], description="Interrupted applies found, and so on.")


class StepReport(BaseModel):
    index: int = Field(description="The action's place in the plan, from 1.")
    ok: bool
    action: str
    registry: str
    detail: str


class PlanDetails(BaseModel):
    plan_id: str
    page: int
    pages: int
    subject: str | None = None
    actions: list[dict[str, Any]] = Field(
        description="The actions whole, in the plan's JSON form (specs/plan.schema.json)."
    )
    steps: list[StepReport] | None = Field(
        default=None,
        description="Once this server applied the plan: how each of these actions ran "
        "(a restore run again after a failure is listed twice).",
    )


class ApplyResult(BaseModel):
    """What an apply did, in a size that does not grow with the plan: counts, the first
    steps and every failure; each subject's steps come from the plan_details tool."""

    status: Literal["applied", "failed", "still_differs", "no_changes"]
    message: str
    summary: dict[str, int] = Field(
        default={}, description="The plan's changes: register, change, delete."
    )
    steps_done: int = Field(default=0, description="The steps that ran and succeeded.")
    steps: list[StepReport] = Field(default=[], description="The steps that failed, whole.")
    first_steps: list[str] = Field(
        default=[],
        description="The first steps that ran, one line each; every step of a subject: "
        "plan_details with this plan_id and the subject.",
    )
    journal: str | None = None
    replan_empty: bool = Field(description="The plan made after applying has no changes.")
    replan: list[str] = Field(
        default=[],
        description="When the registries still differ: the first actions of the plan made "
        "after applying, one line each.",
    )


class DriftResult(BaseModel):
    status: Literal["clean", "drifted", "error"]
    report: dict[str, Any] = Field(description="The same report as `reconcile drift -o json`.")
    text: str


class LintResult(BaseModel):
    report: dict[str, Any] = Field(
        description="The same report as `reconcile lint -o json` (format_version 1): counts "
        "per severity and each finding's rule, category, severity, file, line, column, "
        "subject, path and message."
    )
    text: str = Field(description="One line per finding: FILE:LINE:COL: SEVERITY RULE: message.")


class ExportResult(BaseModel):
    registry: str
    subjects: int
    versions: int
    directory: str = Field(description="Where the project was written, relative to this one.")
    spec_files: list[str] = Field(description="The spec files written, relative to directory.")
    schema_files: int = Field(description="How many schema files were written beside them.")
    project_file: str | None = Field(
        description="The project file written (None: the directory had one)."
    )


class Versions(BaseModel):
    registry: str
    subject: str = Field(description="Qualified with its context (':.ctx:name') when not '.'.")
    versions: list[int]


class SchemaById(BaseModel):
    registry: str
    id: int
    schema_type: str
    schema_text: str
    references: list[Reference] = []


class SubjectVersionRef(BaseModel):
    subject: str
    version: int
    id: int | None = Field(default=None, description="The schema id it registers.")


class SubjectsForId(BaseModel):
    registry: str
    id: int
    versions: list[SubjectVersionRef] = Field(description="Every subject version using the id.")


class Settings(BaseModel):
    registry: str
    level: Literal["global", "context", "subject"]
    target: str = Field(description="The subject, ':.ctx:' for a context, '' for global.")
    compatibility: str | None = Field(description="Set at this level (None: not set here).")
    mode: str | None = Field(description="Set at this level (None: not set here).")
    effective_compatibility: str | None = Field(description="What applies here.")
    effective_mode: str | None = Field(description="What applies here.")


class Contexts(BaseModel):
    registry: str
    contexts: list[str]


class ReferencedBy(BaseModel):
    registry: str
    subject: str
    version: int
    ids: list[int] = Field(description="The schemas that reference this version.")
    versions: list[SubjectVersionRef] = Field(description="Where those schemas are registered.")


class ContextStatistics(BaseModel):
    context: str
    subjects: int
    versions: int
    schemas: int = Field(description="Distinct schema ids.")
    types: dict[str, int] = Field(description="Subjects per schema type (of the latest version).")
    compatibility: str | None = Field(description="Set at this context's level.")
    mode: str | None = Field(description="Set at this context's level.")


class Statistics(BaseModel):
    registry: str
    subjects: int
    versions: int
    schemas: int
    contexts: list[ContextStatistics]


class DifferenceInfo(BaseModel):
    subject: str = Field(description="'' for global settings, ':.ctx:' for a context's.")
    what: str = Field(description="'version N', 'compatibility' or 'mode'.")
    left: str | None
    right: str | None
    line: str


class Comparison(BaseModel):
    left: str
    right: str
    versions: int = Field(description="Versions compared (in either registry).")
    same: int = Field(description="Of them, the same schema under the same number.")
    differences: int
    shown: list[DifferenceInfo] = Field(description="The first 100 differences.")


class VerificationRow(BaseModel):
    subject: str
    version: int
    source_id: int
    target_id: int | None = Field(description="None: the target does not have this version.")
    status: Literal["ok", "missing", "schema differs", "id differs"]


class MigrateResult(BaseModel):
    status: Literal["dry_run", "applied", "no_changes", "failed", "still_differs", "cancelled"]
    message: str
    source_subjects: int
    source_versions: int
    summary: dict[str, int] = Field(description="The plan's actions to register/change/delete.")
    actions: int
    first_actions: list[str] = Field(description="The plan's first actions, one line each.")
    problems: list[str] = []
    steps_done: int = 0
    steps: list[StepReport] = Field(default=[], description="The steps that failed.")
    journal: str | None = None
    verified: bool = Field(
        default=False, description="Every source version is in the target, the same."
    )
    verification_rows: int = 0
    verification_failed: int = 0
    verification: list[VerificationRow] = Field(
        default=[], description="Source version -> target, those that differ first (at most 100)."
    )
