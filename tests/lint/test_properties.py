"""Lint never fails on a schema the parser accepts; each finding names a rule and a JSON pointer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compatibility.test_avro_checker import fresh_types  # tests/ is on sys.path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.compatibility import InvalidSchemaError, parse
from reconciler.lint import RULES
from reconciler.lint._avro import lint as lint_avro
from reconciler.lint._source import Source

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
DEFAULTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=3),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)


@st.composite
def schemas_with_defaults(draw: st.DrawFn) -> Any:
    """Generated schemas whose record fields get arbitrary JSON defaults."""
    doc = draw(fresh_types())

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for branch in node:
                visit(branch)
        elif isinstance(node, dict):
            for field in node.get("fields", []):
                if draw(st.booleans()):
                    field["default"] = draw(DEFAULTS)
                visit(field["type"])
            for key in ("items", "values"):
                if key in node:
                    visit(node[key])

    visit(doc)
    return doc


@SETTINGS
@given(schemas_with_defaults())
def test_avro_lint_takes_any_valid_schema(doc: Any) -> None:
    text = json.dumps(doc, indent=2)
    try:
        parse("AVRO", text)
    except InvalidSchemaError:
        return  # the loader would have refused it
    found: list[tuple[str, str]] = []
    source = Source("s-value", ".", "AVRO", text, Path("s.avsc"), None, {})
    lint_avro(source, lambda rule, message, path, needles: found.append((rule, path)))
    for rule, path in found:
        assert rule in RULES
        assert path == "" or path.startswith("/")
