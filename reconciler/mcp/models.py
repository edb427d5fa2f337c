"""Structured tool results: their JSON Schemas are the tools' output schemas."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


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


class SchemaReference(BaseModel):
    name: str
    subject: str
    version: int


class SchemaVersionResult(BaseModel):
    registry: str
    subject: str
    version: int
    id: int
    schema_type: str
    schema_text: str = Field(description="The schema as the registry stores it.")
    references: list[SchemaReference] = []
    metadata: dict[str, Any] | None = None
    rule_set: dict[str, Any] | None = None


class Incompatibility(BaseModel):
    rule: str
    location: str
    message: str
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


class PlanResult(BaseModel):
    plan_id: str = Field(description="Pass it to apply; apply refuses it if the registries moved.")
    has_changes: bool
    errors: int = Field(description="Plan errors: a plan with errors cannot be applied.")
    summary: dict[str, int]
    plan: dict[str, Any] = Field(description="The plan's JSON form (specs/plan.schema.json).")
    markdown: str
    warnings: list[str] = Field(default=[], description="Interrupted applies found, and so on.")


class StepReport(BaseModel):
    index: int
    ok: bool
    action: str
    registry: str
    detail: str


class ApplyResult(BaseModel):
    status: Literal["applied", "failed", "still_differs", "no_changes"]
    message: str
    steps: list[StepReport] = []
    journal: str | None = None
    replan_empty: bool = Field(description="The plan made after applying has no changes.")
    replan_markdown: str | None = None


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


class ExportedFile(BaseModel):
    path: str = Field(description="Relative to the exported project's root.")
    content: str


class ExportResult(BaseModel):
    registry: str
    subjects: int
    versions: int
    files: list[ExportedFile]
