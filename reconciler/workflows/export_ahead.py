"""``export --history`` into a new directory: the schema files written by a process
of their own while the registry is still read, and while the export composes its
specs (``FilesAhead``).

The schema files are most of the export's writing (49,996 files at 10,000 subjects
x 5 versions: ~1 s of CPU to render and create them), and each needs only its own
version: its name (``safe_name``) and its bytes (``SchemaFile.render``). A thread
writing them during the read shared the interpreter with the read, which then took
~0.4 s longer than the bare read (the process was CPU-bound at one core). So a
process is forked before the first request, from the CLI's small heap (a cheap
fork), and fed each listing page's versions as the page arrives, through memory of
its own (a ``memfd`` per page, handed over a socket): this process only reads.
The writer names each version, renders it and creates its file, and hands back the
bytes it wrote (for the export's check and manifest) once it is done; the export
composes its specs meanwhile. ``write_specs`` writes only what it did not, or wrote
under a name the specs give another version.

Its names are those ``FileNames.claim`` gives in the specs' order as long as no two
versions want the same name: the first to claim a name gets it whatever the order.
A version whose name is taken already is left to ``write_specs``, which names every
file in the specs' order and writes again any file written ahead with other bytes.

Only into a new directory (no project file, specs, schema files or local state:
``into``), so that nothing written ahead can overwrite a file or be refused as
edited; each file is created, never opened if it exists. The paths of each page are
recorded as pending (``PENDING``) before any of them is written, so that an export
cut short leaves a directory the next export takes over; the writer stops when the
export dies. A writer that fails (a full disk, say) has written nothing as far as
the export knows: ``write_specs`` writes every file and meets the error itself.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from reconciler.engine import unqualify
from reconciler.registry import SchemaVersion

from .desired import spec_stem
from .export import (
    PENDING,
    PROJECT_FILE,
    SchemaFile,
    _add_pending,
    _pending,
    write_all,
    write_file,
)
from .export_check import CheckAhead
from .files import EXTENSIONS, readable, safe_name

_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_ORPHAN_CHECK = 64  # files the writer writes between two looks at whether the export lives
# What an export writes at the top of its directory: none there, the directory is new.
_EXPORTED = (PROJECT_FILE, "specs", "schemas", PENDING.parts[0])
_END = b"end"  # the last message: every page was sent (EOF without it: the export died)
_SIZE = 8  # bytes of a length in the writer's answer


class _File(NamedTuple):
    """A schema file to write ahead: its name in its folder, its path relative to the
    root, and the version's schema type and text."""

    name: str
    relative: str
    schema_type: str
    text: str


def _can_fork() -> bool:
    """A fork copies the calling thread only (and no lock another holds): Linux, and a
    process with this one thread, such as the CLI's before its first request."""
    return (
        sys.platform == "linux"
        and threading.active_count() == 1
        and hasattr(os, "memfd_create")
        and hasattr(socket, "send_fds")
        and os.open in os.supports_dir_fd
    )


