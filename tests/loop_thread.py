"""Test servers that run their own asyncio loop in a daemon thread.

A client in another thread or another process (the CLI as a subprocess) can
then use them while the test goes on. A subclass's ``_start`` opens its server
on that loop (setting ``self._server`` and its URL); leaving the ``with``
block closes the server, cancels whatever it still runs, calls ``_close``,
and ends the loop and its thread.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Self


class LoopThreadServer:
    _server: asyncio.Server | None = None

    def __enter__(self) -> Self:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _start(self) -> None:
        raise NotImplementedError

    async def _close(self) -> None:
        """What the subclass closes once its server and connections are gone."""

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._close()
