"""``export --history`` into a new directory: the schema files written while the
registry is still read, and while the export composes its specs and checks them
(``FilesAhead``).

The read is bound by the registry's answers, and leaves this process's core half
idle; then one core composes the specs while the other waits; then the export's
check and this process share both. The schema files are most of the export's
writing (49,996 files at 10,000 subjects x 5 versions: ~1.3 s of system CPU on a
disk, 0.3 s more to render them), and each needs only its own version: its name
(``safe_name``) and its bytes (``SchemaFile.render``). So a thread writes each
listing page's versions as the page arrives, at a low priority, taking what the
read leaves; once the read is done, a process of its own (a fork: it has every
version already) writes the rest while this one composes and checks: a thread
would then wait on the interpreter's lock at each system call. ``write_specs``
writes only what neither wrote, or wrote under a name the specs give another
version, and waits for that process before it records what the export wrote.

Its names are those ``FileNames.claim`` gives in the specs' order as long as no two
versions want the same name: the first to claim a name gets it whatever the order.
A version whose name is taken already is left to ``write_specs``, which names every
file in the specs' order and writes again any file written ahead with other bytes.

Only into a new directory (no project file, specs, schema files or local state:
``into``), so that nothing written ahead can overwrite a file or be refused as
edited; each file is created, never opened if it exists. The paths of each page,
then of the rest, are recorded as pending (``PENDING``) before any of them is
written, so that an export cut short leaves a directory the next export takes over.
"""

from __future__ import annotations

import contextlib
import gc
import os
import queue
import sys
import threading
from pathlib import Path
from typing import NamedTuple

import orjson

from reconciler.engine import unqualify
from reconciler.registry import SchemaVersion

from .desired import spec_stem
from .export import PENDING, PROJECT_FILE, ExportWriteError, SchemaFile, write_file
from .files import EXTENSIONS, safe_name

_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_ORPHAN_CHECK = 64  # files the writer writes between two looks at whether the export lives
# What an export writes at the top of its directory: none there, the directory is new.
_EXPORTED = (PROJECT_FILE, "specs", "schemas", PENDING.parts[0])


class _File(NamedTuple):
    """A schema file to write ahead: its folder's handle, its name there, its path
    relative to the root, and the version's file."""

    folder: int
    name: str
    relative: str
    file: SchemaFile


