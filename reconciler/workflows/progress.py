"""Progress of long operations: a rich bar on a terminal, a few plain lines otherwise."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

# (done, total)
Report = Callable[[int, int], None]


@contextmanager
def progress(description: str, console: Console | None = None) -> Iterator[Report]:
    """Yield a ``report(done, total)`` callback.

    On a terminal it drives a rich progress bar (on stderr); elsewhere (CI,
    pipes) it prints a plain line at every tenth of the way, so logs stay short.
    """
    console = console or Console(stderr=True, highlight=False, emoji=False)
    if console.is_terminal:
        with Progress(
            # A name, never markup: shown as written (rich's ``escape`` doubled a
            # trailing backslash).
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task(description, total=None)

            def update(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            yield update
        return
    printed = -1

    def plain(done: int, total: int) -> None:
        nonlocal printed
        tenth = done * 10 // total if total else 10
        if tenth > printed:
            printed = tenth
            print(f"{description}: {done}/{total}", file=sys.stderr, flush=True)

    yield plain
