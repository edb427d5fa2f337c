"""``export``: write what a registry holds as a loadable project.

``write_specs`` writes one spec file per context (``specs/<context>.yaml``)
and one native schema file per exported version (``schemas/<context>/...``);
``write_project_file`` adds the project file when the directory has none, so
that ``reconcile plan`` on the result works at once and shows no changes.
A file changed by hand since the last export is never overwritten silently
(``_edited``).
``bundle`` is the same content as one JSON document.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Container, Iterable, Mapping
from collections.abc import Set as AbstractSet
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from reconciler._gc import gc_paused
from reconciler.errors import ReconcilerError
from reconciler.spec.model import ContextSpec, ReferenceSpec, SubjectSpec, VersionSpec

from .desired import spec_stem
from .export_yaml import dump_yaml
from .files import EXTENSIONS, FileNames, readable, version_prefix
from .live import RegistryContents

if TYPE_CHECKING:
    from reconciler.registry import Reference, SchemaVersion

    from .export_ahead import FilesAhead

PROJECT_FILE = "reconcile.yaml"
# What the last export into a directory wrote there (path -> SHA-256), so that
# the next one tells a file it wrote from one edited since: local state.
MANIFEST = Path(".reconcile") / "export.json"
# What an export is about to write or remove, recorded before its first write and
# deleted after the manifest: an export cut short (killed, a full disk) leaves it, and
# the next one takes those files over as its own whatever they hold -- one of them may
# be half-written -- instead of refusing them as edited (docs/cli.md, "export").
PENDING = Path(".reconcile") / "export-pending.json"
HEADER = "# Written by `reconcile export` from registry {registry}{context}.\n"


def reference_docs(refs: Iterable[ReferenceSpec | Reference]) -> list[dict[str, Any]]:
    """References as a spec file lists them (from specs, or as the registry listed them)."""
    return [{"name": r.name, "subject": r.subject, "version": r.version} for r in refs]


def _contract(doc: dict[str, Any], metadata: Any, rule_set: Any) -> None:
    if metadata:
        doc["metadata"] = dict(metadata)
    if rule_set:
        doc["rule_set"] = dict(rule_set)


class SchemaFile(NamedTuple):
    """A schema file to write: its schema type and the registry's text, rendered by
    ``readable`` when its bytes are needed (``write_specs``: after the check is
    started, see ``ExportCheck``)."""

    schema_type: str
    text: str

    def render(self) -> bytes:
        return readable(self.schema_type, self.text).encode("utf-8")


class _SchemaFiles:
    """Names the schema files of one context; paths relative to the spec.

    ``types``, if given, gets the schema type of each file written for a schema
    without references (which parses alone: ``ExportCheck`` parses those ahead).
    """

    def __init__(
        self, context: str, files: dict[str, SchemaFile], types: dict[str, str] | None = None
    ) -> None:
        # Joined as strings below (a claimed name holds no separator): pathlib's
        # joins, twice per version, cost more than the rest of naming.
        folder = Path("schemas") / spec_stem(context)
        self.folder, self.up = folder.as_posix() + "/", (Path("..") / folder).as_posix() + "/"
        self.names = FileNames()
        self.files = files
        self.types = types

    def write(
        self,
        subject: str,
        schema_type: str,
        text: str,
        version: int | None,
        references: tuple[ReferenceSpec, ...],
    ) -> str:
        stem = subject if version is None else f"{subject}.v{version}"
        name = self.names.claim(stem, EXTENSIONS.get(schema_type, ".txt"))
        self.files[self.folder + name] = SchemaFile(schema_type, text)
        if self.types is not None and not references:
            self.types[self.folder + name] = schema_type
        return self.up + name

    def write_versions(self, subject: str, versions: Iterable[SchemaVersion]) -> list[str]:
        """``write`` for each of a subject's ``versions`` as the registry listed them, in
        order: the names of their files in ``folder`` (``export_text``: a history)."""
        claim, files, types, folder = self.names.claim_safe, self.files, self.types, self.folder
        prefix, names = version_prefix(subject), []
        for v in versions:
            suffix, number = EXTENSIONS.get(v.schema_type, ".txt"), v.version
            if type(number) is int:
                name = claim(prefix + str(number), suffix)
            else:
                name = self.names.claim(f"{subject}.v{number}", suffix)
            relative = folder + name
            files[relative] = SchemaFile(v.schema_type, v.schema)
            if types is not None and not v.references:
                types[relative] = v.schema_type
            names.append(name)
        return names


def _version_doc(writer: _SchemaFiles, subject: SubjectSpec, v: VersionSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {"version": v.version}
    if v.type is not None:
        doc["type"] = v.type
    if v.id is not None:
        doc["id"] = v.id
    doc["schema"] = writer.write(
        subject.name, v.type_in(subject), v.schema, v.version, v.references
    )
    if v.references:
        doc["references"] = reference_docs(v.references)
    _contract(doc, v.metadata, v.rule_set)
    return doc


def _subject_doc(writer: _SchemaFiles, subject: SubjectSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": subject.type}
    if subject.versions is not None:
        doc["versions"] = [_version_doc(writer, subject, v) for v in subject.versions]
    elif subject.schema is not None:
        doc["schema"] = writer.write(
            subject.name, subject.type, subject.schema, None, subject.references
        )
        if subject.references:
            doc["references"] = reference_docs(subject.references)
        _contract(doc, subject.metadata, subject.rule_set)
    if subject.compatibility:
        doc["compatibility"] = subject.compatibility
    if subject.mode:
        doc["mode"] = subject.mode
    return doc


def spec_document(
    spec: ContextSpec, files: dict[str, SchemaFile], types: dict[str, str] | None = None
) -> dict[str, Any]:
    """The YAML document of one spec file; its schema files are added to ``files``
    (and to ``types``, see ``_SchemaFiles``)."""
    writer = _SchemaFiles(spec.context, files, types)
    doc: dict[str, Any] = {"registry": spec.registries[0], "context": spec.context}
    if spec.compatibility:
        doc["compatibility"] = spec.compatibility
    if spec.mode:
        doc["mode"] = spec.mode
    doc["subjects"] = {name: _subject_doc(writer, s) for name, s in spec.subjects.items()}
    return doc


def spec_file(context: str) -> str:
    """Where a context's spec is written, relative to the project root."""
    return f"specs/{spec_stem(context)}.yaml"


