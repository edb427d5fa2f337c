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

import contextlib
import hashlib
import json
import mmap
import os
import signal
import sys
import threading
from array import array
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import orjson

from reconciler._gc import gc_paused
from reconciler.errors import ReconcilerError
from reconciler.spec import SpecErrors, load_project, valid_entries
from reconciler.spec.model import ContextSpec, Project, ReferenceSpec, SubjectSpec, VersionSpec

from .desired import spec_stem
from .export_yaml import dump_yaml
from .files import EXTENSIONS, FileNames, readable
from .live import RegistryContents

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


def _refs(refs: tuple[ReferenceSpec, ...]) -> list[dict[str, Any]]:
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
        doc["references"] = _refs(v.references)
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
            doc["references"] = _refs(subject.references)
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


def spec_file(spec: ContextSpec) -> str:
    """Where a context's spec is written, relative to the project root."""
    return f"specs/{spec_stem(spec.context)}.yaml"


class ExportFiles(NamedTuple):
    """Every file an export writes, by path relative to the project root."""

    specs: dict[str, str]  # each context's spec file: its text
    schemas: dict[str, SchemaFile]  # the schema files, rendered when written


def export_files(
    specs: tuple[ContextSpec, ...], types: dict[str, str] | None = None
) -> ExportFiles:
    """Every file an export writes (``types``: see ``_SchemaFiles``). Writes nothing,
    and renders no schema file (``SchemaFile.render``)."""
    texts: dict[str, str] = {}
    schemas: dict[str, SchemaFile] = {}
    for spec in specs:
        doc = spec_document(spec, schemas, types)
        where = "" if spec.context == "." else f", context {spec.context}"
        header = HEADER.format(registry=spec.registries[0], context=where)
        texts[spec_file(spec)] = header + dump_yaml(doc)
    return ExportFiles(texts, schemas)


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
    """The files an interrupted export was writing or removing (``PENDING``)."""
    try:
        listed = json.loads((root / PENDING).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()  # none, or cut short while written: before any file was
    if not isinstance(listed, list):
        return set()
    # Only what an export writes: specs and schema files inside the project.
    return {
        p
        for p in listed
        if isinstance(p, str) and p.startswith(("specs/", "schemas/")) and ".." not in p.split("/")
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
            handle = os.open(os.path.join(base, relative), _CREATE, 0o666)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(handle, view) :]
            finally:
                os.close(handle)
        except OSError as exc:
            raise ExportWriteError(root / relative, exc) from exc


# What it builds is kept until it returns (the files' texts, their documents), then
# dropped: the collector's passes would only rescan it, with the registry's contents
# the caller keeps (~0.13 s at 10,000 subjects x 5 versions).
@gc_paused()
def write_specs(
    specs: tuple[ContextSpec, ...],
    root: Path,
    *,
    force: bool = False,
    contexts: tuple[str, ...] = (),
    before_schemas: Callable[[dict[str, bytes], dict[str, str], list[str]], None] | None = None,
    schemas_rendered: Callable[[dict[str, bytes]], None] | None = None,
) -> Written:
    """Write every spec and its schema files, and remove the files an earlier export
    wrote that this one does not (``_stale``).

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
    """
    types: dict[str, str] = {}
    texts, schemas = export_files(specs, types)
    encoded = {relative: text.encode("utf-8") for relative, text in texts.items()}
    recorded = _manifest(root)
    pending = _pending(root)
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
    listed = pending | encoded.keys() | schemas.keys() | set(stale)
    _write(root, {PENDING.as_posix(): orjson.dumps(sorted(listed))})
    _write(root, {relative: encoded[relative] for relative in texts})
    for relative in stale:
        (root / relative).unlink()
        recorded.pop(relative, None)
    if before_schemas is not None:
        before_schemas(encoded, types, [r for r in schemas if r not in encoded])
    for relative, schema in schemas.items():
        if relative not in encoded:
            encoded[relative] = schema.render()
    if schemas_rendered is not None:
        schemas_rendered(encoded)
    _write(root, {relative: encoded[relative] for relative in schemas})
    recorded.update({relative: _digest(data) for relative, data in encoded.items()})
    manifest = orjson.dumps(recorded, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    _write(root, {MANIFEST.as_posix(): manifest + b"\n"})
    # What an earlier export cut short wrote outside this one's contexts stays pending.
    left = sorted(r for r in pending - encoded.keys() - set(stale) if (root / r).is_file())
    if left:
        _write(root, {PENDING.as_posix(): orjson.dumps(left)})
    else:
        (root / PENDING).unlink()
    return Written(
        [root / spec_file(spec) for spec in specs],
        [root / relative for relative in stale],
        len(schemas),
        encoded,
    )


def _regular_files(root: Path, relatives: Iterable[str]) -> bool:
    """Whether each of ``relatives`` is a regular file under ``root``, not a symlink:
    one listing per folder (its entries' types come with their names) instead of an
    ``lstat`` per file."""
    by_folder: dict[str, set[str]] = {}
    for relative in relatives:
        folder, _, name = relative.rpartition("/")
        by_folder.setdefault(folder, set()).add(name)
    for folder, names in by_folder.items():
        try:
            with os.scandir(root / folder) as entries:
                regular = {entry.name for entry in entries if entry.is_file(follow_symlinks=False)}
        except OSError:
            return False
        if not names <= regular:
            return False
    return True


def _load_written(
    out: Path,
    written: Mapping[str, bytes],
    known_valid: Callable[[], Iterable[str]] | None = None,
) -> Project:
    """``load_project`` of ``out`` taking ``written`` (paths relative to ``out``) as the
    bytes of those files, each a regular file there (``Reads``: the caller checks)."""
    return load_project(
        out, parse_cache=True, cache_specs=False, written=written, known_valid=known_valid
    )


def check_exported(out: Path, written: Mapping[str, bytes] | None = None) -> None:
    """Raise ``SpecErrors`` unless the project written in ``out`` loads back.

    ``written`` (``Written.files``): the bytes just written, by path relative to
    ``out``, which the load takes instead of reading 50,000 files back; each must be a
    regular file where it was written, which one listing per folder shows (else the
    files are loaded from the disk, for the load's own lookups and messages). What it
    proves is unchanged: these bytes, at these paths, load as a project.

    The load keeps which schemas parse in ``out``'s parse cache (``.reconcile/cache/``,
    content-addressed, as plan keeps it), so the first plan of the export parses
    nothing it parsed (49,996 parses at 10,000 subjects x 5 versions, ~1.3 s), and a
    re-export of an unchanged registry checks without parsing. The loaded specs are
    not kept (``cache_specs=False``): pickling 50,000 specs would cost the export 1.4-3.7 s
    more, for a plan that may never come (a plan keeps them itself).
    """
    _load_written(out, written if written and _regular_files(out, written) else {})


# Exports of fewer files check in the process: a fork copies the process's page tables.
FORK_FILES = 2_000
_LOADED, _REFUSED = 0, 1  # the child's exit codes (anything else: it failed otherwise)


def _can_fork() -> bool:
    """A fork copies the calling thread only (and no lock another holds): Linux, and a
    process with one thread, such as the CLI's (the MCP server's threads check in the
    process)."""
    return (
        sys.platform == "linux"
        and threading.active_count() == 1
        and hasattr(os, "memfd_create")  # where the child gets the files written after it
    )


class ExportCheck:
    """``check_exported``, started before the schema files are rendered and written.

    After the registry's last answer its core is idle, and the check is most of
    what is left (~2 s of CPU at 10,000 subjects x 5 versions). So it is shared
    with a forked child: the child loads the project back (its YAML, its validation,
    resolving every schema file) taking the bytes given as those files' without
    looking at them (``_load_written``). Meanwhile this process renders the schema
    files (``coming``) and hands their bytes to the child (``rendered``), then parses
    those without references (~90 % of them: one needs no other file) and hands the
    verdicts over too, before the child's checks ask for them
    (``load_project(known_valid=...)``, content-addressed as the parse cache: the
    child parses anything else), and only then writes the files. Both go through
    memory shared with the child (``_Channel``), so neither side waits for the other
    to read. The child says by its exit code only whether the project loads.

    ``result`` waits for it, then checks that each file is now a regular file where
    the child took it to be; anything else (errors found, a child that failed or
    was killed, a file not where it was written) runs ``check_exported`` here,
    whose errors and messages are the ones reported. Without a fork (small
    exports, other systems, threads), ``result`` runs ``check_exported`` itself.
    """

    def __init__(
        self,
        out: Path,
        written: Mapping[str, bytes],
        types: Mapping[str, str],
        coming: Sequence[str] = (),
    ) -> None:
        """``written``: the bytes of the files known so far; ``coming``: the files whose
        bytes ``rendered`` gives later, in that order; ``types``: the schema type of
        each schema file without references."""
        self.out, self.written, self.types = out, dict(written), types
        self.coming = coming
        self.pid: int | None = None
        self._channel: _Channel | None = None
        if len(written) + len(coming) >= FORK_FILES and _can_fork():
            channel = _Channel(2 if coming else 1)  # the files, if any; the verdicts
            self.pid = os.fork()
            if self.pid == 0:  # the child: never returns
                code = 2
                try:
                    channel.receiving()
                    arriving = _Arriving(written, coming, channel)
                    # Kept until the exit: freeing 50,000 specs is no part of the check.
                    self.loaded = _load_written(out, arriving, known_valid=arriving.verdicts)
                    code = _LOADED
                except SpecErrors:
                    code = _REFUSED
                finally:
                    os._exit(code)
            channel.sending()
            self._channel = channel

    def rendered(self, files: Mapping[str, bytes]) -> None:
        """The bytes of every file, ``coming``'s included: handed to the child, then
        the verdicts of the schema files without references."""
        self.written = dict(files)
        if self._channel is not None:
            if self.coming:
                parts = [files[relative] for relative in self.coming]
                self._channel.send([array("Q", map(len, parts)).tobytes(), *parts])
            self._verdicts()

    def _verdicts(self) -> None:
        if self._channel is not None:
            entries = valid_entries((t, self.written[r]) for r, t in self.types.items())
            self._channel.send(["\n".join(entries).encode()])
            self._channel.close()
            self._channel = None

    def result(self) -> None:
        """Return when the written project loads back; raise ``SpecErrors`` otherwise."""
        loaded = False
        if self.pid is not None:
            try:
                self._verdicts()  # unless ``rendered`` sent them
                _, status = os.waitpid(self.pid, 0)
                loaded = os.waitstatus_to_exitcode(status) == _LOADED
            except ChildProcessError:  # reaped by someone else: its verdict is lost
                pass
            except BaseException:
                self.cancel()
                raise
            self.pid = None
        if not (loaded and _regular_files(self.out, self.written)):
            check_exported(self.out, self.written)

    def cancel(self) -> None:
        """Stop the child, if any (the export stopped before its check's result)."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            self.pid = None


class _Channel:
    """From the export to its check's child: ``messages`` messages, each written into
    memory both processes share (a ``memfd`` of its own, made before the fork) and
    announced by its size on a pipe. The export never waits for the child to read;
    the child maps what it reads, and frees it once read (the schema files' bytes:
    ~300 MB at 100,000 subjects x 5 versions)."""

    def __init__(self, messages: int) -> None:
        self._memories = [
            os.memfd_create("reconcile-export-check", os.MFD_CLOEXEC) for _ in range(messages)
        ]
        self._receive, self._send = os.pipe()
        self._next = 0  # the next message's memory

    def sending(self) -> None:
        os.close(self._receive)

    def receiving(self) -> None:
        os.close(self._send)

    def send(self, parts: list[bytes]) -> None:
        """The next message: the concatenation of ``parts``."""
        memory = self._memories[self._next]
        self._next += 1
        size = 0
        for first in range(0, len(parts), _BATCH):  # a write per batch, not per part
            view = memoryview(b"".join(parts[first : first + _BATCH]))
            while view:
                written = os.pwrite(memory, view, size)
                view, size = view[written:], size + written
        os.close(memory)
        with contextlib.suppress(BrokenPipeError):  # the child ended: its exit code says how
            os.write(self._send, size.to_bytes(8, "little"))

    def receive(self, read: Callable[[memoryview], _T]) -> _T:
        """``read`` of the next message, mapped; its memory is freed once ``read``
        returns, so it must keep nothing of it (``EOFError``: the export stopped
        before sending it)."""
        memory = self._memories[self._next]
        self._next += 1
        header = b""
        while len(header) < 8:
            chunk = os.read(self._receive, 8 - len(header))
            if not chunk:
                raise EOFError("the export stopped before its check's data was sent")
            header += chunk
        size = int.from_bytes(header, "little")
        try:
            if size == 0:  # nothing to map
                return read(memoryview(b""))
            with (
                mmap.mmap(memory, size, prot=mmap.PROT_READ) as mapped,
                memoryview(mapped) as view,
            ):
                return read(view)
        finally:
            os.ftruncate(memory, 0)
            os.close(memory)

    def close(self) -> None:
        for handle in (self._send, *self._memories[self._next :]):
            with contextlib.suppress(OSError):
                os.close(handle)


_BATCH = 1024  # parts joined for one write (IOV_MAX, as a writev would take them)
_T = TypeVar("_T")


class _Arriving(Mapping[str, bytes]):
    """In the child: the bytes of the files given before the fork, and those of
    ``coming`` once the export has rendered them (``ExportCheck.rendered``), waited
    for when one of them is first asked for; then the verdicts."""

    def __init__(
        self, given: Mapping[str, bytes], coming: Sequence[str], channel: _Channel
    ) -> None:
        self._given = dict(given)
        self._coming = coming
        self._channel = channel
        self._arrived = not coming

    def _arrive(self) -> None:
        self._arrived = True
        self._channel.receive(self._copy)

    def _copy(self, data: memoryview) -> None:
        """Each file's bytes, copied out of the message (freed after)."""
        sizes = array("Q")
        start = sizes.itemsize * len(self._coming)
        sizes.frombytes(data[:start])
        if start + sum(sizes) != len(data):
            raise EOFError("the export's files were cut short")
        for relative, length in zip(self._coming, sizes, strict=True):
            self._given[relative] = data[start : start + length].tobytes()
            start += length

    def get(self, key: str, default: Any = None) -> Any:  # Reads.given's lookup: quick
        found = self._given.get(key)
        if found is None and not self._arrived:
            self._arrive()
            found = self._given.get(key)
        return default if found is None else found

    def __getitem__(self, key: str) -> bytes:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __len__(self) -> int:
        return len(self._given) + (0 if self._arrived else len(self._coming))

    def __iter__(self) -> Iterator[str]:
        if not self._arrived:
            self._arrive()
        return iter(self._given)

    def verdicts(self) -> list[str]:
        """The verdicts the export sent (``load_project``'s ``known_valid``)."""
        if not self._arrived:
            self._arrive()
        return self._channel.receive(lambda data: str(data, "utf-8").split("\n"))


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
