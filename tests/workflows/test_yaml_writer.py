"""Export's YAML writer: libyaml's emitter for speed, byte for byte what PyYAML's writes."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.spec.model import ContextSpec, ReferenceSpec, SubjectSpec, VersionSpec
from reconciler.workflows import export
from reconciler.workflows.export import dump_yaml, spec_document


def pure_python(doc: Any) -> str:
    """What export wrote before libyaml: PyYAML's own emitter."""
    return yaml.dump(doc, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True, width=100)


def bench_spec(subjects: int) -> ContextSpec:
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
                if v == 1
                else None,
                rule_set={"domainRules": [{"name": "r", "expr": "message.id != '' " * 12}]}
                if n % 3 == 0
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
    assert not export._has_escaped_string(doc)  # the fast emitter writes it
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
