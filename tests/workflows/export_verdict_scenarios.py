"""Scenarios of tests/workflows/test_export_verdicts.py, each run in a fresh interpreter
(``python export_verdict_scenarios.py NAME DIR``): the parse verdicts' child is forked
only in a process with one thread, and pytest's may hold threads other tests left."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import reconciler.spec._checks as checks
from reconciler.spec import ContextSpec, SpecErrors, SubjectSpec, VersionSpec, load_project
from reconciler.workflows import export as export_module
from reconciler.workflows import export_verdicts, write_project_file, write_specs

PARSES: list[str] = []  # the texts the load parsed itself (not taken from a verdict)
_parse = checks.parse


def _counting(schema_type: str, text: str, *args: object) -> object:
    PARSES.append(text)
    return _parse(schema_type, text, *args)  # type: ignore[arg-type]


def _avro(name: str, fields: int) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": name,
            "fields": [{"name": f"f{i}", "type": "string"} for i in range(fields)],
        }
    )


def _specs(root: Path, invalid: str | None = None) -> tuple[ContextSpec, ...]:
    subjects = {
        f"s{n}-value": SubjectSpec(
            f"s{n}-value",
            versions=tuple(
                VersionSpec(_avro(f"R{n}", v), version=v, id=10 * n + v) for v in (1, 2, 3)
            ),
        )
        for n in range(4)
    }
    subjects["j-value"] = SubjectSpec(
        "j-value", type="JSON", versions=(VersionSpec('{"type": "object"}', version=1, id=99),)
    )
    if invalid is not None:  # a text the registry holds and our parser refuses
        subjects["bad-value"] = SubjectSpec("bad-value", versions=(VersionSpec(invalid, 1, 98),))
    return (ContextSpec(root / "specs" / "default.yaml", ("default",), subjects=subjects),)


def _export(root: Path, specs: tuple[ContextSpec, ...]) -> export_module.Written:
    done = write_specs(specs, root, parse_ahead=True)
    write_project_file(root, "default", {"url": "http://127.0.0.1:9"})
    return done


def parsed_while_written(root: Path) -> None:
    done = _export(root, _specs(root))
    with done.verdicts:
        assert done.verdicts.pid is not None  # forked: this process has one thread
        valid = done.verdicts.valid()
        assert len(valid) == done.schema_files == 13
        project = load_project(root, known_valid=valid)
    assert PARSES == []
    versions = project.specs[0].subjects["s3-value"].versions or ()
    assert [v.schema for v in versions] == [
        (root / f"schemas/default/s3-value.v{v}.avsc").read_text() for v in (1, 2, 3)
    ]


def refused_by_the_child(root: Path) -> None:
    done = _export(root, _specs(root, invalid='{"type": "record", "name": "B"}'))
    with done.verdicts:
        valid = done.verdicts.valid()
        assert len(valid) == 13  # of 14
        with pytest.raises(SpecErrors) as raised:
            load_project(root, known_valid=valid)
    assert len(PARSES) == 1
    assert "subject 'bad-value'" in str(raised.value)


def written_otherwise(root: Path) -> None:
    real_write = export_module._write
    target = "schemas/default/s1-value.v2.avsc"

    def faulty(root: Path, files: dict[str, bytes]) -> None:
        real_write(root, {**files, target: files[target][: len(files[target]) // 2]})

    export_module._write = faulty  # type: ignore[assignment]
    done = _export(root, _specs(root))
    with done.verdicts:
        valid = done.verdicts.valid()
        assert len(valid) == 13
        with pytest.raises(SpecErrors) as raised:
            load_project(root, known_valid=valid)
    assert len(PARSES) == 1
    assert "subject 's1-value': not valid JSON" in str(raised.value)


def child_killed(root: Path) -> None:
    # The child stalls in its first parse (killed long before the minute is over).
    export_verdicts._parses = lambda *schema: time.sleep(60)  # type: ignore[assignment]
    done = _export(root, _specs(root))
    with done.verdicts:
        assert done.verdicts.pid is not None
        os.kill(done.verdicts.pid, signal.SIGKILL)
        assert done.verdicts.valid() == []
        load_project(root, known_valid=[])
    assert len(PARSES) == 13


def interrupted_while_writing(root: Path) -> None:
    children: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            children.append(pid)
        return pid

    def interrupted(root: Path, files: dict[str, bytes]) -> None:
        raise KeyboardInterrupt

    os.fork = fork
    export_module._write = interrupted  # type: ignore[assignment]
    with pytest.raises(KeyboardInterrupt):
        write_specs(_specs(root), root, parse_ahead=True)
    assert len(children) == 1
    with pytest.raises(ChildProcessError):  # reaped already
        os.waitpid(children[0], os.WNOHANG)


SCENARIOS: dict[str, Callable[[Path], None]] = {
    f.__name__: f
    for f in (
        parsed_while_written,
        refused_by_the_child,
        written_otherwise,
        child_killed,
        interrupted_while_writing,
    )
}

if __name__ == "__main__":
    checks.parse = _counting  # type: ignore[assignment]
    SCENARIOS[sys.argv[1]](Path(sys.argv[2]))