class FilesAhead:
    """The schema files of ``export --history`` into a new directory, written by a
    thread of their own as the listing's pages arrive (``page``), then, once the read
    is done (``read_done``), the rest by a process of its own: that one needs no
    interpreter lock, and writes while this process composes the specs and checks."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, SchemaFile] = {}  # by relative path: written, or being written
        self.rendered: dict[str, bytes] = {}  # the bytes of those the thread wrote
        self._folders: dict[str, tuple[int, set[str]]] = {}  # by context: handle, names
        self._pages: queue.SimpleQueue[tuple[str, list[SchemaVersion]] | None] = queue.SimpleQueue()
        self._left: list[_File] = []  # named, not written by the thread
        self._failed: ExportWriteError | None = None
        self._stop = False
        self._writer: int | None = None  # the process writing the rest
        self._written: bool | None = None  # whether it wrote every one
        # A daemon: an export that fails before ``read_done`` does not wait for it to exit.
        self._thread = threading.Thread(target=self._run, name="export-files-ahead", daemon=True)
        self._thread.start()

    @classmethod
    def into(cls, root: Path, history: bool) -> FilesAhead | None:
        """A writer ahead for an export into ``root``, if it is new (else None)."""
        if not history or os.open not in os.supports_dir_fd or not hasattr(os, "fork"):
            return None
        try:
            there = os.listdir(root)
        except FileNotFoundError:
            there = []
        except OSError:
            return None
        if any(name in there for name in _EXPORTED):
            return None
        return cls(root)

    def page(self, context: str, versions: list[SchemaVersion]) -> None:
        """A listing page's versions of ``context`` (``read_registry``'s ``on_page``)."""
        self._pages.put((context, versions))

    def read_done(self) -> None:
        """Stop the thread (after the file it writes), and start a process writing what
        it has not (``wait``). Raise ``ExportWriteError`` if a file could not be
        written: the export stops there, as ``write_specs`` would."""
        self._stop = True
        self._pages.put(None)
        self._thread.join()
        if self._failed is not None:
            raise self._failed
        # A fork copies the calling thread only, and no lock another holds: Linux, and a
        # process with this one thread, such as the CLI's once the read is done (the
        # export's check forks later, as it does). Else ``write_specs`` writes the rest.
        if sys.platform != "linux" or threading.active_count() > 1:
            for entry in self._left:
                del self.files[entry.relative]
            self._left = []
        if self._left:
            self._record(self._left)
            export = os.getpid()
            self._writer = os.fork()
            if self._writer == 0:  # the writer: never returns
                code = 1
                try:
                    gc.disable()  # a collection would touch (copy) every page of the heap
                    for at, entry in enumerate(self._left):
                        # The export killed, its writer stops: it must not write beside
                        # what runs next here (the next export takes the pending over).
                        if at % _ORPHAN_CHECK == 0 and os.getppid() != export:
                            break
                        _create(entry, entry.file.render(), self.root)
                    else:
                        code = 0
                finally:
                    os._exit(code)
        self._close()

    def wait(self) -> bool:
        """Wait for the process writing the rest, if any; whether every file named in
        ``files`` was written (else ``write_specs`` writes the rest again itself, and
        meets what stopped it)."""
        if self._written is None:
            self._written = True
            if self._writer is not None:
                try:
                    _, status = os.waitpid(self._writer, 0)
                    self._written = os.waitstatus_to_exitcode(status) == 0
                except ChildProcessError:  # reaped by someone else: not known
                    self._written = False
        return self._written

    def discard(self) -> None:
        """Remove what was written (the read failed: ``read_done`` was not called)."""
        self._stop = True
        self._pages.put(None)
        self._thread.join()
        folders = [f"schemas/{spec_stem(c)}" for c in self._folders]
        self._close()
        for relative in self.rendered:
            (self.root / relative).unlink(missing_ok=True)
        (self.root / PENDING).unlink(missing_ok=True)
        for folder in (*folders, "schemas", PENDING.parts[0]):
            with contextlib.suppress(OSError):  # not empty: files of someone else's since
                (self.root / folder).rmdir()

    def _close(self) -> None:
        for handle, _ in self._folders.values():
            os.close(handle)
        self._folders.clear()

    def _run(self) -> None:
        if sys.platform == "linux":  # the read first: this thread fills the idle CPU
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        while (page := self._pages.get()) is not None:
            try:
                files = self._named(*page)
                if self._stop:
                    self._left += files
                    continue
                self._record(files)
                for at, entry in enumerate(files):
                    if self._stop:
                        self._left += files[at:]
                        break
                    data = entry.file.render()
                    _create(entry, data, self.root)
                    self.rendered[entry.relative] = data
            except ExportWriteError as exc:
                self._failed = exc
                return

    def _named(self, context: str, versions: list[SchemaVersion]) -> list[_File]:
        """The files of a page's versions: each named as the first to claim its name
        (those whose name is taken are left to ``write_specs``)."""
        found = self._folders.get(context)
        if found is None:
            folder = self.root / "schemas" / spec_stem(context)
            try:
                folder.mkdir(parents=True)
                handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            except OSError as exc:
                raise ExportWriteError(folder, exc) from exc
            found = self._folders[context] = (handle, set())
        handle, taken = found
        prefix = f"schemas/{spec_stem(context)}/"
        files = []
        for version in versions:
            if version.deleted:
                continue
            stem = f"{unqualify(version.subject)}.v{version.version}"
            name = safe_name(stem, EXTENSIONS.get(version.schema_type, ".txt"))
            if name.lower() in taken:  # named in the specs' order by ``write_specs``
                continue
            taken.add(name.lower())
            file = self.files[prefix + name] = SchemaFile(version.schema_type, version.schema)
            files.append(_File(handle, name, prefix + name, file))
        return files

    def _record(self, files: list[_File]) -> None:
        """``files`` added to ``PENDING``, in a line of their own, before any is written:
        cut short, the line names none written."""
        pending = self.root / PENDING
        try:
            pending.parent.mkdir(exist_ok=True)
            with pending.open("ab") as record:
                record.write(orjson.dumps([entry.relative for entry in files]) + b"\n")
        except OSError as exc:
            raise ExportWriteError(pending, exc) from exc


def _create(entry: _File, data: bytes, root: Path) -> None:
    """Create ``entry``'s file holding ``data`` (never one that exists)."""
    try:
        write_file(entry.name, data, _NEW, entry.folder)
    except OSError as exc:
        raise ExportWriteError(root / entry.relative, exc) from exc
