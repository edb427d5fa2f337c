"""libyaml and the pure-Python composer give the same documents, locations and errors.

Every project written by the other tests is compared too (see conftest.py);
these are the cases where the two are most likely to differ: marks after a
byte order mark or unusual line breaks, escapes hiding a ``${VAR}``, error
messages (libyaml words them differently: the pure-Python composer reports
them), and the nesting and alias limits.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.spec import Project, SpecErrors, _yaml, load_project

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