class ExportFiles(NamedTuple):
    """Every file an export writes, by path relative to the project root."""

    specs: dict[str, str]  # each context's spec file: its text
    schemas: dict[str, SchemaFile]  # the schema files, rendered when written
    types: dict[str, str]  # the type of each schema file without references


def spec_header(registry: str, context: str) -> str:
    """The comment a spec file starts with."""
    return HEADER.format(
        registry=registry, context="" if context == "." else f", context {context}"
    )


def export_files(specs: tuple[ContextSpec, ...]) -> ExportFiles:
    """Every file an export of ``specs`` writes. Writes nothing, and renders no schema
    file (``SchemaFile.render``)."""
    texts: dict[str, str] = {}
    schemas: dict[str, SchemaFile] = {}
    types: dict[str, str] = {}
    for spec in specs:
        header = spec_header(spec.registries[0], spec.context)
        texts[spec_file(spec.context)] = header + dump_yaml(spec_document(spec, schemas, types))
    return ExportFiles(texts, schemas, types)


class ExportWriteError(ReconcilerError):
    """A file of the export could not be written (a full disk, say)."""

    def __init__(self, path: Path, exc: OSError) -> None:
        super().__init__(
            f"could not write {path}: {exc.strerror or exc}; the export stopped there "
            "(the next export takes over the files it wrote)"
        )


class EditedFilesError(ReconcilerError):
    """Files an export would overwrite that hold what no export wrote there."""

    def __init__(self, paths: list[Path]) -> None:
        super().__init__(", ".join(str(p) for p in paths))
        self.paths = paths


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest(root: Path) -> dict[str, str]:
    try:
        recorded = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


