"""The entry points import the formats, never the reverse (issue 13: no import cycle)."""

from __future__ import annotations

import ast

import pytest

from reconciler.compatibility import SCHEMA_TYPES
from reconciler.compatibility._api import _format
from reconciler.compatibility._types import FunctionFormat

from .conftest import REPO

PACKAGE = REPO / "reconciler" / "compatibility"
FORMAT_MODULES = ("_avro.py", "_jsonschema.py", "_protobuf.py")


def _sibling_imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / module).read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.add(node.module or "")
            if node.module is None:
                found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("module", [*FORMAT_MODULES, "_types.py", "_rules.py", "_changes.py"])
def test_nothing_below_the_entry_points_imports_them(module: str) -> None:
    assert "_api" not in _sibling_imports(module)


@pytest.mark.parametrize("module", ["_types.py", "_rules.py", "_changes.py"])
def test_the_shared_modules_import_no_format(module: str) -> None:
    formats = {name.removesuffix(".py") for name in FORMAT_MODULES}
    assert not _sibling_imports(module) & formats


MINIMAL = {"AVRO": '"string"', "JSON": "{}", "PROTOBUF": 'syntax = "proto3"; message M {}'}


@pytest.mark.parametrize("schema_type", SCHEMA_TYPES)
def test_each_format_is_a_schema_format(schema_type: str) -> None:
    fmt = _format(schema_type)
    assert isinstance(fmt, FunctionFormat)
    assert fmt.parse(MINIMAL[schema_type], {}).format is fmt
