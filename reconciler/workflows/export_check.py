"""Export's check: the project just written loads back (``check_exported``), shared
with a forked child while the schema files are rendered and written (``ExportCheck``).

An export must not report success for a project that would not load: what the
check proves is that these bytes, at these paths, load as a project
(docs/performance.md, "Session 11: export --history").
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import mmap
import os
import select
import signal
import sys
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import orjson

from reconciler.spec import SpecErrors, load_project, valid_entries
from reconciler.spec.model import Project


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


def _checking(
    out: Path,
    channel: _Channel,
    files: Callable[[], tuple[Mapping[str, bytes], Sequence[str]]],
) -> NoReturn:
    """The check's process (``ExportCheck``): its exit code says whether the project
    loads from the bytes ``files`` gives (and the paths of those ``channel`` brings
    next), then the bytes of those and the verdicts ``channel`` brings."""
    loaded: list[Project] = []  # kept until the exit: freeing 50,000 specs is no part of it
    code = 2
    try:
        channel.receiving()
        given, coming = files()
        arriving = _Arriving(given, coming, channel)
        loaded.append(_load_written(out, arriving, known_valid=arriving.verdicts))
        code = _LOADED
    except SpecErrors:
        code = _REFUSED
    finally:
        os._exit(code)


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


# What a load that reads spec files imports (``load_project``'s own imports, made when
# first needed): the models (pydantic), the YAML composer, the schema files' resolver,
# the validators and the checks (with the compatibility package).
_LOADER_MODULES = (
    "reconciler.spec._checks",
    "reconciler.spec._raw",
    "reconciler.spec._specfile",
    "reconciler.spec._validate",
    "reconciler.spec._yaml",
    "reconciler.compatibility._avro",  # Avro schemas' checks (the others': when met)
)


def _import_loader() -> None:
    """``_LOADER_MODULES`` imported, niced (in a thread of its own: a thread's nice
    value is its own on Linux, so the process's main thread keeps its priority, which
    an unprivileged process cannot get back once it raised its nice value)."""
    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    for module in _LOADER_MODULES:
        importlib.import_module(module)


def _end(channel: _Channel | None, pid: int | None) -> None:
    """Close ``channel`` and kill the check's process ``pid`` (each if any), then reap it."""
    if channel is not None:
        channel.close()
    if pid is not None:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


