"""What ``export --history`` prepares while it waits on the registry.

Most of an export's read is waiting: the registry answers some 20,000
settings reads while the client's thread has little to do. Two things the
export must do anyway for every listed version are done then, a slice at a
time between answers: the text of its schema file (``readable``) and
whether that text parses with this package's parser, which the check that
the written project loads back would otherwise do for each schema file
(about a third of that check).

The verdicts are handed to the written project's parse cache
(``reconciler.spec.seed_parse_cache``), keyed by content: the check still
reads every file it loads and looks its bytes up, so a file that differs
from the text parsed here is parsed then, as is a schema with references
(its verdict depends on theirs, which the check resolves).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

from reconciler.compatibility import InvalidSchemaError, parse
from reconciler.registry import SchemaVersion
from reconciler.spec import seed_parse_cache

from .files import readable

T = TypeVar("T")

# How long one slice of preparation may hold the event loop: answers that arrive
# meanwhile wait at most this long, while the registry works on the other requests.
SLICE_SECONDS = 0.001


class Prepared:
    """Schema file texts and parse verdicts, computed between the registry's answers."""

    def __init__(self) -> None:
        self.rendered: dict[tuple[str, str], str] = {}  # (type, registry text) -> file text
        self.valid: list[tuple[str, str]] = []  # (type, file text) that parsed, no references
        self._pending: deque[SchemaVersion] = deque()
        self._arrived = asyncio.Event()

    def add(self, _context: str, versions: list[SchemaVersion]) -> None:
        """A listing page's versions (``read_registry``'s ``on_page``)."""
        self._pending.extend(v for v in versions if not v.deleted)
        self._arrived.set()

    def _prepare(self, version: SchemaVersion) -> None:
        key = (version.schema_type, version.schema)
        if key in self.rendered:
            return
        text = self.rendered[key] = readable(*key)
        if version.references:
            return
        try:
            parse(version.schema_type, text, {})
        except InvalidSchemaError:
            return  # the check parses it again, for its message
        self.valid.append((version.schema_type, text))

    async def during(self, reading: Awaitable[T]) -> T:
        """Await ``reading``, preparing what it lists whenever the loop is otherwise
        idle; what is left when it ends is prepared then."""
        read = asyncio.ensure_future(reading)
        try:
            while not read.done():
                if not self._pending:
                    self._arrived.clear()
                    arrived = asyncio.ensure_future(self._arrived.wait())
                    await asyncio.wait((read, arrived), return_when=asyncio.FIRST_COMPLETED)
                    arrived.cancel()
                    continue
                deadline = time.perf_counter() + SLICE_SECONDS
                while self._pending and time.perf_counter() < deadline:
                    self._prepare(self._pending.popleft())
                await asyncio.sleep(0)
        finally:
            if not read.done():
                read.cancel()
        result = read.result()
        while self._pending:
            self._prepare(self._pending.popleft())
        return result

    def seed(self, root: Path) -> None:
        """Hand the verdicts to the parse cache of the project written in ``root``."""
        seed_parse_cache(root, self.valid)
