"""The YAML composers give the same documents, locations and errors.

libyaml, the pure-Python composer and, for the plain shape of exported spec
files, ``_yaml_plain``. Every project written by the other tests is compared
too (see conftest.py); these are the cases where they are most likely to
differ: marks after a byte order mark or unusual line breaks, escapes hiding
a ``${VAR}``, error messages (libyaml words them differently: the pure-Python
composer reports them), the nesting and alias limits, and for the plain
composer every way a document can leave its shape (it must give up on each,
never compose it differently), also on generated documents.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import random
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.spec import Location, Project, SpecErrors, _yaml, load_project
from reconciler.spec._yaml_plain import _GiveUp, _Words, compose_plain

from .conftest import assert_composers_agree, documents, outcomes

EXAMPLES = Path(__file__).parents[2] / "examples"

TEXTS = {
    "plain": "a: 1\nb: [x, {c: d}]\n",
    "bom": "\ufeffa: ${X}\nb: c ${Y}\n",
    "bom-inside": "a: '\ufeff${X}'\nb: ${Y}\n",
    "crlf": "a: ${X}\r\nb:\r\n  - ${Y}\r\n",
    "unicode-breaks": "a: 'x\x85y'\nb: \"\u2028${X}\"\nc: ${Y}\n",
    "astral": "a: '😀😀 ${X}'\nb: 😀 ${Y}\n",
    "tabs": "a:\t${X}\nb: 'x\ty ${Y}'\n",
    "block-scalars": "a: |\n  x ${X}\n  y ${Y}\nb: >-\n  ${Z}\n  w\nc: |2\n    ${X}\n",
    "escapes": 'a: "\\u0024{X} ${Y}"\nb: "\\x24{Z}"\n',
    "multiline-flow": "a: [\n  ${X},\n  {b: ${Y}}\n]\n",
    "anchors": "a: &x {k: ${X}}\nb: *x\nc:\n  <<: *x\n  l: 2\n",
    "keys": "1: a\n? [x]\n: b\na: 1\na: 2\n",
    "types": "a: 2024-01-02\nb: 0x1f\nc: ~\nd: !!str 3\ne: .inf\n",
    "syntax-error": "a: b: c\n",
    "unclosed": "a: [1, 2\n",
    "tab-indent": "a:\n\t- b\n",
    "undefined-alias": "a: *nope\n",
    "duplicate-anchor": "a: &x 1\nb: &x 2\n",
    "two-documents": "a: 1\n---\nb: 2\n",
    "unknown-tag": "a: !!python/object 1\n",
    "empty": "",
    "comment-only": "# nothing\n",
    "long-line-shallow": "a: '" + "x" * 3_000 + "'\nb: " + "[" * 20 + "]" * 20 + "\n",
    "deep-flow": "a: " + "[" * 1_200 + "]" * 1_200 + "\n",
    "deep-block": "".join(" " * i + "- \n" for i in range(1_200)),
    # Within libyaml's limit, beyond Python's recursion limit once built.
    "nested-700": "a: " + "[" * 700 + "]" * 700 + "\n",
    "recursive-alias": "a: &x [*x]\n",
    "alias-bomb": "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
    + "".join(f"{n}: &{n} [{', '.join(['*' + chr(ord(n) - 1)] * 10)}]\n" for n in "bcdef"),
}


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_composers_agree(name: str, tmp_path: Path) -> None:
    (tmp_path / "doc.yaml").write_text(TEXTS[name], encoding="utf-8", newline="")
    assert_composers_agree(tmp_path)


@pytest.mark.skipif(_yaml.CSafeLoader is None, reason="PyYAML without libyaml")
@pytest.mark.parametrize("name", ["plain", "bom", "crlf", "block-scalars", "long-line-shallow"])
def test_libyaml_composes_ordinary_documents(name: str) -> None:
    """Otherwise the comparisons above would compare the pure-Python composer with itself."""
    assert _yaml._compose_fast(TEXTS[name]) is not None


@pytest.mark.parametrize(
    "name", ["syntax-error", "bom-inside", "tabs", "tab-indent", "deep-flow", "deep-block"]
)
def test_pure_python_composes_errors_and_the_unusual(name: str) -> None:
    assert _yaml._compose_fast(TEXTS[name]) is None


def test_examples_load_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    for root in sorted({path.parent for path in EXAMPLES.rglob("reconcile.yaml")}):
        monkeypatch.chdir(root)
        assert isinstance(outcomes(root, {}), Project)
        assert documents(root)
        assert_composers_agree(root)


def test_a_control_character_is_an_error_at_its_place(tmp_path: Path) -> None:
    (tmp_path / "reconcile.yaml").write_text("version: 1\nspecs: [specs/*.yaml]\n")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs/a.yaml").write_text("subjects:\n  a-value: {delete: s\x01oft}\n")
    with pytest.raises(SpecErrors) as caught:
        load_project(tmp_path)
    assert [str(e).split(": ", 1)[1] for e in caught.value.errors] == [
        "YAML syntax error: character 0x01 is not allowed in YAML"
    ]
    assert "a.yaml:2:22" in str(caught.value.errors[0])


# Documents of the plain shape: the plain composer composes them.
PLAIN = {
    "export": (
        "# Written by `reconcile export` from registry bench.\n"
        "registry: bench\ncontext: .\ncompatibility: BACKWARD\nsubjects:\n"
        "  money-value:\n    type: AVRO\n    schema: ../schemas/default/money-value.avsc\n"
        "  topic10-value:\n    schema: ../schemas/default/topic10-value.avsc\n"
        "    references:\n    - name: bench.Money\n      subject: money-value\n"
        "      version: 1\n    compatibility: FULL\n"
    ),
    "indented-sequence": "a:\n  - x\n  - y: 1\n    z: 2\n  -   w\nb: c\n",
    "comments-and-blanks": "# c\n\na: b # c\n  # inside\nc:   # c\n\n  d: e   \n   \n",
    "words": (
        "a: 1\nb: yes\nc: ~\nd: 2024-01-02\ne: .inf\nf: 0x1f\ng: 1_000\nh: -3\n"
        "i: +.5\nj: null\nk: .\nl: -x\nm: 2001-12-14\nn: a=b\n"
    ),
    "offset-root": "  a: b\n  c:\n   - d\n",
    "item-spacing": "a:\n-   b: c\n    d:\n    - e\n-  f\ng: h\n",
    "no-final-newline": "a:\n  b: c",
}

# Documents the plain composer gives up on (the YAML composers then decide).
NOT_PLAIN = {
    "empty-value": "a:\nb: c\n",
    "empty-at-end": "a: b\nc:\n",
    "null-item": "a:\n- \n- b\n",
    "bool-key": "yes: 1\n",
    "int-key": "1: a\n",
    "null-key": "~: a\n",
    "duplicate": "a: 1\nb: 2\na: 3\n",
    "quoted": "a: 'b'\n",
    "spaces": "a: b c\n",
    "value-tag": "a: =\n",
    "colon-in-word": "a: b:c\n",
    "continuation": "a: b\n  c\n",
    "over-indented": "a: b\n  c: d\n",
    "under-indented": "a:\n    b: c\n  d: e\n",
    "sequence-document": "- a\n- b\n",
    "document-start": "---\na: b\n",
    "document-end": "a: b\n...\n",
    "nested-item": "a:\n- - b\n",
    "non-ascii": "a: \u00e9\n",
    "tab-in-comment": "a: b # \tc\n",
    "long-key": "k" * 1_100 + ": v\n",
    "deep": "".join(" " * i + f"k{i}:\n" for i in range(150)) + " " * 150 + "v: w\n",
    "map-after-sequence": "a:\n  - b\n  c: d\n",
    "comment-without-space": "a: b#c\n",
    "space-before-colon": "a : b\n",
    "flow": "a: [b]\n",
    "anchor": "a: &x b\nc: *x\n",
    "merge": "a:\n  <<: b\n",
    "variable": "a: ${X}\n",
    "empty": "",
    "comment-only": "# nothing\n",
}


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_the_plain_composer_composes_the_plain_shape(name: str, tmp_path: Path) -> None:
    assert compose_plain(PLAIN[name]) is not None
    (tmp_path / "doc.yaml").write_text(PLAIN[name], encoding="utf-8", newline="")
    assert_composers_agree(tmp_path)


@pytest.mark.parametrize("name", sorted(NOT_PLAIN))
def test_the_plain_composer_gives_up_on_anything_else(name: str, tmp_path: Path) -> None:
    assert compose_plain(NOT_PLAIN[name]) is None
    (tmp_path / "doc.yaml").write_text(NOT_PLAIN[name], encoding="utf-8", newline="")
    assert_composers_agree(tmp_path)


WORDS = ["a", "b", "x.y", "../s/a-value.avsc", "1", "07", "yes", "~", "2024-01-02", "-x", ".5"]
KEYS = ["a", "b", "x.y", "c-d", "e_f", "g/h"]
ODD = ["", "=", "b c", "'q'", "b:c", "b #c", "[x]", "&a", "- x", "|", "b # c", ":"]


def _tree(rng: random.Random, depth: int, in_list: bool = False) -> Any:
    kind = rng.random()
    if depth > 3 or kind < 0.4:
        return rng.choice(WORDS)
    if kind < 0.75 or in_list:  # an item that is a sequence starts with "-" alone: not plain
        return {rng.choice(KEYS): _tree(rng, depth + 1) for _ in range(3)}
    return [_tree(rng, depth + 1, in_list=True) for _ in range(rng.randint(1, 3))]


def _render(rng: random.Random, node: Any, indent: int, lines: list[str]) -> None:
    """``node`` (a mapping or a sequence) in block style, with random spacing and comments."""
    step = rng.randint(1, 3)
    for key, value in node.items() if isinstance(node, dict) else enumerate(node):
        head = " " * indent + (f"{key}:" if isinstance(node, dict) else "-")
        if rng.random() < 0.1:
            lines.append(" " * rng.randint(0, 6) + rng.choice(["", "# c", "#"]))
        if isinstance(value, str):
            lines.append(f"{head}{' ' * rng.randint(1, 2)}{value}" + rng.choice(["", "  ", " # c"]))
        elif isinstance(node, list):  # a mapping starting on the item's line: "- key: ..."
            spaces = rng.randint(1, 3)
            inner: list[str] = []
            _render(rng, value, indent + 1 + spaces, inner)
            first = next(i for i, line in enumerate(inner) if line.lstrip(" ")[:1] not in "#")
            lines += inner[:first]
            lines.append(head + " " * spaces + inner[first].lstrip(" "))
            lines += inner[first + 1 :]
        else:
            lines.append(head)
            indentless = isinstance(value, list) and rng.random() < 0.5
            _render(rng, value, indent if indentless else indent + step, lines)


def _mutated(rng: random.Random, lines: list[str]) -> list[str]:
    lines = list(lines)
    at = rng.randrange(len(lines))
    change = rng.randrange(4)
    if change == 0:
        del lines[at]
    elif change == 1:
        lines.insert(at, lines[rng.randrange(len(lines))])
    elif change == 2:
        shift = rng.choice([-2, -1, 1, 2])
        lines[at] = " " * max(0, shift) + lines[at][max(0, -shift) :]
    else:
        lines[at] = lines[at].rstrip(" ") + rng.choice([" ", ""]) + rng.choice(ODD)
    return lines


def test_generated_documents_compose_the_same_or_are_left_to_the_composers(
    tmp_path: Path,
) -> None:
    """Block documents of random words, spacing and comments, a third of them mutated
    (a line dropped, repeated, shifted or given an odd word): every document composes
    to the same data, locations and errors whichever composer is in front."""
    rng = random.Random(17)
    composed = 0
    for number in range(300):
        lines: list[str] = []
        _render(rng, {"root": _tree(rng, 0), "k": _tree(rng, 1)}, 0, lines)
        if rng.random() < 0.35:
            lines = _mutated(rng, lines)
        text = "\n".join(lines) + "\n"
        composed += compose_plain(text) is not None
        (tmp_path / f"{number}.yaml").write_text(text, encoding="utf-8", newline="")
    assert 100 < composed < 300  # both paths are exercised
    assert_composers_agree(tmp_path)


def test_a_plain_document_of_any_size_is_composed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The node limit is on what aliases add (none here), not on the document's size."""
    monkeypatch.setattr(_yaml, "MAX_NODES", 5)
    (tmp_path / "doc.yaml").write_text("a: b\nc:\n  d: e\n")  # 6 nodes: 3 keys, 3 values
    assert compose_plain((tmp_path / "doc.yaml").read_text()) is not None
    assert_composers_agree(tmp_path)
    assert documents(tmp_path)[tmp_path / "doc.yaml"] == (
        ({"a": "b", "c": {"d": "e"}}, mock.ANY, mock.ANY),
        [],
    )