def _pending(root: Path) -> set[str]:
    """The files an interrupted export was writing or removing (``PENDING``): a JSON
    list per line (``FilesAhead`` adds one per listing page)."""
    try:
        lines = (root / PENDING).read_bytes().splitlines()
    except OSError:
        return set()
    listed: list[Any] = []
    for line in lines:
        try:
            part = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue  # cut short while written: before any of its files was
        if isinstance(part, list):
            listed += part
    # Only what an export writes: specs and schema files inside the project (split only
    # where ".." is found: 50,000 paths at 10,000 subjects x 5 versions).
    return {
        p
        for p in listed
        if isinstance(p, str)
        and p.startswith(("specs/", "schemas/"))
        and (".." not in p or ".." not in p.split("/"))
    }


def _present(root: Path, relatives: Iterable[str]) -> list[str]:
    """Those of ``relatives`` that may exist under ``root``: one listing per folder
    instead of one failed open per file (an export into a new directory opens none).
    Names are compared case-folded, for case-insensitive file systems."""
    by_folder: dict[str, list[str]] = {}
    for relative in relatives:
        by_folder.setdefault(relative.rpartition("/")[0], []).append(relative)
    present = []
    for folder, members in by_folder.items():
        try:
            entries = {entry.casefold() for entry in os.listdir(root / folder)}
        except OSError:  # no such folder (or not one): nothing in it to check
            continue
        present += [r for r in members if r.rpartition("/")[2].casefold() in entries]
    return present


def _edited(
    root: Path, present: list[str], files: Mapping[str, bytes], recorded: dict[str, str]
) -> list[Path]:
    """The files among ``present`` (``_present``) that exist under ``root`` and were
    changed by hand; ``files`` holds the bytes this export writes there.

    A file counts as changed unless it already holds what this export writes,
    or exactly what the last export into ``root`` wrote there (its SHA-256 in
    ``recorded``, ``.reconcile/export.json``). A file no export recorded, such as
    one written by hand or in another clone, counts as changed when it differs.
    """
    edited = []
    for relative in present:
        path = root / relative
        try:
            current = path.read_bytes()
        except FileNotFoundError:
            continue
        except OSError:
            edited.append(path)  # a directory, say: never replaced
            continue
        if current != files[relative] and recorded.get(relative) != _digest(current):
            edited.append(path)
    return edited


def _stale(
    root: Path,
    files: Container[str],
    recorded: dict[str, str],
    pending: set[str],
    contexts: tuple[str, ...],
) -> list[str]:
    """What the last export into ``root`` wrote (``recorded``), or an export cut short
    may have written (``pending``), that this one does not: the files of subjects,
    versions or contexts the registry no longer holds.

    With ``contexts`` (an export of some contexts), only files of those contexts
    count; otherwise every recorded file. Paths relative to ``root``, present only.
    """
    scope = [(f"specs/{spec_stem(c)}.yaml", f"schemas/{spec_stem(c)}/") for c in contexts]

    def in_scope(relative: str) -> bool:
        return not scope or any(relative == s or relative.startswith(d) for s, d in scope)

    return sorted(
        relative
        for relative in recorded.keys() | pending
        if relative not in files and in_scope(relative) and (root / relative).is_file()
    )


class Written(NamedTuple):
    """What ``write_specs`` did."""

    specs: list[Path]  # the spec files written
    removed: list[Path]  # files of an earlier export the registry no longer holds
    schema_files: int  # how many schema files were written
    files: dict[str, bytes]  # every file written, by path relative to the root: its bytes


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)


def _add_pending(root: Path, relatives: list[str]) -> None:
    """``relatives`` added to ``PENDING``, in a line of their own: ``_pending`` reads the
    union of its lines and skips one cut short (those before it stay)."""
    if not relatives:
        return
    path = root / PENDING
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+b") as record:
            end = record.seek(0, os.SEEK_END)
            if end:  # a line cut short (or a record written without its end) ends here
                record.seek(end - 1)
                if record.read(1) != b"\n":
                    record.write(b"\n")
            record.write(orjson.dumps(relatives) + b"\n")
    except OSError as exc:
        raise ExportWriteError(path, exc) from exc


def _record_pending(root: Path, relatives: list[str]) -> None:
    """``PENDING`` replaced whole: cut short, the record it replaces stays (files
    written ahead, ``FilesAhead``, are named there only)."""
    written = root / PENDING.with_name(PENDING.name + ".new")
    _write(root, {written.relative_to(root).as_posix(): orjson.dumps(relatives)})
    try:
        os.replace(written, root / PENDING)
    except OSError as exc:
        raise ExportWriteError(root / PENDING, exc) from exc


