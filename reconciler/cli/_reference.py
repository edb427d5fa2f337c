"""docs/cli.md's command reference, made from the click tree so that it cannot drift.

``python -m reconciler.cli._reference docs/cli.md`` rewrites the part of the
file between the two markers; tests/cli/test_grammar.py fails while the file
differs from what this makes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

BEGIN = "<!-- BEGIN: made by `python -m reconciler.cli._reference docs/cli.md` -->"
END = "<!-- END: command reference -->"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _option_row(param: click.Parameter, ctx: click.Context) -> str | None:
    record = param.get_help_record(ctx)
    if record is None or not isinstance(param, click.Option) or not param.expose_value:
        return None
    names, help_text = record
    return f"| `{_cell(names)}` | {_cell(help_text)} |"


def _commands(group: click.Group, ctx: click.Context) -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name in sorted(group.commands):
        command = group.commands[name]
        path = f"{ctx.command_path} {name}"
        if isinstance(command, click.Group):
            found += _commands(command, click.Context(command, info_name=path, parent=None))
        else:
            found.append((path, command))
    return found


def reference(main: click.Group) -> str:
    """One section per command: usage, what it does, and a table of its options."""
    lines = [BEGIN, ""]
    for path, command in _commands(main, click.Context(main, info_name="reconcile")):
        ctx = click.Context(command, info_name=path)
        usage = " ".join([path, *command.collect_usage_pieces(ctx)])
        lines += [f"### `{path}`", "", f"`{usage}`", ""]
        for paragraph in (command.help or "").split("\n\n"):
            lines += [" ".join(paragraph.split()), ""]
        rows = [row for p in command.get_params(ctx) if (row := _option_row(p, ctx))]
        lines += ["| option | meaning |", "|---|---|", *rows, ""]
    return "\n".join([*lines, END])


def updated(text: str, main: click.Group) -> str:
    """``text`` with the part between the markers made anew."""
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return head + reference(main) + tail


def main() -> None:
    from reconciler.cli import main as reconcile

    path = Path(sys.argv[1])
    path.write_text(updated(path.read_text(encoding="utf-8"), reconcile), encoding="utf-8")


if __name__ == "__main__":
    main()
