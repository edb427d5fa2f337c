"""``reconcile export``: write what a registry holds as specs and schema files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from reconciler._words import plural
from reconciler.registry import RegistryClient
from reconciler.render import report_json
from reconciler.spec import SpecErrors, load_project
from reconciler.workflows import (
    PROJECT_FILE,
    EditedFilesError,
    ExportCheck,
    FilesAhead,
    PageHandler,
    RegistryContents,
    Source,
    bundle,
    exported_files,
    from_project,
    from_url,
    ignore_local_state,
    progress,
    raw_entry,
    read_registry,
    relocate,
    spec_stem,
    write_idl,
    write_project_file,
    write_specs,
)

from ._common import console, contexts_option, fail, load, report_output_option, run
from ._exit import leaves_memory_only


def resolve_source(directory: str, registry: str | None, url: str | None) -> Source:
    """``--url`` (a bare registry), else ``--registry`` from the project file in ``directory``."""
    if url:
        return from_url(url, registry or "default", Path.cwd())
    project = load(directory)
    try:
        return from_project(project.registries, project.root, project.path, registry)
    except KeyError as exc:
        fail(str(exc.args[0]))


async def read(
    source: Source, contexts: tuple[str, ...], on_page: PageHandler | None = None
) -> tuple[RegistryContents, int]:
    """Read the registry with a progress bar; return the contents and the requests made."""
    async with RegistryClient.from_config(source.config, base_dir=source.base_dir) as client:
        with progress(f"Reading {source.name}") as report:
            contents = await read_registry(client, source.name, contexts, report, on_page)
        return contents, client.requests_made


def read_reporting(
    source: Source, contexts: tuple[str, ...], ahead: FilesAhead | None = None
) -> RegistryContents:
    """Read the registry, then say on stderr how much was read and with how many requests
    (``ahead``: given each listing page, see ``FilesAhead``; discarded if the read fails)."""
    try:
        contents, requests = run(read(source, contexts, None if ahead is None else ahead.page))
    except BaseException:
        if ahead is not None:
            ahead.discard()
        raise
    if ahead is not None:
        ahead.read_done()
    versions = sum(1 for _ in contents.versions())
    console(stderr=True).print(
        f"Read {contents.subject_count} subjects, {versions} versions in "
        f"{plural(len(contents.contexts), 'context')} from {source.name} ({requests} requests).",
        markup=False,
    )
    return contents


def _check_target_project(out: Path, name: str, contexts: list[str]) -> None:
    """Refuse, before writing, a directory whose project could not take the export."""
    path = out / PROJECT_FILE
    if not path.is_file():
        return
    if not raw_entry(path, name):
        fail(
            f"{path} does not name registry {name}; add it there, or export to another "
            "directory with --out"
        )
    try:  # with the verdicts the last export's check kept (``check_exported``)
        existing = load_project(out, parse_cache=True, cache_specs=False)
    except SpecErrors:
        return  # broken already: the load after writing reports it
    ours = {(out / "specs" / f"{spec_stem(c)}.yaml").resolve() for c in contexts}
    for spec in existing.specs:
        if name in spec.registries and spec.context in contexts and spec.path.resolve() not in ours:
            fail(
                f"{spec.path} already declares context {spec.context} of registry {name}; "
                "export to another directory with --out"
            )


def write_project(
    source: Source,
    contents: RegistryContents,
    out: Path,
    history: bool,
    force: bool,
    contexts: tuple[str, ...] = (),
    ahead: FilesAhead | None = None,
) -> tuple[list[Path], list[Path]]:
    """Write the specs, the project file and the .gitignore, and remove what an earlier
    export wrote that the registry no longer holds; fail if the result does not load.
    Return (files written, files removed)."""
    _check_target_project(out, source.name, list(contents.contexts))
    files = exported_files(contents, source.name, out, history=history)
    extras: list[Path] = []
    check: ExportCheck | None = None

    def start_check(files: dict[str, bytes], types: dict[str, str], coming: list[str]) -> None:
        """Once the spec files are written: the project file, then the check (``ExportCheck``
        loads the project while the schema files are rendered and written)."""
        nonlocal check
        entry = relocate(source.entry, source.base_dir, out)
        for extra in (write_project_file(out, source.name, entry), ignore_local_state(out)):
            if extra is not None:
                extras.append(extra)
        if ahead is None:
            check = ExportCheck(out, files, types, coming)
        else:  # in the process forked before the read, with the files its writer wrote
            check = ExportCheck(out, files, types, coming, ahead.check, ahead.written()[1])

    def rendered(files: dict[str, bytes]) -> None:
        if check is not None:
            check.rendered(files)

    try:
        result = write_specs(
            files,
            out,
            force=force,
            contexts=contexts,
            before_schemas=start_check,
            schemas_rendered=rendered,
            ahead=ahead,
        )
    except EditedFilesError as exc:
        err = console(stderr=True)
        for path in exc.paths:
            err.print(f"changed since the last export: {path}", markup=False)
        fail(
            f"{plural(len(exc.paths), 'file')} changed since the last export would be "
            "overwritten or removed; nothing was written. Keep the edits elsewhere, or "
            "overwrite them with --force"
        )
    except BaseException:
        if check is not None:
            check.cancel()
        if ahead is not None:
            ahead.check.cancel()
        raise
    try:
        (check or ExportCheck(out, result.files, {})).result()
    except SpecErrors as exc:
        for error in exc.errors:
            console(stderr=True).print(str(error), markup=False)
        fail(f"the exported project in {out} does not load ({plural(len(exc.errors), 'error')})")
    return result.specs + extras, result.removed


def show_written(written: Sequence[Path], removed: Sequence[Path] = ()) -> None:
    out = console()
    for path in written:
        out.print(f"wrote {path}", markup=False)
    for path in removed:
        out.print(f"removed {path} (no longer in the registry)", markup=False)


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False), metavar="[DIR]")
@click.option("--registry", "-r", metavar="NAME", help="The registry (project file name).")
@click.option(
    "--url",
    metavar="URL",
    help="A registry not in any project file (http(s)://... or local:PATH); "
    "--registry then names it in the written project file (default: 'default').",
)
@contexts_option
@click.option(
    "--out",
    "out",
    type=click.Path(),
    help="Where to write (default: DIR). For --format bundle, a .json file or a directory.",
)
@click.option(
    "--history",
    is_flag=True,
    help="Every version with its number and id pinned, not only the latest.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["specs", "bundle", "avro-idl"]),
    default="specs",
    show_default=True,
    help="specs: a loadable project; bundle: one JSON file; avro-idl: Avro schemas as Avro IDL.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite (or remove) spec and schema files changed since the last export.",
)
@report_output_option()
def export(
    directory: str,
    registry: str | None,
    url: str | None,
    contexts: tuple[str, ...],
    out: str | None,
    history: bool,
    fmt: str,
    force: bool,
    output: str,
) -> None:
    """Write what a registry holds as specs and schema files (adopt a registry).

    A plan against the same registry right after an export has no changes.
    Config and mode are written only where the registry sets them at that
    level; inherited values are never pinned. Files an earlier export wrote
    for what the registry no longer holds are removed. A spec or schema file
    changed since the last export is not overwritten or removed without --force.
    """
    source = resolve_source(directory, registry, url)
    target = Path(out or directory)
    ahead = FilesAhead.into(target, history) if fmt == "specs" else None
    contents = read_reporting(source, contexts, ahead)
    removed: list[Path] = []
    if fmt == "bundle":
        path = target if target.suffix == ".json" else target / "bundle.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(bundle(contents, history=history), indent=2) + "\n")
        written = [path]
    elif fmt == "avro-idl":
        written = list(write_idl(contents, target, history=history))
    else:
        written, removed = write_project(source, contents, target, history, force, contexts, ahead)
    summary = {
        "registry": source.name,
        "format": fmt,
        "out": str(target),
        "contexts": list(contents.contexts),
        "subjects": contents.subject_count,
        "versions": sum(1 for _ in contents.versions()),
        "written": [str(p) for p in written],
        "removed": [str(p) for p in removed],
    }
    if output == "json":
        click.echo(report_json("export", summary))
    elif output == "markdown":
        click.echo(_markdown(summary))
    else:
        show_written(written, removed)
    # What is left is memory: every file is written and closed, the client closed.
    leaves_memory_only(contents)


def _markdown(summary: dict[str, Any]) -> str:
    lines = [
        f"### reconcile export: {summary['registry']} ({summary['format']})",
        "",
        f"{plural(summary['subjects'], 'subject')}, {plural(summary['versions'], 'version')} "
        f"in {plural(len(summary['contexts']), 'context')}, written to `{summary['out']}`.",
        "",
    ]
    lines += [f"- wrote `{path}`" for path in summary["written"]]
    lines += [f"- removed `{path}` (no longer in the registry)" for path in summary["removed"]]
    return "\n".join(lines)