def _write(root: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` (paths relative to ``root``), making each folder once.

    By file descriptor: 50,000 buffered file objects (``open``) cost a second of
    CPU more than the writes themselves.
    """
    base = str(root)
    for folder in dict.fromkeys(relative.rpartition("/")[0] for relative in files):
        try:
            (root / folder).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportWriteError(root / folder, exc) from exc
    for relative, data in files.items():
        try:
            write_file(os.path.join(base, relative), data, _CREATE)
        except OSError as exc:
            raise ExportWriteError(root / relative, exc) from exc


def write_file(path: str, data: bytes, flags: int, folder: int | None = None) -> None:
    """Open ``path`` (in the directory ``folder`` is a handle of, if given) with ``flags``
    and write ``data`` to it (``write_all``)."""
    handle = os.open(path, flags, 0o666, dir_fd=folder)
    try:
        write_all(handle, data)
    finally:
        os.close(handle)


def write_all(handle: int, data: bytes) -> None:
    """Write ``data`` to the open ``handle``, until every byte is taken."""
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]


# What it builds is kept until it returns (the files' bytes), then dropped: the
# collector's passes would only rescan it, with the registry's contents the caller
# keeps (~0.13 s at 10,000 subjects x 5 versions, with the documents it then built).
@gc_paused()
def write_specs(
    files: ExportFiles,
    root: Path,
    *,
    force: bool = False,
    contexts: tuple[str, ...] = (),
    before_schemas: Callable[[dict[str, bytes], dict[str, str], list[str]], None] | None = None,
    schemas_rendered: Callable[[dict[str, bytes]], None] | None = None,
    ahead: FilesAhead | None = None,
) -> Written:
    """Write every spec and its schema files (``files``: ``export_files``), and remove
    the files an earlier export wrote that this one does not (``_stale``).

    Unless ``force``, raise ``EditedFilesError`` before writing or removing
    anything when a file to overwrite or remove was changed since the last
    export (``_edited``). What was written is recorded for the next
    export's check; ``contexts`` limits what counts as stale to those contexts.

    ``before_schemas`` is called once the spec files are written and the stale files
    removed, before the schema files are rendered and written: with the bytes known
    so far (the spec files', and those of the schema files that had to be compared
    with files already there), the types of the schema files without references, and
    the paths of the schema files still to render, in the order they are written;
    ``schemas_rendered`` with every file's bytes once those are rendered, before the
    schema files are written (``ExportCheck``: rendering them, ~0.35 s at 10,000
    subjects x 5 versions, and writing them, are then shared with the check).

    ``ahead``: the schema files written since the registry was first read
    (``FilesAhead``, waited for here): those that hold what this export writes
    there are not written again, and their bytes are the writer's.
    """
    texts, schemas, types = files
    encoded = {relative: text.encode("utf-8") for relative, text in texts.items()}
    early, rendered = ({}, {}) if ahead is None else ahead.written()
    # Written ahead: usually every file, as this export names it (one comparison in C).
    every = early.items() <= schemas.items()
    done: AbstractSet[str] = (
        early.keys() if every else {r for r, file in early.items() if schemas.get(r) == file}
    )
    recorded = _manifest(root)
    on_record = _pending(root)  # an earlier export cut short, or the writer ahead (its files)
    pending = on_record | early.keys()
    stale = _stale(root, encoded.keys() | schemas.keys(), recorded, pending, contexts)
    present = _present(root, (r for r in chain(encoded, schemas) if r not in pending))
    for relative in present:  # compared with what is there: rendered now (none if new)
        if relative not in encoded:
            encoded[relative] = schemas[relative].render()
    edited = _edited(root, present, encoded, recorded) + [
        root / relative
        for relative in stale
        if relative not in pending
        and recorded.get(relative) != _digest((root / relative).read_bytes())
    ]
    if not force and edited:
        raise EditedFilesError(edited)
    # Before the first write: what this export may leave behind if it is cut short
    # (and what an earlier one cut short left, until a manifest records it).
    # (Added to the record: not the 50,000 paths a writer ahead listed there again.)
    listed = {r for r in chain(early, encoded, schemas, stale) if r not in on_record}
    _add_pending(root, sorted(listed))
    _write(root, {relative: encoded[relative] for relative in texts})
    for relative in stale:
        (root / relative).unlink()
        recorded.pop(relative, None)
    if every:  # the bytes of each file written ahead (none is present: all pending)
        encoded.update(rendered)  # in the writer's order: one C call, not 500,000 tests
    else:
        for relative in schemas:  # the bytes of those written ahead (in order)
            if relative in done and relative not in encoded:
                encoded[relative] = rendered[relative]
    if before_schemas is not None:
        before_schemas(encoded, types, [r for r in schemas if r not in encoded])
    for relative, schema in schemas.items():
        if relative not in encoded:
            encoded[relative] = schema.render()
    if schemas_rendered is not None:
        schemas_rendered(encoded)
    _write(root, {relative: encoded[relative] for relative in schemas if relative not in done})
    recorded.update({relative: _digest(data) for relative, data in encoded.items()})
    manifest = orjson.dumps(recorded, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    _write(root, {MANIFEST.as_posix(): manifest + b"\n"})
    # What an earlier export cut short wrote outside this one's contexts stays pending.
    left = sorted(r for r in pending - encoded.keys() - set(stale) if (root / r).is_file())
    if left:
        _record_pending(root, left)
    else:
        (root / PENDING).unlink()
    return Written(
        [root / relative for relative in texts],
        [root / relative for relative in stale],
        len(schemas),
        encoded,
    )


def relocate(entry: dict[str, Any], source_root: Path, out: Path) -> dict[str, Any]:
    """A project-file registry entry moved from ``source_root`` to ``out``.

    Relative paths in it (``local:PATH``, TLS files) are relative to the
    project: they are rewritten so that they still name the same files.
    """

    def moved(path: str) -> str:
        if os.path.isabs(path):
            return path
        return os.path.relpath(source_root / path, out)

    entry = dict(entry)
    url = str(entry.get("url", ""))
    if url.startswith("local:"):
        entry["url"] = "local:" + moved(url[len("local:") :])
    if isinstance(entry.get("tls"), dict):
        entry["tls"] = {
            k: moved(v) if k.endswith("_file") and isinstance(v, str) else v
            for k, v in entry["tls"].items()
        }
    return entry


def write_project_file(out: Path, registry: str, entry: dict[str, Any]) -> Path | None:
    """Write ``out/reconcile.yaml`` naming ``registry`` unless a project file is there.

    ``entry`` is the registry's entry as written in the source project file
    (``${VAR}`` references kept, so no secret is ever copied), or ``{url: ...}``.
    Return the file written, or None when one existed.
    """
    path = out / PROJECT_FILE
    if path.exists():
        return None
    doc = {"version": 1, "registries": {registry: entry}, "specs": ["specs/**/*.yaml"]}
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Written by `reconcile export`. Credentials belong in ${VAR} references.\n"
        + dump_yaml(doc),
        encoding="utf-8",
    )
    return path


def bundle(contents: RegistryContents, *, history: bool) -> dict[str, Any]:
    """Everything exported, as one JSON document (``--format bundle``)."""
    contexts = []
    for ctx in contents.contexts.values():
        subjects = []
        for subject in ctx.subjects.values():
            versions = subject.versions if history else subject.versions[-1:]
            subjects.append(
                {
                    "name": subject.name,
                    "type": subject.schema_type,
                    "compatibility": subject.compatibility,
                    "mode": subject.mode,
                    "versions": [
                        {
                            "version": v.version,
                            "id": v.id,
                            "schemaType": v.schema_type,
                            "schema": v.schema,
                            "references": [r.to_json() for r in v.references],
                            "metadata": v.metadata,
                            "ruleSet": v.rule_set,
                        }
                        for v in versions
                    ],
                }
            )
        contexts.append(
            {
                "context": ctx.context,
                "compatibility": ctx.compatibility,
                "mode": ctx.mode,
                "subjects": subjects,
            }
        )
    return {
        "format": "reconciler-bundle",
        "format_version": 1,
        "registry": contents.registry,
        "history": history,
        "contexts": contexts,
    }
