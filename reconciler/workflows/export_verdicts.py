"""Which schema files an export writes parse, worked out by a forked child meanwhile.

The check that an exported project loads back (``load_project`` of what was
written) parses every schema file again: 49,996 Avro parses, ~1.2 s of CPU at
10,000 subjects x 5 versions. Creating those files is system time on the
export's own core, and once the registry has answered, the second core is
idle. So, on Linux and in a process with one thread (a fork copies no other
thread, nor the locks they hold), a child forked before the files are written
parses their texts with the compatibility package, the parser the check uses,
and returns the indices of those that parse. The check then takes the
verdicts as its parse cache (``load_project(known_valid=...)``): a verdict is
keyed by the schema type and the exact text the check reads back from disk,
so a file whose bytes differ from what the child parsed (a writer fault) is
parsed again, and refused if invalid. Only reference-free Avro and JSON
schemas are sent (protobuf parses through protoc's library, kept in the
process); anything else is parsed by the check as before.

Last session's attempt (docs/performance.md, "Session 6: export --history")
parsed on the event loop between the registry's answers: the same core as the
client, lengthened the read as much as it saved. Whatever the child does (fails,
is killed, answers garbage), the parent only loses the verdicts; interrupted, it
kills and reaps the child.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading
from array import array
from collections.abc import Sequence
from types import TracebackType

from reconciler.compatibility import parse

# The schema types the child parses (see the module's docstring).
PARSED_AHEAD = ("AVRO", "JSON")
_INDEX = "I"  # array typecode of the indices sent back


def _fork_allowed() -> bool:
    return sys.platform == "linux" and threading.active_count() == 1


def _parses(schema_type: str, text: str) -> bool:
    try:
        parse(schema_type, text)
    except Exception:  # any failure: no verdict, the check parses it (and reports it)
        return False
    return True


class ParseVerdicts:
    """The parse verdicts of ``schemas`` (schema type, text), from a forked child.

    Nothing is forked where forking is unsafe (other threads, not Linux) or for
    nothing to parse: ``valid()`` is then empty. Use as a context manager, so
    that the child never outlives the export.
    """

    def __init__(self, schemas: Sequence[tuple[str, str]]) -> None:
        self.schemas = schemas
        self.pid: int | None = None
        self._pipe: int | None = None
        if schemas and _fork_allowed():
            self._fork()

    def _fork(self) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            status = 1
            try:
                os.close(read_end)
                gc.disable()  # short-lived, keeps what it makes: the collector would only rescan
                valid = array(_INDEX, (i for i, (t, x) in enumerate(self.schemas) if _parses(t, x)))
                data = len(self.schemas).to_bytes(4, "little") + valid.tobytes()
                view = memoryview(data)
                while view:
                    view = view[os.write(write_end, view) :]
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        self.pid, self._pipe = pid, read_end

    def valid(self) -> list[tuple[str, str]]:
        """The schemas the child parsed successfully (waits for it); empty on any failure."""
        if self.pid is None or self._pipe is None:
            return []
        chunks = []
        try:
            while chunk := os.read(self._pipe, 1 << 20):
                chunks.append(chunk)
            _, status = os.waitpid(self.pid, 0)  # at its end: the pipe closed with it
            self.pid = None
        finally:
            self.close()
        data = b"".join(chunks)
        indices = array(_INDEX)
        complete = (
            os.waitstatus_to_exitcode(status) == 0
            and len(data) >= 4
            and int.from_bytes(data[:4], "little") == len(self.schemas)
            and (len(data) - 4) % indices.itemsize == 0
        )
        if not complete:
            return []
        indices.frombytes(data[4:])
        if any(i >= len(self.schemas) for i in indices):
            return []
        return [self.schemas[i] for i in indices]

    def close(self) -> None:
        """Stop waiting: close the pipe, and kill and reap the child if it is still there."""
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        if self.pid is not None:
            pid, self.pid = self.pid, None
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)

    def __enter__(self) -> ParseVerdicts:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
