"""One grammar across commands (issue 16; docs/cli.md "One grammar").

Every rule is checked over the click tree, so a command added later is held
to it without editing this file.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import click
import pytest

from reconciler.cli import main
from reconciler.cli._reference import updated

from .conftest import reconcile

ROOT = Path(__file__).resolve().parents[2]
# Commands that report and so take --output text|markdown|json.
REPORTING = {
    "plan",
    "show",
    "validate",
    "lint",
    "drift",
    "compat",
    "evolve",
    "export",
    "migrate",
    "history",
}


def _leaf_commands() -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}

    def walk(group: click.Group, prefix: str) -> None:
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                walk(command, f"{prefix}{name} ")
            else:
                found[f"{prefix}{name}"] = command

    walk(main, "")
    return found


COMMANDS = _leaf_commands()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_project_argument_is_dir_everywhere(name: str) -> None:
    command = COMMANDS[name]
    for param in command.params:
        if isinstance(param, click.Argument) and param.name in ("directory", "target", "project"):
            assert param.name == "directory" and param.metavar == "[DIR]", name
        if isinstance(param, click.Option):
            assert "--project-file" not in param.opts, f"{name}: docs/cli.md says none has it"


def test_the_project_directory_option_is_one_spelling() -> None:
    """Where the project is not the [DIR] argument (a command that takes files),
    it is -C/--dir DIR; --project only on compat, its older public spelling."""
    spellings = {
        name: param.opts
        for name, command in COMMANDS.items()
        for param in command.params
        if param.name == "project_dir"
    }
    assert spellings == {
        "apply": ["--dir", "-C"],
        "compat": ["--dir", "-C", "--project"],
        "evolve": ["--dir", "-C"],
    }


def test_the_serving_commands_share_their_options() -> None:
    """mcp and registry serve bind, listen and log alike, and say so."""
    serving = [COMMANDS["mcp"], COMMANDS["registry serve"]]
    for option in ("host", "port", "log_level"):
        mcp, registry = (next(p for p in c.params if p.name == option) for c in serving)
        assert isinstance(mcp, click.Option) and isinstance(registry, click.Option)
        assert (mcp.opts, mcp.envvar, repr(mcp.type)) == (
            registry.opts,
            registry.envvar,
            repr(registry.type),
        )
        assert mcp.help and registry.help, option


@pytest.mark.parametrize("name", sorted(REPORTING))
def test_every_reporting_command_prints_text_markdown_and_json(name: str) -> None:
    [output] = [p for p in COMMANDS[name].params if p.name == "output"]
    assert "-o" in output.opts and "--output" in output.opts
    assert isinstance(output.type, click.Choice)
    assert {"text", "markdown", "json"} <= set(output.type.choices)


def test_the_reporting_list_is_complete() -> None:
    """A command with --output is in REPORTING (so the envelope test covers it)."""
    with_output = {n for n, c in COMMANDS.items() if any(p.name == "output" for p in c.params)}
    assert with_output == REPORTING


def _envelope(stdout: str, command: str) -> dict[str, object]:
    report = json.loads(stdout)
    assert list(report)[:2] == ["format_version", "command"]
    assert (report["format_version"], report["command"]) == (1, command)
    return report


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("validate",), 1),  # no project here: the report says so, as JSON
        (("drift",), 1),
        (("history",), 0),
        (("lint",), 1),  # no project: the error, as JSON
        (("export",), 1),
        (("lint", str(ROOT / "examples/quickstart")), 0),
    ],
)
def test_json_reports_share_one_envelope(args: tuple[str, ...], code: int, tmp_path: Path) -> None:
    if args[0] == "history":
        (tmp_path / "reconcile.yaml").write_text("version: 1\n")
    result = reconcile(*args, "-o", "json", cwd=tmp_path)
    assert result.returncode == code, result.stderr
    report = _envelope(result.stdout, args[0])
    if code == 1 and args[0] in ("lint", "export"):
        assert report["status"] == "error"
        assert report["errors"] == ["reconcile.yaml: project file not found"]


def test_a_plan_that_cannot_be_made_prints_a_failed_plan_as_json(tmp_path: Path) -> None:
    """plan's JSON is the plan artifact: a project that does not load is a plan whose
    problems say why (never an empty stdout, never the report envelope)."""
    (tmp_path / "reconcile.yaml").write_text("version: 1\nspecs: [specs/*.yaml]\n")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs/a.yaml").write_text("subjects:\n  a-value: {schema: nope.avsc}\n")
    result = reconcile("plan", "-o", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    plan = json.loads(result.stdout)
    assert plan["format_version"] == 1 and plan["actions"] == []
    [problem] = plan["problems"]
    assert problem["severity"] == "error" and problem["source"] == "specs/a.yaml:2:21"
    assert "specs/a.yaml:2:21" in result.stderr  # the terminal says it too


def test_a_usage_error_with_json_output_is_a_json_report(tmp_path: Path) -> None:
    result = reconcile("drift", "-o", "json", "--no-such-option", cwd=tmp_path)
    assert result.returncode == 64
    report = _envelope(result.stdout, "drift")
    assert report["status"] == "usage_error" and "--no-such-option" in str(report["error"])
    assert "No such option" in result.stderr


def test_counts_agree_in_number() -> None:
    """No message says "error(s)": each count is written with _words.plural."""
    offenders = []
    for path in sorted((ROOT / "reconciler").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and re.search(r"[a-z]\(s\)", text) and "http(s)" not in text:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text!r}")
    assert not offenders, "\n".join(offenders)


def test_docs_cli_md_lists_every_command_and_option() -> None:
    path = ROOT / "docs" / "cli.md"
    text = path.read_text(encoding="utf-8")
    assert text == updated(text, main), (
        "docs/cli.md's command reference is stale: run "
        "`python -m reconciler.cli._reference docs/cli.md`"
    )