EXPORTED = {
    "reconcile.yaml": "version: 1\nregistries:\n  r:\n    url: http://r:1\n",
    "specs/a.yaml": "registry: r\ncompatibility: BACKWARD\nsubjects:\n  m-value:\n"
    "    versions:\n    - version: 1\n      schema: ../schemas/m.v1.avsc\n  a-value:\n"
    "    versions:\n    - version: 1\n      schema: ../schemas/a.v1.avsc\n      references:\n"
    "      - name: M\n        subject: m-value\n        version: 1\n",
    "schemas/m.v1.avsc": '{"type": "record", "name": "M", "fields": []}',
    "schemas/a.v1.avsc": '{"type": "record", "name": "A", "fields": [{"name": "m", "type": "M"}]}',
}


def test_a_load_whose_specs_are_not_kept_makes_their_locations_when_read(
    tmp_path: Path,
) -> None:
    """``cache_specs=False`` (export's check): a spec file of the plain shape is composed
    without its locations, made only when one is read; each then reads, compares and
    pickles as the location made at once."""
    for name, text in EXPORTED.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    eager = load_project(tmp_path)
    with mock.patch.object(_yaml, "_marks", wraps=_yaml._marks) as marks:
        later = load_project(tmp_path, cache_specs=False)
        assert marks.call_count == 0
        [spec] = later.specs
        version = spec.subjects["a-value"].versions[0]  # type: ignore[index]
        assert type(version.location) is not Location
        assert version.references[0].location == Location(spec.path, 13, 9)
        assert marks.call_count == 1  # once for the whole document
        assert str(version.location) == "specs/a.yaml:10:7"
        assert later == eager
        assert marks.call_count == 1
    copied = pickle.loads(pickle.dumps(later.specs))
    assert copied == eager.specs
    assert type(copied[0].subjects["a-value"].location) is Location


