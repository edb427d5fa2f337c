"""``reconcile compat``: is a schema file compatible with its earlier versions?

Exit status 0 when compatible, 1 when not (like ``buf breaking``), and 1 with
an error naming the file when a file cannot be read or is not a valid schema.
"""

from __future__ import annotations

import json
from pathlib import Path

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


def _report(result: Result, files: list[Path], new: Path, level: str, schema_type: str) -> dict:
    return {
        "compatible": result.compatible,
        "type": schema_type,
        "level": level,
        "new": str(new),
        "previous": [str(f) for f in files],
        "messages": [
            {
                "rule": m.rule,
                "location": m.location,
                "message": m.message,
                "version": m.version,
                "file": str(files[m.version - 1]) if m.version else None,
            }
            for m in result.messages
        ],
    }


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
    default="BACKWARD",
    show_default=True,
    help="Compatibility level, with Confluent's semantics.",
)
@click.option(
    "--reference",
    "reference_pairs",
    multiple=True,
    metavar="NAME=FILE",
    help="A referenced schema: Avro full name, JSON $ref URL or Protobuf import path.",
)
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def compat(
    schemas: tuple[Path, ...],
    schema_type: str | None,
    level: str,
    reference_pairs: tuple[str, ...],
    output: str,
) -> None:
    """Check NEW against PREVIOUS versions (oldest first): PREVIOUS... NEW.

    Non-transitive levels compare with the last PREVIOUS only, transitive
    levels with all of them. Exits 0 when compatible, 1 when not.
    """
    *previous_files, new_file = schemas
    kind = _schema_type(schema_type and schema_type.upper(), list(schemas))
    references = _references(reference_pairs)
    new = _parse(kind, new_file, references)
    previous = [_parse(kind, f, references) for f in previous_files]
    result = check(kind, new, previous, level.upper(), references)
    report = _report(result, previous_files, new_file, level.upper(), kind)
    if output == "json":
        click.echo(json.dumps(report, indent=2))
    else:
        verdict = "compatible" if result.compatible else "incompatible"
        click.echo(f"{new_file}: {verdict} ({kind}, {level.upper()})")
        for message in report["messages"]:
            click.echo(f"  {message['rule']} {message['location']} (vs {message['file']})")
            click.echo(f"    {message['message']}")
    if not result.compatible:
        raise SystemExit(1)
