"""``migrate``: make another registry hold what one registry holds.

The source is read (``live``) and turned into desired state in memory
(``desired``): every version of every subject, numbered, with its id pinned
when ids are preserved. That ``Project`` is planned against the target by the
engine, which turns pinned ids into IMPORT registrations under a temporary
subject-level IMPORT mode and checks beforehand that each id is free (or holds
the same schema) in the target. ``verify.compare`` then checks the result.
"""

from __future__ import annotations

from pathlib import Path

from reconciler.errors import ReconcilerError
from reconciler.spec.model import Project

from .desired import context_specs
from .live import RegistryContents
from .source import Source


class MigrationRefused(ReconcilerError):
    """The migration must not start (a readonly target, the same registry twice)."""


def check_target(source: Source, target: Source) -> None:
    if target.config.readonly:
        raise MigrationRefused(
            f"registry {target.name} is readonly (project file): migrate never writes to it"
        )
    if (source.config.url, source.base_dir) == (target.config.url, target.base_dir):
        raise MigrationRefused(f"{source.name} and {target.name} are the same registry")


def desired_project(
    contents: RegistryContents, target: Source, root: Path, *, preserve_ids: bool
) -> Project:
    """The source's contents as the desired state of ``target``, built in memory."""
    return Project(
        root=root,
        path=None,
        registries={target.name: target.config},
        specs=context_specs(contents, target.name, root, history=True, keep_ids=preserve_ids),
        max_deletes=0,  # a migration adds; it never deletes
    )
