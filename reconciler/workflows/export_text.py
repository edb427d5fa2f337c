"""What an export writes, from what was read (``exported_files``); for ``--history``,
the spec files' text straight from the read (``_history_text``).

``export_files(context_specs(...))`` makes a frozen ``VersionSpec`` per version,
then a document of dictionaries per version, then walks the document to write it
(``dump_yaml``): ~0.6 s of CPU at 10,000 subjects x 5 versions, between the
registry's last answer and the start of the export's check, on one core while the
other waits. A history's spec has one shape (a subject's type, its versions, each
with its number, id and schema file), so its lines are written as each version is
named, by the writer that would write its document (``Block``: the same plain-scalar
checks, the same layout); references and data contracts are handed to it as they
are. Whatever it declines (a value PyYAML would quote, say) declines the whole
export to ``export_files``, whose text is then PyYAML's: the files are the same
either way (tests/workflows/test_export_text.py).
"""

from __future__ import annotations

from pathlib import Path

from reconciler._gc import gc_paused

from .desired import context_specs
from .export import (
    ExportFiles,
    SchemaFile,
    _SchemaFiles,
    export_files,
    reference_docs,
    spec_file,
    spec_header,
)
from .export_yaml import Block, Declined
from .live import LiveContext, RegistryContents


# What it builds is kept (the files' texts, the schema files), with the registry's
# contents: the collector's passes would only rescan them.
@gc_paused()
def exported_files(
    contents: RegistryContents, registry: str, root: Path, *, history: bool
) -> ExportFiles:
    """Every file an export of ``contents`` into ``root`` writes, targeting ``registry``
    (ids kept with ``history``): ``export_files`` of the specs ``context_specs`` makes."""
    if history:
        texts: dict[str, str] = {}
        schemas: dict[str, SchemaFile] = {}
        types: dict[str, str] = {}
        try:
            for ctx in contents.contexts.values():
                text = _history_text(ctx, registry, _SchemaFiles(ctx.context, schemas, types))
                texts[spec_file(ctx.context)] = spec_header(registry, ctx.context) + text
        except Declined:
            pass
        else:
            return ExportFiles(texts, schemas, types)
    return export_files(context_specs(contents, registry, root, history=history, keep_ids=history))


def _history_text(ctx: LiveContext, registry: str, writer: _SchemaFiles) -> str:
    """The YAML ``dump_yaml(spec_document(...))`` writes for ``ctx`` with every version
    and its id, when ``Block`` writes it; ``Declined`` otherwise."""
    block = Block()
    lines, plain, scalar = block.lines, block.plain, block.scalar
    lines += [f"registry: {plain(registry)}", f"context: {plain(ctx.context)}"]
    if ctx.compatibility:
        lines.append(f"compatibility: {scalar(ctx.compatibility)}")
    if ctx.mode:
        lines.append(f"mode: {scalar(ctx.mode)}")
    if not ctx.subjects:
        raise Declined  # an empty mapping
    lines.append("subjects:")
    up = writer.up
    for name, subject in sorted(ctx.subjects.items()):
        versions, subject_type = subject.versions, subject.schema_type
        lines.append(f"  {plain(name)}:\n    type: {scalar(subject_type)}\n    versions:")
        for v, file in zip(versions, writer.write_versions(name, versions), strict=True):
            number, id_ = v.version, v.id
            path = block.plain_under(up, file)
            if type(number) is int and type(id_) is int and v.schema_type == subject_type:
                lines.append(f"    - version: {number}\n      id: {id_}\n      schema: {path}")
            else:
                lines.append(f"    - version: {scalar(number)}")
                if v.schema_type != subject_type:
                    lines.append(f"      type: {scalar(v.schema_type)}")
                if id_ is not None:
                    lines.append(f"      id: {scalar(id_)}")
                lines.append(f"      schema: {path}")
            if v.references:
                lines.append("      references:")
                block.sequence(reference_docs(v.references), "      ")
            if v.metadata:
                lines.append("      metadata:")
                block.mapping(dict(v.metadata), "        ", "        ")
            if v.rule_set:
                lines.append("      rule_set:")
                block.mapping(dict(v.rule_set), "        ", "        ")
        if subject.compatibility:
            lines.append(f"    compatibility: {scalar(subject.compatibility)}")
        if subject.mode:
            lines.append(f"    mode: {scalar(subject.mode)}")
    return block.text()
