"""Workflows over the engine: export (adoption), migrate, drift.

- ``read_registry`` reads what a registry holds (``live``);
- ``context_specs`` turns it into desired state (``desired``), which
  ``write_specs``/``write_project_file`` write as a project (``export``) and
  ``migrate`` plans against another registry;
- ``drift_report`` summarises a plan for schedulers (``drift``).
"""

from .desired import context_specs
from .export import bundle, write_project_file, write_specs
from .live import RegistryContents, read_registry

__all__ = [
    "RegistryContents",
    "bundle",
    "context_specs",
    "read_registry",
    "write_project_file",
    "write_specs",
]
