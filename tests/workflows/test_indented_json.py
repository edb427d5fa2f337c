"""export's indented JSON is byte for byte what ``json.dumps(indent=2, ensure_ascii=False)``
writes, whichever encoder writes it (workflows/files.py: orjson where it writes alike)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.workflows import files
from reconciler.workflows.files import indented_json, readable

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()  # any code point, lone surrogates and control characters included
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(DOCUMENTS)
def test_any_document_is_written_as_the_standard_library_writes_it(doc: Any) -> None:
    assert indented_json(doc) == json.dumps(doc, indent=2, ensure_ascii=False)


def test_a_schema_without_floats_is_written_by_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}
    expected = json.dumps(schema, indent=2, ensure_ascii=False)

    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("the standard library's encoder was used")

    monkeypatch.setattr(files.json, "dumps", refuse)
    assert indented_json(schema) == expected


def test_a_schema_is_written_alike_and_big_numbers_fall_back() -> None:
    schema = {
        "type": "record",
        "name": "Ünïcode",
        "doc": "tab\there, a \u2028 line separator, \x7f and \x00",
        "fields": [
            {"name": "big", "type": "long", "default": 2**64},
            {"name": "ratio", "type": "double", "default": 1e16},
            {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []},
            {"name": "meta", "type": {"type": "map", "values": "int"}, "default": {}},
        ],
    }
    text = json.dumps(schema)
    assert readable("AVRO", text) == json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    del schema["fields"][:2]
    assert readable("JSON", json.dumps(schema)) == (
        json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    )


@settings(max_examples=400, deadline=None)
@given(DOCUMENTS, st.sampled_from([{}, {"indent": 1}, {"ensure_ascii": False}]))
def test_any_schema_text_is_written_as_the_standard_library_writes_it(
    doc: Any, written: dict[str, Any]
) -> None:
    """``readable`` decodes once, refusing floats on the way, instead of walking the
    document again (``has_float``): the bytes stay the standard library's."""
    text = json.dumps(doc, **written)
    assert readable("AVRO", text) == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("text", ["{", '{"a": 1.5,', "syntax = 'proto3';", "[1e400, }"])
def test_a_text_that_is_not_json_is_written_as_it_is(text: str) -> None:
    assert readable("JSON", text) == text + "\n"
