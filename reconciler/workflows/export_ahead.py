"""``export --history`` into a new directory: the schema files written while the
registry is still read (``FilesAhead``).

The read is bound by the registry's answers, and leaves this process's core half
idle; the schema files are most of the export's writing (49,996 files at 10,000
subjects x 5 versions: ~1.3 s of system CPU on a disk), and each needs only its
own version: its name (``safe_name``) and its bytes (``SchemaFile.render``). So a
thread writes each listing page's versions as the page arrives, and ``write_specs``
then writes only what it names otherwise.

Its names are those ``FileNames.claim`` gives in the specs' order as long as no two
versions want the same name: the first to claim a name gets it whatever the order.
A version whose name is taken already is left to ``write_specs``, which names every
file in the specs' order and writes again any file written ahead with other bytes.

Only into a new directory (no project file, specs, schema files or local state:
``into``), so that nothing written ahead can overwrite a file or be refused as
edited; each file is created, never opened if it exists. Each page's paths are
recorded as pending (``PENDING``) before its first file is written, so that an
export cut short leaves a directory the next export takes over.
"""

from __future__ import annotations

import contextlib
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
from .export import PENDING, PROJECT_FILE, ExportWriteError, SchemaFile
from .files import EXTENSIONS, safe_name

_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
# What an export writes at the top of its directory: none there, the directory is new.
_EXPORTED = (PROJECT_FILE, "specs", "schemas", PENDING.parts[0])


class Ahead(NamedTuple):
    """A schema file written ahead: the version's file and the bytes written."""

    file: SchemaFile
    data: bytes


class FilesAhead:
    """The schema files of ``export --history`` into a new directory, written by a
    thread of their own as the listing's pages arrive (``page``); ``finish`` waits
    for it and tells what it wrote."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: dict[str, Ahead] = {}  # by path relative to the root
        self._folders: dict[str, tuple[int, set[str]]] = {}  # by context: handle, names
        self._pages: queue.SimpleQueue[tuple[str, list[SchemaVersion]] | None] = queue.SimpleQueue()
        self._failed: ExportWriteError | None = None
        self._stop = False
        # A daemon: an export that fails before ``finish`` does not wait for it to exit.
        self._thread = threading.Thread(target=self._run, name="export-files-ahead", daemon=True)
        self._thread.start()

    @classmethod
    def into(cls, root: Path, history: bool) -> FilesAhead | None:
        """A writer ahead for an export into ``root``, if it is new (else None)."""
        if not history or os.open not in os.supports_dir_fd:
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

    def finish(self) -> dict[str, Ahead]:
        """Stop writing (after the file being written): what is left, ``write_specs``
        writes. Raise ``ExportWriteError`` if a file could not be written (the export
        stops there, as ``write_specs`` would)."""
        if self._thread.is_alive():
            self._stop = True
            self._pages.put(None)
            self._thread.join()
            for handle, _ in self._folders.values():
                os.close(handle)
        if self._failed is not None:
            raise self._failed
        return self.written

    def discard(self) -> None:
        """Remove what was written (the export stopped before writing its specs)."""
        with contextlib.suppress(ExportWriteError):
            self.finish()
        for relative in self.written:
            (self.root / relative).unlink(missing_ok=True)
        (self.root / PENDING).unlink(missing_ok=True)
        folders = [f"schemas/{spec_stem(c)}" for c in self._folders]
        for folder in (*folders, "schemas", PENDING.parts[0]):
            with contextlib.suppress(OSError):  # not empty: files of someone else's since
                (self.root / folder).rmdir()

    def _run(self) -> None:
        if sys.platform == "linux":  # the read first: this thread fills the idle CPU
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        while (page := self._pages.get()) is not None:
            if self._failed is None and not self._stop:
                try:
                    self._write(*page)
                except ExportWriteError as exc:
                    self._failed = exc

    def _folder(self, context: str) -> tuple[int, set[str]]:
        """The open folder of ``context``'s schema files, and the names taken in it."""
        found = self._folders.get(context)
        if found is None:
            folder = self.root / "schemas" / spec_stem(context)
            try:
                folder.mkdir(parents=True)
                handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            except OSError as exc:
                raise ExportWriteError(folder, exc) from exc
            found = self._folders[context] = (handle, set())
        return found

    def _write(self, context: str, versions: list[SchemaVersion]) -> None:
        handle, taken = self._folder(context)
        prefix = f"schemas/{spec_stem(context)}/"
        files: list[tuple[str, SchemaFile]] = []
        for version in versions:
            if version.deleted:
                continue
            stem = f"{unqualify(version.subject)}.v{version.version}"
            name = safe_name(stem, EXTENSIONS.get(version.schema_type, ".txt"))
            if name.lower() in taken:  # named in the specs' order by ``write_specs``
                continue
            taken.add(name.lower())
            files.append((name, SchemaFile(version.schema_type, version.schema)))
        if not files:
            return
        pending = self.root / PENDING
        try:  # one line per page, before its files: cut short, it names none written
            pending.parent.mkdir(exist_ok=True)
            with pending.open("ab") as record:
                record.write(orjson.dumps([prefix + name for name, _ in files]) + b"\n")
        except OSError as exc:
            raise ExportWriteError(pending, exc) from exc
        for name, file in files:
            if self._stop:
                return
            data = file.render()
            try:
                written = os.open(name, _NEW, 0o666, dir_fd=handle)
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(written, view) :]
                finally:
                    os.close(written)
            except OSError as exc:
                raise ExportWriteError(self.root / prefix / name, exc) from exc
            self.written[prefix + name] = Ahead(file, data)