class FilesAhead:
    """The schema files of ``export --history`` into a new directory, written by a
    process of their own (forked by ``into``) as the listing's pages arrive
    (``page``); ``read_done`` says every page was given, ``written`` waits for the
    writer and tells what it wrote."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._sent: list[list[SchemaVersion]] = []  # each page's versions given the writer
        self._answer = os.memfd_create("reconcile-export-ahead", os.MFD_CLOEXEC)
        self._written: tuple[dict[str, SchemaFile], dict[str, bytes]] | None = None
        # The check's process, forked first: it holds nothing of the writer's.
        self.check = CheckAhead(root, self._answered_files)
        self._socket, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        export = os.getpid()
        self._writer: int | None = os.fork()
        if self._writer == 0:  # the writer: never returns
            code = 1
            try:
                self._socket.close()
                self.check.forget()
                gc.disable()  # what it keeps is small; a collection would copy the heap's pages
                # The read first: niced, the writer leaves the registry and the read the
                # cores, and catches up while the export composes its specs (the read
                # 0.8 s shorter at load 2-3; on a busier machine the export may wait for
                # it: docs/performance.md, "Session 13: export, packing").
                os.setpriority(os.PRIO_PROCESS, 0, 10)
                if _Writer(root, theirs, self._answer, export).run():
                    code = 0
            finally:
                os._exit(code)
        theirs.close()
        self.check.handed_over()

    @classmethod
    def into(cls, root: Path, history: bool) -> FilesAhead | None:
        """A writer ahead for an export into ``root``, if it is new (else None)."""
        if not history or not _can_fork():
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
        """A listing page's versions of ``context`` (``read_registry``'s ``on_page``):
        handed to the writer, in memory of their own it frees once read."""
        live = [v for v in versions if not v.deleted]
        if not live or self._socket.fileno() < 0:
            return
        data = orjson.dumps([(v.subject, v.version, v.schema_type, v.schema) for v in live])
        memory = os.memfd_create("reconcile-export-page", os.MFD_CLOEXEC)
        try:
            write_all(memory, data)
            socket.send_fds(self._socket, [context.encode("utf-8")], [memory])
        except OSError:  # the writer is gone: ``written`` says it wrote nothing
            self._socket.close()
            return
        finally:
            os.close(memory)
        self._sent.append(live)

    def read_done(self) -> None:
        """Every page was given: the writer ends once it has written them."""
        if self._socket.fileno() >= 0:
            with contextlib.suppress(OSError):
                self._socket.send(_END)
            self._socket.close()

    def written(self) -> tuple[dict[str, SchemaFile], dict[str, bytes]]:
        """Wait for the writer: the files it wrote (by path relative to the root) and
        their bytes; none if it failed (``write_specs`` then writes them all, and
        meets what stopped it)."""
        if self._written is None:
            files: dict[str, SchemaFile] = {}
            rendered: dict[str, bytes] = {}
            self.read_done()
            if self._wait():
                self._answered(files, rendered)
            os.close(self._answer)
            self._written = (files, rendered)
        return self._written

    def _wait(self) -> bool:
        """Whether the writer wrote every page it was given."""
        if self._writer is None:
            return False
        try:
            _, status = os.waitpid(self._writer, 0)
            return os.waitstatus_to_exitcode(status) == 0
        except ChildProcessError:  # reaped by someone else: not known
            return False
        finally:
            self._writer = None

    def _answered(self, files: dict[str, SchemaFile], rendered: dict[str, bytes]) -> None:
        """The writer's answer, a record per page: its names (empty: left to
        ``write_specs``) and the sizes of the files it wrote, then their bytes. Read a
        page at a time: never a second copy of all the files' bytes."""
        pages = _pages(self._answer)
        for live, (names, sizes, at) in zip(self._sent, pages, strict=True):
            data = os.pread(self._answer, sum(sizes), at)
            start, wrote = 0, iter(sizes)
            for version, relative in zip(live, names, strict=True):
                if relative:
                    files[relative] = SchemaFile(version.schema_type, version.schema)
                    end = start + next(wrote)
                    rendered[relative] = data[start:end]
                    start = end

    def _answered_files(self) -> dict[str, bytes]:
        """In the check's process (``CheckAhead``), once the writer has ended: the bytes
        of every file in its answer, which it then closes (the export has closed it
        too by then: its memory is freed)."""
        found: dict[str, bytes] = {}
        try:
            for names, sizes, at in _pages(self._answer):
                data, start = os.pread(self._answer, sum(sizes), at), 0
                for relative, size in zip(filter(None, names), sizes, strict=True):
                    found[relative] = data[start : start + size]
                    start += size
        finally:
            os.close(self._answer)
        return found

    def discard(self) -> None:
        """Stop the writer and the check's process, and remove what it wrote (the read
        failed)."""
        self._socket.close()
        self.check.cancel()
        if self._writer is not None:
            with contextlib.suppress(OSError):
                os.kill(self._writer, signal.SIGKILL)
            self._wait()
        os.close(self._answer)
        self._written = ({}, {})
        folders = set()
        for relative in _pending(self.root):  # the writer's record: what it may have written
            (self.root / relative).unlink(missing_ok=True)
            folders.add(relative.rpartition("/")[0])
        (self.root / PENDING).unlink(missing_ok=True)
        for folder in (*sorted(folders), "schemas", PENDING.parts[0]):
            with contextlib.suppress(OSError):  # not empty: files of someone else's since
                (self.root / folder).rmdir()


def _pages(answer: int) -> Iterator[tuple[list[str], list[int], int]]:
    """The records of the writer's answer (``FilesAhead._answered``): each page's names,
    the sizes of the files written, and where their bytes start."""
    at, end = 0, os.fstat(answer).st_size
    while at < end:
        length = int.from_bytes(os.pread(answer, _SIZE, at), "little")
        names, sizes = orjson.loads(os.pread(answer, length, at + _SIZE))
        at += _SIZE + length
        yield names, sizes, at
        at += sum(sizes)


class _Writer:
    """In the writer: each page as it arrives, named, recorded as pending, rendered and
    created; its answer appended to ``answer`` (``FilesAhead._answered``)."""

    def __init__(self, root: Path, pages: socket.socket, answer: int, export: int) -> None:
        self.root, self.pages, self.answer, self.export = root, pages, answer, export
        self.folders: dict[str, tuple[int, set[str]]] = {}  # by context: handle, names
        self.created = 0

    def run(self) -> bool:
        """Whether every page was written (False: the export died, or a file could not
        be written)."""
        try:
            while True:
                message, fds, _, _ = socket.recv_fds(self.pages, 1024, 1)
                if not fds:
                    return message == _END
                try:
                    versions = orjson.loads(os.pread(fds[0], os.fstat(fds[0]).st_size, 0))
                finally:
                    os.close(fds[0])
                if not self._page(message.decode("utf-8"), versions):
                    return False
        except OSError:
            return False

    def _page(self, context: str, versions: list[list[Any]]) -> bool:
        found = self.folders.get(context)
        if found is None:
            folder = self.root / "schemas" / spec_stem(context)
            folder.mkdir(parents=True)
            handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            found = self.folders[context] = (handle, set())
        handle, taken = found
        prefix = f"schemas/{spec_stem(context)}/"
        names: list[str] = []
        files: list[_File] = []
        for subject, number, schema_type, text in versions:
            name = safe_name(f"{unqualify(subject)}.v{number}", EXTENSIONS.get(schema_type, ".txt"))
            if name.lower() in taken:  # named in the specs' order by ``write_specs``
                names.append("")
                continue
            taken.add(name.lower())
            names.append(prefix + name)
            files.append(_File(name, prefix + name, schema_type, text))
        # Before any is written: cut short, the line names none written.
        _add_pending(self.root, [file.relative for file in files])
        parts: list[bytes] = []
        for file in files:
            # The export killed, its writer stops: it must not write beside what runs
            # next here (the next export takes the pending over).
            if self.created % _ORPHAN_CHECK == 0 and os.getppid() != self.export:
                return False
            self.created += 1
            data = readable(file.schema_type, file.text).encode("utf-8")
            write_file(file.name, data, _NEW, handle)
            parts.append(data)
        head = orjson.dumps([names, [len(part) for part in parts]])
        write_all(self.answer, b"".join([len(head).to_bytes(_SIZE, "little"), head, *parts]))
        return True