class CheckAhead:
    """The check's process, forked before the registry is read from the CLI's small
    heap (by ``FilesAhead``), for the check ``ExportCheck`` starts after the read.

    A child forked from the export's process after the read would copy on write the
    pages of a heap that holds the registry's contents (~150 MB at 10,000 subjects x
    5 versions) and import the loader (~0.17 s) before it loads anything, on the
    export's path. This process imports the loader while the registry is read
    (``_import_loader``, niced: it takes only idle CPU), and takes the bytes of the
    files ``FilesAhead``'s writer wrote once the writer has ended (``written_ahead``,
    from its answer: while the export composes its specs). ``start`` then hands it
    the bytes of the files known so far but those, and which of the writer's files
    to drop; it loads as ``ExportCheck``'s child does (``_checking``).

    The writer holds ``ending`` (the write end of a pipe) until it ends. Unused (a
    small export, an export that stopped), ``cancel`` ends the process; an export
    killed, it finds the channel closed and ends.
    """

    def __init__(self, out: Path, written_ahead: Callable[[], dict[str, bytes]]) -> None:
        channel = _Channel(3)  # the first files, those rendered after, the verdicts
        self._ended, self.ending = os.pipe()
        self.pid: int | None = os.fork()
        if self.pid == 0:  # the check's process: never returns
            os.close(self.ending)
            _checking(out, channel, functools.partial(self._first_files, channel, written_ahead))
        channel.sending()
        os.close(self._ended)
        self._channel: _Channel | None = channel

    def _first_files(
        self, channel: _Channel, written_ahead: Callable[[], dict[str, bytes]]
    ) -> tuple[dict[str, bytes], list[str]]:
        """In the check's process: ``start``'s files, with those it takes from the
        writer's, read as soon as the writer has ended if that comes first."""
        threading.Thread(target=_import_loader, daemon=True).start()
        ahead: dict[str, bytes] | None = None
        announced = channel.fileno()
        waiting = [announced, self._ended]
        while announced not in select.select(waiting, [], [])[0]:
            ahead, waiting = self._written_ahead(written_ahead), [announced]
        given, kept, coming = channel.receive(_first_files)
        if kept is None:  # none of the writer's files: the export writes them all
            return given, coming
        if ahead is None:
            ahead = self._written_ahead(written_ahead)
        answered, dropped = kept
        if len(ahead) != answered or any(ahead.pop(r, None) is None for r in dropped):
            raise EOFError("the writer's answer is not the one the export read")
        ahead.update(given)
        return ahead, coming

    def _written_ahead(self, written_ahead: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
        """Once the writer has ended (the end of file on the pipe): the bytes of the
        files it wrote (none if its answer is cut short: it failed)."""
        while os.read(self._ended, 1):
            pass
        try:
            return written_ahead()
        except (OSError, ValueError):
            return {}

    def start(
        self,
        written: Mapping[str, bytes],
        coming: Sequence[str],
        answered: Mapping[str, bytes],
    ) -> tuple[int, _Channel] | None:
        """The check's first message: the bytes of ``written``, but of those that hold
        the bytes the writer answered (``answered``: ``FilesAhead.written``; the
        process has them), and which of its files ``written`` does not hold (under a
        name the specs give another version, say); then the paths of ``coming``.
        Return the process and the channel, the caller's from then on (None: the
        process was ended)."""
        if self.pid is None or self._channel is None:
            return None
        given = [(r, data) for r, data in written.items() if answered.get(r) is not data]
        dropped = [r for r, data in answered.items() if written.get(r) is not data]
        kept = [len(answered), dropped] if answered else None
        head = orjson.dumps([[r for r, _ in given], kept, list(coming)])
        sizes = array("Q", [len(head), *(len(data) for _, data in given)]).tobytes()
        self._channel.send([len(given).to_bytes(8, "little"), sizes, head, *(d for _, d in given)])
        handed = self.pid, self._channel
        self.pid = self._channel = None
        return handed

    def handed_over(self) -> None:
        """In the export, once the writer is forked: ``ending`` is the writer's alone."""
        os.close(self.ending)

    def forget(self) -> None:
        """In the writer: none of the channel is its (the check's process sees the
        export's end closed when it dies); it keeps ``ending`` until it ends."""
        if self._channel is not None:
            self._channel.close()
            with contextlib.suppress(OSError):
                os.close(self._channel.fileno())

    def cancel(self) -> None:
        """End the process, unused or stopped (unless ``start`` handed it over)."""
        _end(self._channel, self.pid)
        self._channel = self.pid = None


def _first_files(data: memoryview) -> tuple[dict[str, bytes], Any, list[str]]:
    """``CheckAhead.start``'s message: the files given (copied out); how many files the
    writer answered and which of them are dropped (None: none taken); the paths of
    those coming."""
    count = int.from_bytes(data[:8], "little")
    sizes = array("Q")
    start = 8 + sizes.itemsize * (count + 1)
    sizes.frombytes(data[8:start])
    given_paths, kept, coming = orjson.loads(data[start : start + sizes[0]])
    start += sizes[0]
    given: dict[str, bytes] = {}
    for relative, length in zip(given_paths, sizes[1:], strict=True):
        given[relative] = data[start : start + length].tobytes()
        start += length
    if start != len(data):
        raise EOFError("the export's files were cut short")
    return given, kept, coming


class ExportCheck:
    """``check_exported``, started before the schema files are rendered and written.

    After the registry's last answer its core is idle, and the check is most of
    what is left (~2 s of CPU at 10,000 subjects x 5 versions). So it is shared
    with a child, forked here or before the read (``CheckAhead``): the child loads
    the project back (its YAML, its validation, resolving every schema file) taking
    the bytes given as those files' without looking at them (``_load_written``).
    Meanwhile this process renders the schema files (``coming``) and hands their
    bytes to the child (``rendered``), then parses those without references (~90 %
    of them: one needs no other file) and hands the verdicts over too, before the
    child's checks ask for them (``load_project(known_valid=...)``,
    content-addressed as the parse cache: the child parses anything else), and only
    then writes the files. Both go through memory shared with the child
    (``_Channel``), so neither side waits for the other to read. The child says by
    its exit code only whether the project loads.

    ``result`` checks that each file is now a regular file where the child took it
    to be (~0.2 s at 50,000 files: while the child loads), then waits for it;
    anything else (errors found, a child that failed or was killed, a file not where
    it was written) runs ``check_exported`` here, whose errors and messages are the
    ones reported. Without a fork (small exports, other systems, threads),
    ``result`` runs ``check_exported`` itself.
    """

    def __init__(
        self,
        out: Path,
        written: Mapping[str, bytes],
        types: Mapping[str, str],
        coming: Sequence[str] = (),
        ahead: CheckAhead | None = None,
        answered: Mapping[str, bytes] | None = None,
    ) -> None:
        """``written``: the bytes of the files known so far; ``coming``: the files whose
        bytes ``rendered`` gives later, in that order; ``types``: the schema type of
        each schema file without references. ``ahead``: the process to check in, if
        one was forked before the read (else a child is forked here), ended here if
        the check runs in this process; ``answered``: the files its writer wrote
        (``CheckAhead.start``)."""
        self.out, self.written, self.types = out, dict(written), types
        self.coming = coming
        self.pid: int | None = None
        self._channel: _Channel | None = None
        if len(written) + len(coming) < FORK_FILES or not _can_fork():
            if ahead is not None:
                ahead.cancel()
        elif ahead is not None and (handed := ahead.start(written, coming, answered or {})):
            self.pid, self._channel = handed
        else:
            channel = _Channel(2 if coming else 1)  # the files, if any; the verdicts
            self.pid = os.fork()
            if self.pid == 0:  # the child: never returns
                _checking(out, channel, lambda: (written, coming))
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
                # Listed while the child loads: every file is written by now.
                regular = _regular_files(self.out, self.written)
                _, status = os.waitpid(self.pid, 0)
                loaded = regular and os.waitstatus_to_exitcode(status) == _LOADED
            except ChildProcessError:  # reaped by someone else: its verdict is lost
                pass
            except BaseException:
                self.cancel()
                raise
            self.pid = None
        if not loaded:
            check_exported(self.out, self.written)

    def cancel(self) -> None:
        """Stop the child, if any (the export stopped before its check's result)."""
        _end(self._channel, self.pid)
        self._channel = self.pid = None


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

    def fileno(self) -> int:
        """In the receiving process: where the next message is announced."""
        return self._receive

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
