"""Export's YAML writer: its own block writer, else libyaml's emitter, for speed; byte for
byte what PyYAML's writes."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.spec.model import ContextSpec, ReferenceSpec, SubjectSpec, VersionSpec
from reconciler.workflows import export_yaml
from reconciler.workflows.export import dump_yaml, spec_document


def pure_python(doc: Any) -> str:
    """What export wrote before libyaml: PyYAML's own emitter."""
    return yaml.dump(doc, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True, width=100)


def bench_spec(subjects: int, contracts: bool = True) -> ContextSpec:
    """The spec bench/plan_scale.py exports (with history), with contracts beside."""
    money = (ReferenceSpec("bench.Money", "money-value", 1),)
    specs = {}
    for n in range(subjects):
        schema = json.dumps({"type": "record", "name": f"Rec{n}", "fields": []})
        versions = tuple(
            VersionSpec(
                version=v,
                schema=schema,
                id=n * 5 + v,
                references=money if n % 10 == 0 else (),
                metadata={"properties": {"owner": f"team-{n % 7}", "note": "é ü 中文 ok"}}
                if v == 1 and contracts
                else None,
                rule_set={"domainRules": [{"name": "r", "expr": "message.id != '' " * 12}]}
                if n % 3 == 0 and contracts
                else None,
            )
            for v in range(1, 6)
        )
        name = f"topic{n}-value"
        specs[name] = SubjectSpec(
            name, versions=versions, compatibility="FULL" if n % 5 == 0 else None
        )
    return ContextSpec(path=Path("specs/default.yaml"), registries=("bench",), subjects=specs)


def test_a_large_export_is_written_by_libyaml_byte_for_byte_as_pyyaml_writes_it() -> None:
    doc = spec_document(bench_spec(300), {})
    assert not export_yaml.has_escaped_string(doc)  # the fast emitter writes it
    assert dump_yaml(doc) == pure_python(doc)


ALPHABETS = {
    "plain": string.ascii_letters + "    .,;-_()&|=<>!'\"",
    "punctuation": string.ascii_letters + string.punctuation + "   éü中\xa0",
    "line breaks": string.ascii_letters + "  \n:#'\"é",
    "anything": string.printable + "éü中🎉\xa0\u2028\x85\ufeff\x7f",
}


@pytest.mark.parametrize("alphabet", ALPHABETS.values(), ids=ALPHABETS.keys())
def test_any_string_is_written_as_pyyaml_writes_it(alphabet: str) -> None:
    """Strings libyaml escapes or folds differently send the document to PyYAML's emitter."""
    draw = random.Random(17)
    for _ in range(300):
        text = "".join(draw.choice(alphabet) for _ in range(draw.randint(0, 300)))
        doc = {
            "subjects": {
                text[: draw.choice((1, 20, 99, 100, 122, 123, 128, 129, 300))]: {
                    "metadata": {"properties": {"note": text}},
                    "rule_set": {"domainRules": [{"name": "r", "expr": text}]},
                }
            }
        }
        assert dump_yaml(doc) == pure_python(doc), repr(text)


def test_a_spec_of_names_numbers_and_paths_is_written_line_by_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc = spec_document(bench_spec(300, contracts=False), {})
    expected = pure_python(doc)

    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("PyYAML wrote it")

    monkeypatch.setattr(export_yaml.yaml, "dump", refuse)
    assert dump_yaml(doc) == expected


# Strings near the edge of what PyYAML writes plain: other types' spellings, indicators,
# document markers, spaces, quotes, non-ASCII.
EDGES = [
    "true", "Yes", "off", "y", "n", "null", "Null", "~", "1", "-1", "+1", "0x1F", "0o17", "0b10",
    "1_000", "1:20", "1.5", ".5", "1e3", "1.0e+3", ".inf", "-.inf", ".NaN", "2024-01-01",
    "2001-12-14t21:59:43.10-05:00", "<<", "=", "...", "....a", "---", "-", "..", "a b", "a: b",
    "a #b", "a#b", "#a", "'a'", '"a"', "a'", "-a", "?a", ":a", "a:", "@a", "`a", "!a", "&a",
    "*a", "%a", "|a", ">a", "[a", "a]", "{a", "a,b", "é", "中文", "a\tb", "a\nb", " a", "a ", "",
    "x" * 99, "x" * 100, "x" * 130,
]  # fmt: skip
# Mostly what an export writes (names, paths, numbers), often another type's spelling.
NAMES = st.from_regex(r"[A-Za-z0-9_./=+-]{1,12}", fullmatch=True)
SCALARS = NAMES | st.integers(min_value=-(2**70), max_value=2**70) | st.booleans() | st.none()
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(NAMES, children, max_size=3),
    max_leaves=12,
)


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(NAMES, DOCUMENTS, min_size=1, max_size=3))
def test_any_document_is_written_as_pyyaml_writes_it(doc: dict[str, Any]) -> None:
    assert dump_yaml(doc) == pure_python(doc)


@pytest.mark.parametrize("edge", EDGES)
def test_a_string_at_the_edge_is_written_as_pyyaml_writes_it(edge: str) -> None:
    for doc in (
        {"subjects": {"a-value": {"versions": [{"version": 1, "schema": edge}, {"id": 2}]}}},
        {"subjects": {edge: {"type": "AVRO"}}, "mode": None},
        {"a": [edge, [1], {}], "b": {"c": []}},
    ):
        assert dump_yaml(doc) == pure_python(doc)


FOLDERS = ["../schemas/default/", "../schemas/x.y-z/", "../schemas/a b/", "../" + "f" * 90 + "/"]


@settings(max_examples=600, deadline=None)
@given(
    st.sampled_from(FOLDERS),
    st.from_regex(r"[A-Za-z0-9_.-]{1,90}(\.avsc|\.json|\.proto|\.txt)", fullmatch=True)
    | st.sampled_from(EDGES)
    | st.text(max_size=20),
)
def test_a_path_is_written_plain_where_its_whole_text_would_be(folder: str, name: str) -> None:
    """``plain_under`` checks the folder once and then only the name: as ``plain`` of the
    whole path does (which PyYAML's resolver and the tests above vouch for)."""

    def written(plain: Any, *args: str) -> str | None:
        try:
            return plain(*args)
        except export_yaml.Declined:
            return None

    block = export_yaml.Block()
    expected = written(export_yaml.Block().plain, folder + name)
    assert written(block.plain_under, folder, name) == expected
    assert written(block.plain_under, folder, name) == expected  # the folder known
