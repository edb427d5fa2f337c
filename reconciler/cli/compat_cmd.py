"""``reconcile compat``: is a schema file compatible with its earlier versions?

Exit status 0 when compatible, 1 when not (like ``buf breaking``), and 1 with
an error naming the file when a file cannot be read or is not a valid schema.
With ``--subject``/``--registry`` the earlier versions (and the schemas they
reference) come from a registry; the registry client is imported only then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from reconciler.compatibility import (
    LEVELS,
    SCHEMA_TYPES,
    InvalidSchemaError,
    ParsedSchema,
    Result,
    check,
    parse,
)
from reconciler.engine import StoredVersion, versions_to_check
from reconciler.registry import RegistryClient, RegistryError
from reconciler.render import report_json
from reconciler.spec import SpecErrors, load_project

from ._common import project_dir_option, report_output_option, run

_SUFFIXES = {".avsc": "AVRO", ".avro": "AVRO", ".json": "JSON", ".proto": "PROTOBUF"}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: cannot read: {exc}") from exc


def _schema_type(declared: str | None, files: list[Path]) -> str:
    if declared:
        return declared
    kinds = {_SUFFIXES.get(f.suffix.lower()) for f in files}
    if len(kinds) == 1 and None not in kinds:
        return kinds.pop()  # type: ignore[return-value]
    raise click.UsageError("cannot tell the schema type from the file names; pass --type")


def _references(pairs: tuple[str, ...]) -> dict[str, str]:
    references: dict[str, str] = {}
    for pair in pairs:
        name, sep, file = pair.partition("=")
        if not sep or not name or not file:
            raise click.BadParameter(f"{pair!r} is not NAME=FILE", param_hint="--reference")
        references[name] = _read(Path(file))
    return references


def _parse(schema_type: str, path: Path, references: dict[str, str]) -> ParsedSchema:
    try:
        return parse(schema_type, _read(path), references)
    except InvalidSchemaError as exc:
        raise click.ClickException(f"{path}: {exc}") from exc


def _report(
    result: Result,
    labels: list[str],
    numbers: list[int],
    new: Path,
    level: str,
    schema_type: str,
) -> dict:
    """``labels`` names each previous version (its file, or subject and version number);
    ``numbers`` numbers them: the registry's version numbers, or 1, 2... for files."""
    return {
        "compatible": result.compatible,
        "type": schema_type,
        "level": level,
        "new": str(new),
        "previous": labels,
        "messages": [
            {
                "rule": m.rule,
                "location": m.location,
                "message": m.message,
                "fix": m.fix,
                "version": numbers[m.version - 1] if m.version else None,
                "against": labels[m.version - 1] if m.version else None,
            }
            for m in result.messages
        ],
    }


def _client(registry: str, project_dir: str) -> RegistryClient:
    """A URL (``http(s)://``, ``local:PATH``) or a registry named in the project file."""
    if "://" in registry or registry.startswith("local:"):
        return RegistryClient(registry)
    try:
        project = load_project(Path(project_dir))
    except SpecErrors as exc:
        raise click.ClickException("\n".join(str(e) for e in exc.errors)) from exc
    config = project.registries.get(registry)
    if config is None:
        known = ", ".join(sorted(project.registries)) or "none"
        # An error (1), as in plan and drift; not a usage error: the option is well formed.
        raise click.ClickException(
            f"--registry: no registry {registry!r} in the project file (known: {known})"
        )
    return RegistryClient.from_config(config, project.root)


async def _history(
    registry: str, project_dir: str, subject: str, level: str | None
) -> tuple[str, list[StoredVersion]]:
    async with _client(registry, project_dir) as client:
        return await versions_to_check(client, subject, level)


