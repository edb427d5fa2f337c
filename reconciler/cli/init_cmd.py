"""``reconcile init [DIR]``: start a project, empty or adopted from a registry."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.workflows import (
    PROJECT_FILE,
    dump_yaml,
    ignore_local_state,
    is_url,
    without_userinfo,
)

from ._common import console, fail
from .export_cmd import read_reporting, resolve_source, show_written, write_project

EMBEDDED_REGISTRY = """\
# No `registries:` section: reconcile uses the embedded local registry, a SQLite
# file in .reconcile/registry.db (ignored by git), to try everything offline.
# To target real registries, name them here; credentials come from ${VAR}s:
#
#   registries:
#     dev:  {url: "${SR_DEV_URL}", auth: {basic: {username: "${SR_USER}", password: "${SR_PW}"}}}
#     prod: {url: https://sr.example.com, auth: {bearer: "${SR_PROD_TOKEN}"}, readonly: true}
"""

NAMED_REGISTRY = """\
# The registries this project manages. Credentials come from ${VAR}s, never
# from this file, e.g. auth: {bearer: "${SR_TOKEN}"} or
# auth: {basic: {username: "${SR_USER}", password: "${SR_PASSWORD}"}}.
"""

PROJECT = """\
# The project file of `reconcile` (GitOps for Kafka schema registries).
#
# `reconcile plan` shows what `reconcile apply` would change to make the
# registries match the specs; `reconcile validate` and `reconcile lint` check
# them without contacting anything.
#
{registries}version: 1
{entry}# Where the spec files are (globs, relative to this file).
specs:
  - specs/**/*.yaml
"""

EXAMPLE_SPEC = """\
# A spec file: the desired state of one context of a registry (here the
# default context of the only registry, so `registry:` and `context:` can be
# left out). Add subjects below, or more spec files next to this one.
#
# The context's compatibility level (for the default context, the registry's
# global level) can be managed too:
# compatibility: BACKWARD
subjects:
  example-value:
    type: AVRO                          # AVRO | JSON | PROTOBUF
    # The desired latest version: apply registers it when the registry's
    # latest differs (by meaning: formatting never makes a difference).
    schema: ../schemas/example-value.avsc
    # Every new version must be readable with the previous one; plan checks
    # it offline and fails, before anything is written, when it is not.
    compatibility: BACKWARD
    # Or the whole history, oldest first:
    # versions:
    #   - schema: ../schemas/example-value.v1.avsc
    #   - schema: ../schemas/example-value.v2.avsc
"""

EXAMPLE_SCHEMA = """\
{
  "type": "record",
  "name": "Example",
  "namespace": "com.example",
  "doc": "An example record: replace it with your own.",
  "fields": [
    {"name": "id", "type": "string", "doc": "A unique identifier."}
  ]
}
"""

EXAMPLE_FILES = {
    "specs/example.yaml": EXAMPLE_SPEC,
    "schemas/example-value.avsc": EXAMPLE_SCHEMA,
}


def project_text(name: str | None, url: str | None) -> str:
    """The commented project file: the embedded registry, or ``name`` at ``url``."""
    if url is None:
        return PROJECT.format(registries=EMBEDDED_REGISTRY, entry="")
    entry = dump_yaml({"registries": {name: {"url": url}}})
    return PROJECT.format(registries=NAMED_REGISTRY, entry=entry)


def _refuse_existing(root: Path, names: list[str]) -> None:
    existing = [root / name for name in names if (root / name).exists()]
    if existing:
        listed = ", ".join(str(path) for path in existing)
        verb = "exists" if len(existing) == 1 else "exist"
        fail(f"{listed} already {verb}: init never overwrites a project")


def _write_example(root: Path, name: str | None, url: str | None) -> None:
    files = {PROJECT_FILE: project_text(name, url), **EXAMPLE_FILES}
    _refuse_existing(root, list(files))
    out = console()
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        out.print(f"wrote {path}", markup=False)


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False), metavar="[DIR]")
@click.option(
    "--url",
    metavar="URL",
    help="The registry to manage (http(s)://... or local:PATH). "
    "Default: the embedded local registry.",
)
@click.option(
    "--from-registry",
    "source",
    metavar="NAME|URL",
    help="Adopt a registry instead of writing an example: a registry of the project "
    "file in the current directory, or a URL; as `reconcile export` does.",
)
@click.option(
    "--registry",
    "-r",
    "name",
    metavar="NAME",
    help="The registry's name in the written project file (with a URL; default: 'default').",
)
@click.option(
    "--history",
    is_flag=True,
    help="With --from-registry: every version with its number and id pinned.",
)
def init(
    directory: str, url: str | None, source: str | None, name: str | None, history: bool
) -> None:
    """Start a project in DIR: a commented project file, one example spec and
    schema, and a .gitignore for reconcile's local state (.reconcile/).

    With --from-registry, the specs are what the registry holds, so that a plan
    right after shows no changes. An existing project is never overwritten.
    """
    root = Path(directory)
    if url and source:
        raise click.UsageError("--url and --from-registry both name the registry; give one")
    if history and not source:
        raise click.UsageError("--history goes with --from-registry")
    for option, given in (("--url", url), ("--from-registry", source)):
        if given and (option == "--url" or "://" in given) and not is_url(given):
            raise click.BadParameter(
                f"{given} is not a registry URL (http://, https:// or local:PATH)",
                param_hint=option,
            )
    if source is not None:
        _refuse_existing(root, [PROJECT_FILE])
        if is_url(source):
            registry = resolve_source(".", name, source)
        else:
            registry = resolve_source(".", source, None)
        contents = read_reporting(registry, ())
        show_written(*write_project(registry, contents, root, history, force=False))
    else:
        clean = None if url is None else without_userinfo(url)
        if clean != url:
            console(stderr=True).print(
                "note: the user and password in the URL are not written; use auth: "
                "with ${VAR}s in reconcile.yaml",
                markup=False,
            )
        _write_example(root, name or ("default" if url else None), clean)
    gitignore = ignore_local_state(root)
    if gitignore is not None:
        console().print(f"wrote {gitignore}", markup=False)
    where = "" if root == Path(".") else f" {root}"
    console(stderr=True).print(
        f"Next: reconcile validate{where}, then reconcile plan{where}.", markup=False
    )
