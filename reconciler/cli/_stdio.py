"""Standard output and error that take every byte they are given, or fail.

Python's text streams hand each write to the layer below and ignore how much of
it the write(2) took. A write(2) to a pipe returns short when the pipe is
non-blocking and full (a parent such as Node.js may leave its pipes so) or when
a signal interrupts it after some bytes went. Under ``PYTHONUNBUFFERED`` (``-u``,
as CI runners often set) that layer is the file itself: the rest of a plan was
dropped and ``reconcile plan`` exited 0, its reader holding a plan cut at 64 KiB.
Buffered, a non-blocking pipe's ``BlockingIOError`` ended the command with a
traceback instead.

``whole_writes`` puts a file layer under both streams that writes until every
byte is taken, waiting while a non-blocking pipe is full; a buffered stream
stays buffered, an unbuffered one unbuffered. tests/cli/test_whole_output.py.
"""

from __future__ import annotations

import io
import os
import select
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer


class _Whole(io.RawIOBase):
    """File descriptor ``fd`` (not closed with this object), written whole."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data: ReadableBuffer) -> int:
        with memoryview(data) as whole:
            view = whole.cast("B")
            size = len(view)
            while view:
                try:
                    view = view[os.write(self._fd, view) :]
                except BlockingIOError:  # a non-blocking pipe, full: wait for its reader
                    select.select([], [self._fd], [])
            return size


def whole_writes() -> None:
    """``sys.stdout`` and ``sys.stderr``, where they write to a file descriptor, made to
    write every byte (``_Whole``), with their encoding, errors and buffering."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if not isinstance(stream, io.TextIOWrapper):
            continue
        buffer = stream.buffer
        raw = getattr(buffer, "raw", buffer)
        if not isinstance(raw, io.FileIO):
            continue
        stream.flush()
        whole = _Whole(raw.fileno())
        layer = whole if buffer is raw else io.BufferedWriter(whole)
        setattr(
            sys,
            name,
            io.TextIOWrapper(
                layer,  # type: ignore[arg-type]
                encoding=stream.encoding,
                errors=stream.errors,
                line_buffering=stream.line_buffering,
                write_through=stream.write_through,
            ),
        )