def _fetch(
    registry: str, project_dir: str, subject: str, level: str | None
) -> tuple[str, list[StoredVersion]]:
    try:
        return run(_history(registry, project_dir, subject, level))
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command()
@click.argument("schemas", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--type",
    "schema_type",
    type=click.Choice(SCHEMA_TYPES, case_sensitive=False),
    help="Schema type; guessed from the file suffix (.avsc, .json, .proto) when left out.",
)
@click.option(
    "--level",
    type=click.Choice(LEVELS, case_sensitive=False),
    default=None,
    help="Compatibility level, with Confluent's semantics. Default: BACKWARD, or the "
    "subject's level with --subject.",
)
@click.option(
    "--reference",
    "reference_pairs",
    multiple=True,
    metavar="NAME=FILE",
    help="A schema NEW references: Avro full name, JSON $ref URL or Protobuf import path.",
)
@click.option("--subject", help="Check NEW against the versions this subject holds.")
@click.option(
    "--registry",
    metavar="NAME|URL",
    help="With --subject: a registry of the project file, or a URL (http(s)://, local:PATH).",
)
# --project: compat's spelling before the one grammar (docs/cli.md), still accepted.
@project_dir_option(
    "The project directory (its reconcile.yaml names --registry NAME).", aliases=("--project",)
)
@report_output_option()
def compat(
    schemas: tuple[Path, ...],
    schema_type: str | None,
    level: str | None,
    reference_pairs: tuple[str, ...],
    subject: str | None,
    registry: str | None,
    project_dir: str,
    output: str,
) -> None:
    """Check NEW against earlier versions: PREVIOUS... NEW, or --subject S --registry R NEW.

    PREVIOUS files are oldest first. Non-transitive levels compare with the
    latest earlier version only, transitive levels with all of them. Exits 0
    when compatible, 1 when not.
    """
    if (subject is None) != (registry is None):
        raise click.UsageError("--subject and --registry go together")
    *previous_files, new_file = schemas
    if subject is not None and previous_files:
        raise click.UsageError("with --subject, give only the NEW schema file")
    references = _references(reference_pairs)
    if subject is not None and registry is not None:
        level, stored = _fetch(registry, project_dir, subject, level and level.upper())
        kind = schema_type or (stored[-1].schema_type if stored else None)
        kind = _schema_type(kind and kind.upper(), [new_file])
        previous = [_parse_stored(kind, s, subject) for s in stored]
        labels = [f"{subject} version {s.version}" for s in stored]
        numbers = [s.version for s in stored]
    else:
        level = level or "BACKWARD"
        kind = _schema_type(schema_type and schema_type.upper(), list(schemas))
        previous = [_parse(kind, f, references) for f in previous_files]
        labels = [str(f) for f in previous_files]
        numbers = list(range(1, len(previous_files) + 1))
    new = _parse(kind, new_file, references)
    level = level.upper()
    try:
        result = check(kind, new, previous, level)
    except InvalidSchemaError as exc:
        raise click.ClickException(f"{new_file}: {exc}") from exc
    report = _report(result, labels, numbers, new_file, level, kind)
    if output == "json":
        click.echo(report_json("compat", report))
    elif output == "markdown":
        click.echo(_markdown(report))
    else:
        verdict = "compatible" if result.compatible else "incompatible"
        click.echo(f"{new_file}: {verdict} ({kind}, {level})")
        for message in report["messages"]:
            click.echo(f"  {message['rule']} {message['location']} (vs {message['against']})")
            why = message["message"]
            click.echo(f"    {why[:1].upper()}{why[1:]}.")
            if message["fix"]:
                click.echo(f"    Fix: {message['fix']}.")
    if not result.compatible:
        raise SystemExit(1)


def _parse_stored(kind: str, stored: StoredVersion, subject: str) -> ParsedSchema:
    if stored.schema_type != kind:
        raise click.ClickException(
            f"{subject} version {stored.version} is {stored.schema_type}, not {kind}"
        )
    try:
        return parse(kind, stored.schema, stored.references)
    except InvalidSchemaError as exc:
        raise click.ClickException(f"{subject} version {stored.version}: {exc}") from exc


def _markdown(report: dict[str, Any]) -> str:
    verdict = "✅ compatible" if report["compatible"] else "❌ incompatible"
    lines = [
        f"### reconcile compat `{report['new']}`: {verdict} ({report['type']}, {report['level']})",
        "",
    ]
    lines += [
        f"- **{m['rule']}** at `{m['location']}` (vs {m['against']}): {m['message']}."
        + (f" Fix: {m['fix']}." if m["fix"] else "")
        for m in report["messages"]
    ]
    return "\n".join(lines)
