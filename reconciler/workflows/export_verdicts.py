"""Which schema files an export writes parse, worked out by a forked child meanwhile.

The check that an exported project loads back (``load_project`` of what was
written) parses every schema file again: 49,996 Avro parses, ~1.2 s of CPU at
10,000 subjects x 5 versions. Creating those files is system time on the
export's own core, and once the registry has answered, the second core is
idle. So, on Linux and in a process with one Python thread (a fork copies no
other thread, nor the locks they hold), a child forked before the files are
written (``multiprocessing``'s fork context, imported only then) parses their
texts with the compatibility package, the parser the check uses, and returns
the indices of those that parse. The check then takes the verdicts as its
parse cache (``load_project(known_valid=...)``), asking for them only once it
has read every file: a verdict is keyed by the schema type and the exact text
the check reads back from disk, so a file whose bytes differ from what the
child parsed (a writer fault) is parsed again, and refused if invalid. Only
reference-free Avro and JSON schemas are sent (protobuf parses through
protoc's library, kept in the process); anything else is parsed by the check
as before.

Last session's attempt (docs/performance.md, "Session 6: export --history")
parsed on the event loop between the registry's answers: the same core as the
client, lengthened the read as much as it saved. Whatever the child does
(fails, is killed, answers garbage, hangs on a lock a native thread held at
the fork), the parent loses at most the verdicts and the wait, which is
bounded (``WAIT_SECONDS``); it kills and reaps the child then, and when
interrupted.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from array import array
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from reconciler.compatibility import parse

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

# The schema types the child parses (see the module's docstring).
PARSED_AHEAD = ("AVRO", "JSON")
# How long after the fork the parent waits for the verdicts at most: far more than
# the child needs (~1.4 s for 50,000 Avro schemas, a few seconds on a loaded
# machine); past it the check parses everything itself.
WAIT_SECONDS = 5.0
WAIT_PER_SCHEMA = 0.0001
_INDEX = "I"  # array typecode of the indices sent back


def _fork_allowed() -> bool:
    return sys.platform == "linux" and threading.active_count() == 1


def _parses(schema_type: str, text: str) -> bool:
    try:
        parse(schema_type, text)
    except Exception:  # any failure: no verdict, the check parses it (and reports it)
        return False
    return True


def _parse_all(schemas: Sequence[tuple[str, str]], sender: Connection) -> None:
    """The child: the count of ``schemas``, then the indices of those that parse."""
    try:
        gc.disable()  # short-lived, keeps what it makes: the collector would only rescan
        valid = array(_INDEX, (i for i, (t, x) in enumerate(schemas) if _parses(t, x)))
        sender.send_bytes(len(schemas).to_bytes(4, "little") + valid.tobytes())
    except BaseException:  # interrupted, or the parent gone: quietly, no traceback
        os._exit(1)


class ParseVerdicts:
    """The parse verdicts of ``schemas`` (schema type, text), from a forked child.

    Nothing is forked where forking is unsafe (other threads, not Linux) or for
    nothing to parse: the verdicts are then none. Iterating waits for them
    (``valid()``). Use as a context manager, so that the child never outlives
    the export.
    """

    def __init__(self, schemas: Sequence[tuple[str, str]]) -> None:
        self.schemas = schemas
        self._child: BaseProcess | None = None
        self._receiver: Connection | None = None
        self._deadline = 0.0
        if schemas and _fork_allowed():
            import multiprocessing

            context = multiprocessing.get_context("fork")
            receiver, sender = context.Pipe(duplex=False)
            child = context.Process(target=_parse_all, args=(schemas, sender), daemon=True)
            child.start()
            sender.close()
            self._child, self._receiver = child, receiver
            self._deadline = time.monotonic() + WAIT_SECONDS + WAIT_PER_SCHEMA * len(schemas)

    @property
    def pid(self) -> int | None:
        """The child's process id; None when there is no child (any more)."""
        return self._child.pid if self._child is not None else None

    def valid(self) -> list[tuple[str, str]]:
        """The schemas the child parsed successfully, waiting for it until the deadline;
        none on any failure. The child is reaped."""
        if self._receiver is None:
            return []
        try:
            if not self._receiver.poll(max(self._deadline - time.monotonic(), 0.0)):
                return []
            data = self._receiver.recv_bytes()
        except (EOFError, OSError):
            return []
        finally:
            self.close()
        indices = array(_INDEX)
        if (
            len(data) < 4
            or int.from_bytes(data[:4], "little") != len(self.schemas)
            or (len(data) - 4) % indices.itemsize
        ):
            return []
        indices.frombytes(data[4:])
        if any(i >= len(self.schemas) for i in indices):
            return []
        return [self.schemas[i] for i in indices]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """``valid()``, asked for only when iterated: ``load_project(known_valid=...)``
        iterates once it has read every file, so the child has that long too."""
        return iter(self.valid())

    def close(self) -> None:
        """Stop waiting: close the pipe, and kill the child if it is still there; reap it."""
        if self._receiver is not None:
            self._receiver.close()
            self._receiver = None
        if self._child is not None:
            child, self._child = self._child, None
            if child.is_alive():
                child.kill()
            child.join()
            child.close()

    def __enter__(self) -> ParseVerdicts:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
