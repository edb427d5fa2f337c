"""``load_project``: read, validate and resolve the whole desired state.

Nothing is contacted or written. Every problem of every file is collected and
raised together as ``SpecErrors``; loading goes on after a broken file (and
even after a broken project file, with the default spec globs and without
registry-name checks) so that one run reports everything.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler._gc import gc_paused

from ._cache import SETTINGS_CACHE_FILE, ParseCache, ProjectCache, RecordingEnviron
from ._document import Document
from ._errors import Collector, SpecError, SpecErrors, display_path
from ._files import Reads
from ._project import Settings, settings, spec_files
from .model import DEFAULT_SCHEMA_BYTES, ContextSpec, Project, RegistryConfig

if TYPE_CHECKING:
    from ._specfile import LoadedSpec


def _sort_key(error: SpecError) -> tuple[str, int, int]:
    location = error.location
    return (str(location.file), location.line, location.column) if location else ("", 0, 0)


def _unique_sorted(errors: list[SpecError]) -> list[SpecError]:
    return sorted(dict.fromkeys(errors), key=_sort_key)


def load_project(
    root: Path,
    environ: Mapping[str, str] | None = None,
    project_file: str = "reconcile.yaml",
    plan_checks: bool = False,
    parse_cache: bool = False,
    cache_specs: bool = True,
    written: Mapping[str, bytes] | None = None,
    known_valid: Callable[[], Iterable[str]] | None = None,
    on_settings: Callable[[Mapping[str, RegistryConfig]], None] | None = None,
) -> Project:
    """Load the project in ``root``; raise ``SpecErrors`` listing every problem.

    ``plan_checks`` adds what plan refuses whatever the registry holds but what
    is no error in the specs themselves: an Avro default a registry refuses to
    register, one id pinned to two schemas in a context. ``validate`` asks for
    them; lint reports the first as a finding of its own and the engine
    reports both as plan problems, so neither needs them at load time.

    ``parse_cache`` remembers which schemas parse under ``.reconcile/cache/``
    and skips those parses next time (see ``_cache``); it writes there, so only
    commands that already keep local state (plan, apply) ask for it.
    ``cache_specs=False`` keeps only those verdicts, not the loaded specs
    (``ProjectCache``): export's check, whose 50,000 specs would cost more to
    keep than the next plan's parses it saves. Such a load seldom reads the specs'
    locations (an export's check none, unless it finds an error): they are looked up
    when first read (``_document.Unmarked``).

    ``written``: the bytes of files the caller has just written into the project,
    by path relative to ``root`` (``/``-separated): taken instead of reading those
    files back, each a regular file at that path without a look at it (the caller
    checks; see ``Reads``).

    ``known_valid``, with ``parse_cache``: called once the specs are resolved, before
    their schemas are checked, for parse cache entries of schemas found valid
    elsewhere by this code (``ParseCache.accept``; export's check, whose process
    parses them while another loads the project).

    ``on_settings`` is called with the registries once the project is known to load
    without errors (a project with errors contacts no registry): on the warm path as
    soon as every input is proven to be what a load without errors read
    (``ProjectCache.load``'s ``proven``), before the kept specs are rebuilt; else
    once loaded. It may be called twice (a kept project proven, then not rebuilt).
    ``reconcile plan`` starts its read-ahead there.
    """
    environ = os.environ if environ is None else environ
    root = Path(root).resolve()
    path = root / project_file
    if not root.is_dir():
        raise SpecErrors([SpecError(None, f"{display_path(root)}: project directory not found")])
    if not path.is_file():
        message = f"{display_path(path)}: project file not found"
        raise SpecErrors([SpecError(None, message)])
    errors = Collector()
    project, doc = _settings(root, path, environ, errors, parse_cache)
    patterns = project.patterns if project is not None else _default_globs()
    limit = project.limit if project is not None else DEFAULT_SCHEMA_BYTES
    known = set(project.registries) if project is not None else None  # None: not checked

    loaded: list[LoadedSpec] = []
    listed = doc if project is not None and project.listed else None
    # Everything built from here on is kept (a spec, its subjects, their
    # schemas' parses): the collector's passes would only rescan it, ~0.4 s
    # for 10,000 subjects.
    with gc_paused():
        files = spec_files(patterns, root, path, listed, errors)
        project_cache = None
        if parse_cache and cache_specs and project is not None and not errors.errors:
            project_cache = ProjectCache(
                root, _cache_context(project.registries, limit, plan_checks, files)
            )
            proven = on_settings and functools.partial(on_settings, project.registries)
            reused = project_cache.load(environ, proven=proven)
            if reused is not None:
                specs, warnings = reused
                errors.warnings += warnings
                return _project(root, path, project, specs, errors, project_cache.digest)
        # Only a load that reads the spec files needs the checks (with the compatibility package).
        from ._checks import check_all

        known_warnings = len(errors.warnings)
        recording = RecordingEnviron(environ)
        # The project cache's key: the bytes the specs are made from.
        reads = Reads(written, str(root), keep=project_cache is not None)
        for spec_path in files:
            item = _spec_file(spec_path, root, recording, errors, reads, cache_specs, known, limit)
            if item is not None:
                loaded.append(item)
        cache = ParseCache.open(root) if parse_cache else None
        if cache is not None and known_valid is not None:
            cache.accept(known_valid())
        configured = project.registries if project is not None else None
        check_all(loaded, configured, errors, plan_checks, cache)
        if cache is not None:
            cache.save()
        specs = tuple(item.spec for item in loaded)
        linked = any(item.followed_links for item in loaded)
        if project_cache is not None and not errors.errors and not linked:
            kept = (specs, errors.warnings[known_warnings:])
            project_cache.save(files, _schema_files(specs), reads, recording.used, environ, kept)

    if errors.errors or project is None:
        raise SpecErrors(_unique_sorted(errors.errors))
    if on_settings is not None:
        on_settings(project.registries)
    return _project(root, path, project, specs, errors, project_cache and project_cache.digest)


def _spec_file(
    path: Path,
    root: Path,
    environ: Mapping[str, str],
    errors: Collector,
    reads: Reads,
    marks: bool,
    known: set[str] | None,
    limit: int,
) -> LoadedSpec | None:
    """One spec file read, validated and resolved; None when it does not validate.

    A function of its own so that the file's document and raw models (pydantic's,
    ~40 MB at 10,000 subjects x 5 versions) are freed as it returns, not kept by the
    caller's variables until the load's end: the checks then parse the schemas, and
    the project cache is written, without them.
    """
    # Only a load that reads the spec files needs their models (pydantic) and YAML,
    # and the schema files' resolver.
    from ._raw import SpecRaw
    from ._specfile import resolve_spec
    from ._validate import validate
    from ._yaml import load_yaml

    doc = load_yaml(path, environ, errors, root, reads=reads, marks=marks)
    raw = validate(SpecRaw, doc, errors, salvage="subjects") if doc else None
    if raw is None or doc is None:
        return None
    # Validated: the models hold the values; what is left to read of the document is
    # where they are written. Its data (~20 MB at 10,000 subjects x 5 versions) is
    # dropped before the specs are made.
    doc.data = None
    return resolve_spec(raw, doc, root, known, errors, limit, reads)


def _settings(
    root: Path, path: Path, environ: Mapping[str, str], errors: Collector, parse_cache: bool
) -> tuple[Settings | None, Callable[[], Document | None]]:
    """The project file's settings, or None when it does not load or validate (errors
    reported), and its document (parsed when first asked for).

    With ``parse_cache``, the settings made of these very bytes and variables
    last time are reused (``.reconcile/cache/settings.bin``): validating the
    file needs pydantic and its models (~0.08 s to import), a warm plan
    nothing else of them, nor the YAML parser when every string of the
    settings is kept as where it is written in the file (``ProjectCache``). A
    file with errors is never kept, so its errors are always reported as
    validation words them. Nor are settings that depend on other files (TLS
    files, which must exist).
    """
    cache = None
    if parse_cache:
        cache = ProjectCache(root, json.dumps(["settings", str(path)]), SETTINGS_CACHE_FILE)

        @functools.cache
        def parsed() -> Document | None:
            """The document, for the strings kept by their key path: the same bytes and
            variables as when it was kept, so it parses without errors again (else the
            kept settings are not used)."""
            from ._yaml import load_yaml

            parse_errors = Collector()
            doc = load_yaml(path, environ, parse_errors, root, defer="registries")
            return None if parse_errors.errors else doc

        kept = cache.load(environ, parsed)
        if isinstance(kept, Settings):
            errors.warnings += kept.warnings
            return kept, parsed
    from ._yaml import load_yaml

    recording = RecordingEnviron(environ)
    reads = Reads()
    doc = load_yaml(path, recording, errors, root, defer="registries", reads=reads)
    if doc is None:
        return None, lambda: None
    made = settings(doc, root, errors)
    if (
        made is not None
        and cache is not None
        and not errors.errors
        and all(registry.tls is None for registry in made.registries.values())
    ):
        cache.save([path], (), reads, recording.used, environ, made, doc)
    return made, lambda: doc


def _default_globs() -> list[str]:
    from ._raw import DEFAULT_SPEC_GLOBS  # a project file that does not validate: pydantic is in

    return list(DEFAULT_SPEC_GLOBS)


def _cache_context(
    configured: dict[str, RegistryConfig], limit: int, plan_checks: bool, files: list[Path]
) -> str:
    """What the specs' load depends on in the project file (``ProjectCache``'s key):
    never a credential or a URL, only the registries' names and global settings."""
    settings = sorted((c.name, c.compatibility, c.mode) for c in configured.values())
    return json.dumps([settings, limit, plan_checks, [str(f) for f in files]])


def _schema_files(specs: tuple[ContextSpec, ...]) -> Iterator[Path]:
    for spec in specs:
        for subject in spec.subjects.values():
            if subject.schema_path is not None:
                yield subject.schema_path
            for version in subject.versions or ():
                if version.schema_path is not None:
                    yield version.schema_path


def _project(
    root: Path,
    path: Path,
    project: Settings,
    specs: tuple[ContextSpec, ...],
    errors: Collector,
    inputs: str | None = None,
) -> Project:
    return Project(
        root=root,
        path=path,
        registries=project.registries,
        specs=specs,
        uses_embedded_default=project.embedded,
        max_deletes=project.max_deletes,
        lint=project.lint,
        warnings=tuple(_unique_sorted(errors.warnings)),
        inputs=inputs,
    )
