"""``reconcile evolve``: what a proposed schema breaks, and checked suggestions.

Exit status (docs/evolve.md): 0 when the proposal is compatible under the
subject's level, 2 when it is not (the report lists the versions it breaks
and the suggestions that pass), 1 on any error (an unreadable or invalid
schema, a subject no spec declares, a registry that fails).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler.compatibility import LEVELS, SCHEMA_TYPES, InvalidSchemaError
from reconciler.registry import RegistryClient
from reconciler.render import evolve as render
from reconciler.render import report_json
from reconciler.workflows import (
    Advice,
    EvolveError,
    evolve,
    spec_proposal,
    spec_references,
)

from ._common import fail, load, project_dir_option, report_output_option, run
from .compat_cmd import _client, _read, _references, _schema_type


def _one_registry(names: tuple[str, ...] | list[str]) -> str:
    if len(names) != 1:
        raise click.UsageError(
            f"the subject's registries are {', '.join(names) or 'none'}: name one with --registry"
        )
    return names[0]


async def _from_file(
    client: RegistryClient,
    subject: str,
    kind: str | None,
    text: str,
    references: dict[str, str],
    level: str | None,
) -> Advice:
    async with client:
        return await evolve(client, subject, kind, text, references, level)


def _advise_spec(project_dir: str, subject: str, registry: str | None, level: str | None) -> Advice:
    """The proposal is what the project's specs declare for the subject."""
    project = load(project_dir, announce_embedded=False)
    try:
        wanted = spec_proposal(project, subject, registry)
    except LookupError as exc:
        fail(str(exc))
    name = registry or _one_registry(wanted.registries)

    async def advise() -> Advice:
        async with RegistryClient.from_config(project.registries[name], project.root) as client:
            refs = await spec_references(client, wanted.context, wanted.references)
            return await evolve(
                client, subject, wanted.schema_type, wanted.text, refs, level or wanted.level
            )

    try:
        return run(advise())
    except InvalidSchemaError as exc:
        fail(f"{wanted.source}: {exc}")
    except EvolveError as exc:
        fail(str(exc))


@click.command("evolve")
@click.argument("subject")
@click.argument("schema", required=False, type=click.Path(path_type=Path))
@click.option(
    "--registry",
    metavar="NAME|URL",
    help="A registry of the project file, or a URL (http(s)://, local:PATH). Default: the "
    "registry the subject's spec targets (or the project's only registry).",
)
@project_dir_option("The project directory (its specs and reconcile.yaml).")
@click.option(
    "--type",
    "schema_type",
    type=click.Choice(SCHEMA_TYPES, case_sensitive=False),
    help="SCHEMA's type; guessed from its suffix (.avsc, .json, .proto), else the subject's.",
)
@click.option(
    "--reference",
    "reference_pairs",
    multiple=True,
    metavar="NAME=FILE",
    help="A schema SCHEMA references: Avro full name, JSON $ref URL or Protobuf import path.",
)
@click.option(
    "--level",
    type=click.Choice(LEVELS, case_sensitive=False),
    help="The level to advise for. Default: the level the spec sets, else the subject's "
    "effective level in the registry.",
)
@report_output_option()
def evolve_command(
    subject: str,
    schema: Path | None,
    registry: str | None,
    project_dir: str,
    schema_type: str | None,
    reference_pairs: tuple[str, ...],
    level: str | None,
    output: str,
) -> None:
    """Advise on evolving SUBJECT to SCHEMA (default: the schema its spec declares).

    Says which of the registry's versions the proposal breaks under each
    compatibility level and why, and, when it breaks the subject's level,
    suggestions that were checked to pass: add a default, make a field
    optional, two registrations, loosen the level once, or a new subject.
    Exits 0 when compatible, 2 when not, 1 on errors.
    """
    level = level and level.upper()
    if schema is None:
        if reference_pairs or schema_type:
            raise click.UsageError("--reference and --type go with a SCHEMA file")
        advice = _advise_spec(project_dir, subject, registry, level)
    else:
        references = _references(reference_pairs)
        text = _read(schema)
        if registry is None:
            registry = _one_registry(list(load(project_dir, announce_embedded=False).registries))
        try:
            kind = _schema_type(schema_type and schema_type.upper(), [schema])
        except click.UsageError:
            if schema_type:
                raise
            kind = None  # the subject's type
        client = _client(registry, project_dir)
        try:
            advice = run(_from_file(client, subject, kind, text, references, level))
        except InvalidSchemaError as exc:
            fail(f"{schema}: {exc}")
        except EvolveError as exc:
            fail(str(exc))
    report = advice.to_json()
    if output == "json":
        click.echo(report_json("evolve", report))
    elif output == "markdown":
        click.echo(render.markdown(report), nl=False)
    else:
        click.echo(render.text(report), nl=False)
    sys.exit(0 if advice.compatible else 2)
