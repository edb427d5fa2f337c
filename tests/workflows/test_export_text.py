"""``export --history``'s spec files written straight from the read: the same files as
the specs' documents written by ``dump_yaml``, or those when it declines."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from reconciler.registry import Reference, SchemaVersion
from reconciler.workflows import context_specs, export_files, export_text, exported_files
from reconciler.workflows.export import _SchemaFiles
from reconciler.workflows.files import FileNames
from reconciler.workflows.live import LiveContext, LiveSubject, RegistryContents

ROOT = Path("/project")


def _through_specs(contents: RegistryContents, history: bool) -> Any:
    specs = context_specs(contents, "prod", ROOT, history=history, keep_ids=history)
    return export_files(specs)


def _contents(
    draw: random.Random, names: str = "abAB-_. :", contexts: tuple[str, ...] = (".", ".x y")
) -> RegistryContents:
    """Subjects named from ``names`` (always from a letter on), in some of ``contexts``."""
    contents = RegistryContents("source")
    for context in contexts[: draw.randint(1, len(contexts))]:
        ctx = contents.contexts[context] = LiveContext(
            context, draw.choice([None, "FULL"]), draw.choice([None, "READONLY"])
        )
        for _ in range(draw.randint(1, 6)):
            name = draw.choice("aA") + "".join(
                draw.choice(names) for _ in range(draw.randint(0, 5))
            )
            versions = []
            for number in range(1, draw.randint(1, 4) + 1):
                schema_type = draw.choice(["AVRO", "AVRO", "JSON", "PROTOBUF"])
                text = json.dumps({"type": "record", "name": f"R{number}", "doc": name})
                versions.append(
                    SchemaVersion(
                        name,
                        number,
                        draw.randint(1, 10**6),
                        text,
                        schema_type,
                        references=tuple(
                            Reference(f"r{n}", f"ref-{n}", n) for n in range(draw.choice([0, 0, 2]))
                        ),
                        metadata=draw.choice([None, {}, {"properties": {"owner": "team-a"}}]),
                        rule_set=draw.choice(
                            [None, {"domainRules": [{"name": "r", "mode": "WRITE"}]}]
                        ),
                    )
                )
            ctx.subjects[name] = LiveSubject(
                name, tuple(versions), draw.choice([None, "NONE"]), draw.choice([None, "IMPORT"])
            )
    return contents


@pytest.mark.parametrize("seed", range(60))
def test_a_history_is_written_as_its_specs_documents_are(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Names made safe or taken twice, types that change, references, contracts,
    settings at each level: the same texts, schema files and types."""
    contents = _contents(random.Random(seed), names="abAB-_.", contexts=(".", ".sales"))
    expected = _through_specs(contents, history=True)

    def declined(*args: object) -> None:
        raise AssertionError("written through the specs' documents")

    monkeypatch.setattr(export_text, "export_files", declined)
    assert exported_files(contents, "prod", ROOT, history=True) == expected


@pytest.mark.parametrize("seed", range(20))
def test_what_the_block_writer_declines_is_written_through_the_specs(seed: int) -> None:
    """Names PyYAML quotes (a space, a colon): the whole export takes the specs' way."""
    contents = _contents(random.Random(seed))
    assert exported_files(contents, "prod", ROOT, history=True) == _through_specs(contents, True)


def test_only_the_latest_versions_are_written_through_the_specs() -> None:
    contents = _contents(random.Random(7), names="ab-")
    assert exported_files(contents, "prod", ROOT, history=False) == _through_specs(contents, False)


@pytest.mark.parametrize("subjects", [["", ".", "..", "..a"], [".a", "a", "A"], ["a b/é", "a_b__"]])
def test_a_histories_file_names_are_those_claim_gives(subjects: list[str]) -> None:
    """Versions named from the subject's safe prefix: the names ``FileNames.claim`` gives
    their stems (leading dots, nothing safe left, names taken twice, case folded)."""
    writer, names = _SchemaFiles(".", {}), FileNames()
    for subject in subjects:
        versions = [SchemaVersion(subject, n, n, "{}", "AVRO") for n in (1, 2, 10)]
        assert writer.write_versions(subject, versions) == [
            names.claim(f"{subject}.v{n}", ".avsc") for n in (1, 2, 10)
        ]
