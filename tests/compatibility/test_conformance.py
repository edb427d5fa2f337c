"""Confluent's own compatibility examples, read straight from ../shared/conformance.

Verdicts must agree on every case. For JSON Schema and Protobuf the set of
differences must equal Confluent's ``changes`` list, except for the cases
listed under "Known differences" in docs/compatibility.md: those must still
differ, so fixing one (or breaking another) fails here until the list is updated.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from reconciler.compatibility import check, diff

from .conftest import CONFLUENT, REPO

JSON_FILES = ("diff-schema-examples.json", "diff-combined-schema-examples.json")
PROTO_FILES = ("diff-schema-examples.json", "diff-schema-examples-with-meta.json")


def _cases(folder: str, files: tuple[str, ...]) -> list[Any]:
    if CONFLUENT is None:
        return [pytest.param(None, None, id="conformance-data-absent")]
    params = []
    for name in files:
        for index, case in enumerate(json.loads((CONFLUENT / folder / name).read_text())):
            case_id = f"{folder}/{name}[{index}]"
            params.append(pytest.param(case_id, case, id=f"{case_id} {case['description']}"))
    return params


def _known_differences() -> set[str]:
    """Case ids listed in docs/compatibility.md under "Known differences"."""
    text = (REPO / "docs" / "compatibility.md").read_text()
    section = text.split("## Known differences", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^- `([^`]+)`", section, flags=re.MULTILINE))


KNOWN = _known_differences()


def _assert_changes(case_id: str, got: set[str], expected: set[str]) -> None:
    if case_id in KNOWN:
        assert got != expected, f"{case_id} now matches Confluent: remove it from the known list"
    else:
        assert got == expected


@pytest.mark.parametrize(("case_id", "case"), _cases("json-schema", JSON_FILES))
def test_json_schema(confluent: Path, case_id: str, case: dict[str, Any]) -> None:
    original, update = json.dumps(case["original_schema"]), json.dumps(case["update_schema"])
    assert check("JSON", update, [original], "BACKWARD").compatible is case["compatible"]
    got = {str(d) for d in diff("JSON", original, update)}
    _assert_changes(case_id, got, set(case["changes"]))


def _proto_side(confluent: Path, case: dict[str, Any], side: str) -> tuple[str, dict[str, str]]:
    text = case[f"{side}_schema"]
    if text.endswith(".proto") and "\n" not in text:
        text = (confluent / "protobuf" / "proto" / text).read_text()
    # Entries without text are Google's and Confluent's own files, which we ship.
    references = {
        d["name"]: d["dependency"]
        for d in case.get(f"{side}_dependencies", ())
        if "dependency" in d
    }
    return text, references


@pytest.mark.parametrize(("case_id", "case"), _cases("protobuf", PROTO_FILES))
def test_protobuf(confluent: Path, case_id: str, case: dict[str, Any]) -> None:
    from reconciler.compatibility import parse

    original = parse("PROTOBUF", *_proto_side(confluent, case, "original"))
    update = parse("PROTOBUF", *_proto_side(confluent, case, "update"))
    assert check("PROTOBUF", update, [original], "BACKWARD").compatible is case["compatible"]
    got = {str(d) for d in diff("PROTOBUF", original, update)}
    _assert_changes(case_id, got, set(case["changes"]))
    # What the local registry would store compiles again to the same schema.
    for parsed in (original, update):
        again = parse("PROTOBUF", parsed.canonical, parsed.references)
        assert again.canonical == parsed.canonical
        assert diff("PROTOBUF", parsed, again) == []


def _avro_cases() -> list[Any]:
    if CONFLUENT is None:
        return [pytest.param(None, None, id="conformance-data-absent")]
    data = json.loads((CONFLUENT / "avro" / "avro-compat-cases.json").read_text())
    schemas = {name: json.dumps(s) for name, s in data["schemas"].items()}
    return [
        pytest.param(schemas, case, id=f"{i} {case['level']} {case['message']}")
        for i, case in enumerate(data["cases"])
    ]


@pytest.mark.parametrize(("schemas", "case"), _avro_cases())
def test_avro(confluent: Path, schemas: dict[str, str], case: dict[str, Any]) -> None:
    previous = [schemas[name] for name in case["previous_schemas_oldest_first"]]
    result = check("AVRO", schemas[case["new_schema"]], previous, case["level"])
    assert result.compatible is case["compatible"]
    assert bool(result.messages) is not case["compatible"]


def test_known_differences_are_real_cases(confluent: Path) -> None:
    ids = {p.values[0] for p in _cases("json-schema", JSON_FILES) + _cases("protobuf", PROTO_FILES)}
    assert ids >= KNOWN