def test_a_location_made_when_read_is_a_frozen_location_without_attributes_of_its_own(
    tmp_path: Path,
) -> None:
    """Its file and root read without the document's locations; it is frozen, hashes,
    compares and copies as the ``Location`` made at once, and keeps nothing but where to
    look (no ``__dict__`` entries: two per version of an export's check)."""
    for name, text in EXPORTED.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    eager = load_project(tmp_path).specs[0].subjects["m-value"].location
    assert eager is not None
    with mock.patch.object(_yaml, "_marks", wraps=_yaml._marks) as marks:
        [spec] = load_project(tmp_path, cache_specs=False).specs
        location = spec.subjects["m-value"].location
        assert location is not None and type(location) is not Location
        assert (location.file, location.root, location.path) == (
            eager.file,
            eager.root,
            "specs/a.yaml",
        )
        assert marks.call_count == 0
        with pytest.raises(dataclasses.FrozenInstanceError):
            location.line = 1  # type: ignore[misc]
        assert vars(location) == {}
        assert (location.line, location.column) == (eager.line, eager.column) == (4, 3)
        assert marks.call_count == 1
    assert location == eager and hash(location) == hash(eager)
    assert vars(location) == {}
    for copied in (copy.copy(location), copy.deepcopy(location)):
        assert type(copied) is Location and copied == eager and copied.root == eager.root


