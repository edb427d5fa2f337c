"""The names of the door in __init__.py, for lazy_loader and type checkers."""

from . import plan_view
from .against import OFFLINE_ENVIRON, plan_against
from .avro_idl import write_idl
from .comparison import compare_registries
from .desired import context_specs, spec_stem
from .drift import DriftReport, Status, check, spec_problem
from .evolve import Advice, EvolveError, evolve, spec_proposal, spec_references
from .export import (
    PROJECT_FILE,
    EditedFilesError,
    bundle,
    dump_yaml,
    export_files,
    relocate,
    write_project_file,
    write_specs,
)
from .export_ahead import FilesAhead
from .export_check import ExportCheck, check_exported
from .export_text import exported_files
from .files import ignore_local_state
from .live import PageHandler, RegistryContents, list_contexts, read_registry
from .migrate import MigrationRefused, check_target, desired_project
from .migration import migration_plan, run_migration, verify
from .progress import Report, progress
from .rows import Row, compare
from .source import Source, from_project, from_url, is_url, raw_entry, without_userinfo
from .statistics import statistics
from .validation import validate

__all__ = [
    "OFFLINE_ENVIRON",
    "PROJECT_FILE",
    "Advice",
    "DriftReport",
    "EditedFilesError",
    "EvolveError",
    "ExportCheck",
    "FilesAhead",
    "MigrationRefused",
    "PageHandler",
    "RegistryContents",
    "Report",
    "Row",
    "Source",
    "Status",
    "bundle",
    "check",
    "check_exported",
    "check_target",
    "compare",
    "compare_registries",
    "context_specs",
    "desired_project",
    "dump_yaml",
    "evolve",
    "export_files",
    "exported_files",
    "from_project",
    "from_url",
    "ignore_local_state",
    "is_url",
    "list_contexts",
    "migration_plan",
    "plan_against",
    "plan_view",
    "progress",
    "raw_entry",
    "read_registry",
    "relocate",
    "run_migration",
    "spec_problem",
    "spec_proposal",
    "spec_references",
    "spec_stem",
    "statistics",
    "validate",
    "verify",
    "without_userinfo",
    "write_idl",
    "write_project_file",
    "write_specs",
]
