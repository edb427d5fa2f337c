"""JSON Schema keywords judged as Confluent's json-schema-provider diff does.

Every keyword with a numeric bound that ``Difference.Type`` names (among them
``minContains``/``maxContains``, which Confluent reads whatever the draft),
and ``pattern``, ``multipleOf`` and ``uniqueItems``, in draft-07 and 2020-12,
through ``POST /compatibility`` (BACKWARD: the new schema reads data written
with the old). The verdicts follow Confluent's ``COMPATIBLE_CHANGES_STRICT``:
a bound may loosen, never tighten, and may be removed but not added. The
structural keywords (properties, items, combiners, ...) are pinned by
Confluent's own diff examples in tests/compatibility/test_conformance.py.
"""

from __future__ import annotations

import json

import httpx
import pytest

from .helpers import register

DRAFTS = {
    "draft-07": "http://json-schema.org/draft-07/schema#",
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
}
# keyword -> (Confluent's prefix, the type it belongs to, whether a larger value loosens)
BOUNDS = {
    "maxLength": ("MAX_LENGTH", "string", True),
    "minLength": ("MIN_LENGTH", "string", False),
    "maximum": ("MAXIMUM", "number", True),
    "minimum": ("MINIMUM", "number", False),
    "exclusiveMaximum": ("EXCLUSIVE_MAXIMUM", "number", True),
    "exclusiveMinimum": ("EXCLUSIVE_MINIMUM", "number", False),
    "maxProperties": ("MAX_PROPERTIES", "object", True),
    "minProperties": ("MIN_PROPERTIES", "object", False),
    "maxItems": ("MAX_ITEMS", "array", True),
    "minItems": ("MIN_ITEMS", "array", False),
    "maxContains": ("MAX_CONTAINS", "array", True),
    "minContains": ("MIN_CONTAINS", "array", False),
}
# change -> (old value, new value); None is "keyword absent"
CHANGES = {
    "ADDED": (None, 3),
    "REMOVED": (3, None),
    "INCREASED": (3, 5),
    "DECREASED": (5, 3),
}


def _schema(draft: str, kind: str, keyword: str, value: int | None) -> str:
    doc: dict[str, object] = {"$schema": DRAFTS[draft], "type": kind}
    if kind == "array" and keyword.endswith("Contains"):
        doc["contains"] = {"type": "integer"}
    if value is not None:
        doc[keyword] = value
    return json.dumps(doc)


def _compatible(change: str, larger_loosens: bool) -> bool:
    if change == "REMOVED":
        return True
    if change == "ADDED":
        return False
    return (change == "INCREASED") == larger_loosens


@pytest.mark.parametrize("draft", sorted(DRAFTS))
@pytest.mark.parametrize("keyword", sorted(BOUNDS))
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_bound_change(sr: httpx.Client, draft: str, keyword: str, change: str) -> None:
    prefix, kind, larger_loosens = BOUNDS[keyword]
    old, new = CHANGES[change]
    register(sr, "s", _schema(draft, kind, keyword, old), schemaType="JSON")
    response = sr.post(
        "/compatibility/subjects/s/versions/latest",
        params={"verbose": "true"},
        json={"schema": _schema(draft, kind, keyword, new), "schemaType": "JSON"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    expected = _compatible(change, larger_loosens)
    assert body["is_compatible"] is expected, body
    if not expected:
        assert any(f"'{prefix}_{change}'" in m for m in body["messages"]), body["messages"]


# keyword, type, old value, new value, Confluent's difference, compatible
OTHERS = [
    ("pattern", "string", None, "^a", "PATTERN_ADDED", False),
    ("pattern", "string", "^a", None, "PATTERN_REMOVED", True),
    ("pattern", "string", "^a", "^b", "PATTERN_CHANGED", False),
    ("multipleOf", "number", None, 2, "MULTIPLE_OF_ADDED", False),
    ("multipleOf", "number", 2, None, "MULTIPLE_OF_REMOVED", True),
    ("multipleOf", "number", 4, 2, "MULTIPLE_OF_REDUCED", True),
    ("multipleOf", "number", 2, 4, "MULTIPLE_OF_EXPANDED", False),
    ("multipleOf", "number", 3, 2, "MULTIPLE_OF_CHANGED", False),
    ("uniqueItems", "array", None, True, "UNIQUE_ITEMS_ADDED", False),
    ("uniqueItems", "array", True, None, "UNIQUE_ITEMS_REMOVED", True),
]


@pytest.mark.parametrize("draft", sorted(DRAFTS))
@pytest.mark.parametrize(("keyword", "kind", "old", "new", "difference", "compatible"), OTHERS)
def test_other_keyword_changes(
    sr: httpx.Client,
    draft: str,
    keyword: str,
    kind: str,
    old: object,
    new: object,
    difference: str,
    compatible: bool,
) -> None:
    def schema(value: object) -> str:
        doc: dict[str, object] = {"$schema": DRAFTS[draft], "type": kind}
        if value is not None:
            doc[keyword] = value
        return json.dumps(doc)

    register(sr, "s", schema(old), schemaType="JSON")
    response = sr.post(
        "/compatibility/subjects/s/versions/latest",
        params={"verbose": "true"},
        json={"schema": schema(new), "schemaType": "JSON"},
    )
    body = response.json()
    assert body["is_compatible"] is compatible, body
    if not compatible:
        assert any(f"'{difference}'" in m for m in body["messages"]), body["messages"]