def _resolved(word: str) -> tuple[type, str]:
    """What PyYAML's safe loader makes of ``word`` as a plain scalar (type and value)."""
    tag = yaml.resolver.Resolver().resolve(yaml.ScalarNode, word, (True, False))
    try:
        value = yaml.constructor.SafeConstructor().construct_object(yaml.ScalarNode(tag, word))
    except yaml.YAMLError:
        return (yaml.YAMLError, "")
    return (type(value), repr(value))  # repr: NaN is not equal to itself


def _words_value(word: str) -> tuple[type, str]:
    try:
        value = _Words()[word]
    except _GiveUp:
        return (yaml.YAMLError, "")
    return (type(value), repr(value))


TRICKY_WORDS = [
    "0", "00", "07", "010", "08", "1", "1_0", "+1", "-1", "1:20", "190:20:30", "0x1f", "0b1",
    "1.5", "1e3", "1.0e+3", ".inf", ".NaN", "2024-01-02", "2001-12-14t21:59:43.10-05:00",
    "yes", "No", "on", "OFF", "~", "null", "=", "<<", "123456789012345678",
    "1234567890123456789", "9" * 40, "a/b", "1/2", "./1", "../schemas/a.v1.avsc", "/", "x.y",
]  # fmt: skip


@pytest.mark.parametrize("word", TRICKY_WORDS)
def test_plain_words_take_the_values_pyyaml_gives_them(word: str) -> None:
    """Paths and decimal numbers skip PyYAML's resolver: the same values as through it."""
    assert _words_value(word) == _resolved(word)


@pytest.mark.parametrize("word", TRICKY_WORDS)
def test_a_plain_word_in_a_document_takes_the_value_pyyaml_gives_it(word: str) -> None:
    """The composer reads a path or a decimal value without ``_Words``: the same values
    (a word it does not scan, with a ":", is left to the YAML composers)."""
    for text in (f"k: {word}\n", f"k:\n- {word}\n"):
        composed = compose_plain(text, marks=False)
        if composed is not None:
            value = composed[0]["k"]
            value = value[0] if isinstance(value, list) else value
            assert (type(value), repr(value)) == _resolved(word)
        else:
            assert ":" in word or _resolved(word)[0] is yaml.YAMLError


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="0123456789_./+=~:-aeEfilnNoOsxyY<", min_size=1, max_size=12))
def test_any_plain_word_takes_the_value_pyyaml_gives_it(word: str) -> None:
    assert _words_value(word) == _resolved(word)
