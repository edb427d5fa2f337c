"""The runnable parts of a markdown page: console examples and the files they need.

A page is read top to bottom as steps run in one directory:

- a ```` ```console ```` block: each ``$ COMMAND`` line (continued by a
  trailing backslash) is run by bash; the lines up to the next ``$`` line are
  its expected output, stdout and stderr as a terminal interleaves them.
  ``...`` in it matches any text (also across lines); a command shown without
  output has only its exit code checked. The exit code is 0 unless the
  command ends with a comment starting ``# exit N``. ``cd DIR`` changes the directory
  of the steps after it;
- a block whose info string has ``file=PATH`` (```` ```yaml file=specs/x.yaml ````)
  writes its content to PATH, as a reader following the page would (a
  fence of four backticks holds output that has fences of three);
- ``<!-- file: PATH`` ... ``-->`` does the same without showing the file: a
  page's premise (the project an example starts from) kept out of its text;
  ``<!-- console`` ... ``-->`` likewise runs commands the page does not show
  (a git repository an example needs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^(?P<fence>`{3,})(?P<info>[^`]*)$")
HIDDEN_FILE = re.compile(r"^<!-- file: (?P<path>\S+)\s*$")
HIDDEN_CONSOLE = re.compile(r"^<!-- console\s*$")
EXIT = re.compile(r"#\s*exit\s+(?P<code>\d+)\b")


@dataclass(frozen=True)
class Command:
    line: int  # of the page, 1-based: where a failure is reported
    text: str
    expected: str | None  # None: output not shown, not compared
    exit_code: int


@dataclass(frozen=True)
class File:
    line: int  # of the block's opening
    path: str
    content: str


Step = Command | File


def _commands(start: int, lines: list[str]) -> list[Command]:
    commands: list[Command] = []
    index = 0
    while index < len(lines):
        if not lines[index].startswith("$ "):
            raise ValueError(f"line {start + index}: output before any $ command")
        line = start + index
        text = lines[index][2:]
        while text.endswith("\\") and index + 1 < len(lines):
            index += 1
            text = text[:-1] + " " + lines[index].lstrip("> ").strip()
        index += 1
        output: list[str] = []
        while index < len(lines) and not lines[index].startswith("$ "):
            output.append(lines[index])
            index += 1
        while output and not output[-1].strip():
            output.pop()
        code = EXIT.search(text)
        commands.append(
            Command(
                line=line,
                text=text,
                expected="\n".join(output) if output else None,
                exit_code=int(code["code"]) if code else 0,
            )
        )
    return commands


def steps(page: str) -> list[Step]:
    """The page's steps in order."""
    lines = page.splitlines()
    found: list[Step] = []
    index = 0
    while index < len(lines):
        fence = FENCE.match(lines[index])
        hidden = HIDDEN_FILE.match(lines[index])
        setup = HIDDEN_CONSOLE.match(lines[index])
        if fence is None and hidden is None and setup is None:
            index += 1
            continue
        start = index + 1
        end = start
        closing = fence["fence"] if fence else "-->"
        while end < len(lines) and lines[end].strip() != closing:
            end += 1
        body = lines[start:end]
        if setup:
            found.extend(_commands(start + 1, body))
        elif hidden:
            found.append(File(start, hidden["path"], "\n".join(body) + "\n"))
        else:
            assert fence is not None
            info = fence["info"].split()
            path = next((w[5:] for w in info if w.startswith("file=")), None)
            if path is not None:
                found.append(File(start, path, "\n".join(body) + "\n"))
            elif info[:1] == ["console"]:
                found.extend(_commands(start + 1, body))
        index = end + 1
    return found


def matches(expected: str, actual: str) -> bool:
    """``actual`` is ``expected`` with each ``...`` standing for any text."""
    pattern = ".*?".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual, flags=re.DOTALL) is not None


def normalise(output: str, replacements: dict[str, str]) -> str:
    """Trailing spaces and blank lines dropped; machine-specific text replaced."""
    for old, new in replacements.items():
        output = output.replace(old, new)
    lines = [line.rstrip() for line in output.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def pages(docs: Path) -> list[Path]:
    return sorted(docs.glob("*.md"))


def relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()
