"""What every command shares: loading the project, the console, error reporting."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from reconciler._words import plural
from reconciler.errors import ReconcilerError
from reconciler.spec import SpecErrors, load_project
from reconciler.spec.model import Project, RegistryConfig

if TYPE_CHECKING:
    from rich.console import Console

LOOPBACK = "127.0.0.1"
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def console(stderr: bool = False) -> Console:
    """Colour on a terminal (NO_COLOR respected), plain text in pipes and CI.

    No emoji codes: a subject, a path or a registry's message holding ``:smile:``
    is printed as it is. Markup stays for the CLI's own words: what it prints of
    anything else goes through ``escape`` or ``markup=False``.
    """
    from rich.console import Console  # only when something is printed through it

    return Console(stderr=stderr, highlight=False, soft_wrap=True, emoji=False)


def print_view(view: Callable[[bool], str]) -> None:
    """Print on stdout a view rich marks up: ``view(True)`` is its markup, ``view(False)``
    the same text without markup (``render.render_text``'s ``markup``).

    Where rich would print it without any style (stdout is no terminal and no
    variable asks for one) and would print the plain text unchanged, that text is
    printed as it is, and rich is not imported: a text plan printed into a pipe or
    a file saves rich's import (~15-20 ms of CPU, most of a no-change plan's
    printing). tests/cli/test_plain_output.py compares the two ways.
    """
    if not _may_style_stdout():
        text = view(False)
        if _printed_unchanged(text):
            click.echo(text)
            return
    console().print(view(True))


# Variables with which rich styles its output (or may) whatever stdout is.
_STYLE_VARIABLES = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")


def _may_style_stdout() -> bool:
    """True where rich's console may style what it prints on stdout (``is_terminal``):
    stdout is a terminal, or one of ``_STYLE_VARIABLES`` is set, or it cannot tell."""
    if any(name in os.environ for name in _STYLE_VARIABLES):
        return True
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return True


def _printed_unchanged(text: str) -> bool:
    """Whether rich prints the markup of ``text`` as ``text``: no line holds a character
    that is not printable (rich drops some control characters, expands tabs) or ends
    in white space (rich trims it past the console's width)."""
    return all(line.isprintable() and not line[-1:].isspace() for line in text.split("\n"))


def fail(message: str) -> NoReturn:
    """``error: MESSAGE`` on stderr (the message as it is, never markup), exit 1."""
    from reconciler.render import markup

    console(stderr=True).print(f"[red]error[/]: {markup.escape(message)}")
    sys.exit(1)


def load(
    directory: str,
    announce_embedded: bool = True,
    environ: Mapping[str, str] | None = None,
    parse_cache: bool = False,
    on_settings: Callable[[Mapping[str, RegistryConfig]], None] | None = None,
) -> Project:
    """Load and validate the project (``SpecErrors`` lists every error: see ``report``).

    Commands that contact registries say when the embedded one stands in for
    an unconfigured registry; offline commands pass ``announce_embedded=False``.
    ``parse_cache``, ``on_settings``: see ``load_project``.
    """
    project = load_project(
        Path(directory), environ, parse_cache=parse_cache, on_settings=on_settings
    )
    if project.uses_embedded_default and announce_embedded:
        reg = next(iter(project.registries.values()))
        console(stderr=True).print(
            f"No registry configured: using the embedded local registry ({reg.url}).",
            markup=False,
        )
    return project


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop where it is installed (not on Windows or PyPy), else asyncio's.

    A plan's client spends most of its CPU in the loop's reads and callbacks: 5-8 %
    less of it on uvloop (docs/performance.md, "Session 7: reading while the specs
    load")."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run an engine coroutine (its failures reach ``report`` through the root group).

    As ``asyncio.run`` does (its ``Runner``: Ctrl-C cancels the main task, then
    raises ``KeyboardInterrupt``), on the loop of ``_loop_factory``.
    The result is handed over outside the main task: when the runner puts
    SIGINT's handler back, Python 3.11 formats the handler, whose repr holds the
    main task's, result included (a whole registry read: 20 MiB of text, twice).
    """
    result: list[T] = []

    async def main() -> None:
        result.append(await coro)

    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(main())
    return result[0]


def report(exc: ReconcilerError) -> NoReturn:
    """The CLI's one handler of the failures a user can act on: the message, exit 1.

    Spec errors are listed one per line (``FILE:LINE:COL: message``), then counted;
    any other is one ``error:`` line. The root group (``cli/__init__.py``) calls it.
    """
    if isinstance(exc, SpecErrors):
        err = console(stderr=True)
        for error in exc.errors:
            err.print(str(error), markup=False)
        err.print(
            f"{plural(len(exc.errors), 'error')}; nothing was contacted or changed.", markup=False
        )
        sys.exit(1)
    fail(str(exc))


# Not ``exists=True``: a missing project directory is an error (exit 1) that
# names it, not a usage error (see docs/cli.md's exit codes).
directory_argument = click.argument(
    "directory", default=".", type=click.Path(file_okay=False), metavar="[DIR]"
)


def project_dir_option(
    help: str, *, default: str | None = ".", aliases: tuple[str, ...] = ()
) -> Callable[[F], F]:
    """``-C/--dir DIR``: the project directory of a command whose arguments are not
    the project (``compat`` and ``evolve`` take schema files, ``apply`` a plan file)."""
    return click.option(
        "--dir",
        "-C",
        *aliases,
        "project_dir",
        default=default,
        show_default=default is not None,
        type=click.Path(file_okay=False),
        metavar="DIR",
        help=help,
    )


def serve_options(
    *, port: int, log_level: str, only: str = "", log_note: str = ""
) -> Callable[[F], F]:
    """``--host``, ``--port`` and ``--log-level`` of a command that serves HTTP
    (``registry serve``, ``mcp``): loopback unless told, the same environment
    variables, JSON log lines. ``only`` names when they apply ("HTTP" where HTTP is
    one transport of several)."""

    def says(text: str) -> str:
        return f"{only}: {text[0].lower()}{text[1:]}" if only else text

    options = [
        click.option(
            "--host",
            default=LOOPBACK,
            envvar="RECONCILE_HOST",
            show_default=True,
            help=says("Address to bind."),
        ),
        click.option(
            "--port",
            default=port,
            envvar="RECONCILE_PORT",
            show_default=True,
            type=click.IntRange(0, 65535),
            help=says("Port to bind."),
        ),
        click.option(
            "--log-level",
            envvar="RECONCILE_LOG_LEVEL",
            type=click.Choice(["debug", "info", "warning", "error"]),
            default=log_level,
            show_default=True,
            help=says(f"Log level on stderr{log_note} (JSON lines when stderr is not a TTY)."),
        ),
    ]

    def decorate(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


registry_option = click.option(
    "--registry",
    "-r",
    "registries",
    multiple=True,
    metavar="NAME",
    help="Only this registry (repeatable). Default: every registry the specs target.",
)

plan_output_option = click.option(
    "--output",
    "-o",
    type=click.Choice(["text", "markdown", "json", "github"]),
    default="text",
    show_default=True,
    help="How to print the plan. github: its problems as workflow commands that annotate "
    "the pull request (paths relative to $GITHUB_WORKSPACE).",
)

contexts_option = click.option(
    "--context",
    "-c",
    "contexts",
    multiple=True,
    metavar="CONTEXT",
    help="Only this context (repeatable). Default: every context.",
)


def report_output_option(github: bool = False) -> Callable[[F], F]:
    """``--output/-o text|markdown|json`` (``github`` where a report has lines to
    annotate), the same on every command that reports; json is the envelope of
    ``reconciler.render.report``."""
    choices = ["text", "markdown", "json", *(["github"] if github else [])]
    help_text = "json: the report as one versioned object (format_version, command)."
    if github:
        help_text += (
            " github: also each problem as a workflow command that annotates its line "
            "(paths relative to $GITHUB_WORKSPACE)."
        )
    return click.option(
        "--output",
        "-o",
        type=click.Choice(choices),
        default="text",
        show_default=True,
        help=help_text,
    )
