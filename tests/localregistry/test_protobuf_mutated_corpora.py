"""Every schema of the conformance corpora, mutated in its layout, registers as itself.

Issue 12, item 1: a tab-indented Protobuf schema was stored corrupted. Here
each schema of ../shared/conformance (Avro, JSON Schema, Protobuf) is
registered over HTTP as written, then mutated (tabs, CRLF, blank lines,
comments for Protobuf, key order for the JSON formats) and registered again
under another subject. The mutated one must read back as text that parses to
the same normalized form, get the ID Confluent would give it and, with that
ID, read back byte for byte as the unmutated one does. Confluent
gives one ID to one canonical form (``MD5`` of ``canonicalString()``):

- Protobuf: ``ProtobufSchemaUtils.toString`` prints Wire's parse tree, which
  holds no whitespace and no comments: layout and comments keep the ID.
- Avro: Avro Java's ``Schema.toString`` writes reserved attributes in its own
  order, without whitespace: layout and the order of those keys keep the ID
  (other properties keep their relative order in Java, and so here).
- JSON Schema: Jackson writes the parsed tree back keeping key order: layout
  keeps the ID, a new key order gives a new ID.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.compatibility import parse
from reconciler.localregistry import serve_in_thread


@dataclass(frozen=True)
class Case:
    kind: str  # AVRO | JSON | PROTOBUF
    text: str
    dependencies: tuple[tuple[str, str], ...] = field(default=())  # Protobuf imports


def _protobuf_cases(folder: Path) -> Iterator[Case]:
    for name in ("diff-schema-examples.json", "diff-schema-examples-with-meta.json"):
        for case in json.loads((folder / name).read_text()):
            for side in ("original", "update"):
                text = case[f"{side}_schema"]
                if text.endswith(".proto") and "\n" not in text:
                    text = (folder / "proto" / text).read_text()
                deps = tuple(
                    (d["name"], d["dependency"])
                    for d in case.get(f"{side}_dependencies", ())
                    if "dependency" in d  # without text: files the registry ships
                )
                yield Case("PROTOBUF", text, deps)


def _corpora() -> list[Case]:
    if CONFLUENT is None:
        return []
    cases: list[Case] = []
    avro = json.loads((CONFLUENT / "avro" / "avro-compat-cases.json").read_text())
    cases += [Case("AVRO", json.dumps(s)) for s in avro["schemas"].values()]
    for name in ("diff-schema-examples.json", "diff-combined-schema-examples.json"):
        for case in json.loads((CONFLUENT / "json-schema" / name).read_text()):
            cases += [Case("JSON", json.dumps(case[f"{s}_schema"])) for s in ("original", "update")]
    cases += _protobuf_cases(CONFLUENT / "protobuf")
    return list(dict.fromkeys(cases))


def _find_conformance() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "conformance" / "confluent"
        if candidate.is_dir():
            return candidate
    return None


CONFLUENT = _find_conformance()
CASES = _corpora()

# --- mutations ----------------------------------------------------------------

SPACES = ("\t", " \t", "\t\t", "  ", "\t ")


def _mutate_protobuf(text: str, rnd: random.Random, kinds: frozenset[str]) -> str:
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        if "blank" in kinds and rnd.random() < 0.3:
            out.append(rnd.choice(("", "  ", "\t")))
        if "comments" in kinds and rnd.random() < 0.2:
            out.append(rnd.choice(("// a comment", "/* a comment */", "\t// x")))
        if "tabs" in kinds:
            indent = len(line) - len(line.lstrip(" "))
            body = line[indent:]
            if '"' not in body and "'" not in body:  # no whitespace inside literals
                body = re.sub(r" +", lambda _: rnd.choice(SPACES), body)
            line = "\t" * (indent // 2) + (" " if indent % 2 else "") + body
        if "comments" in kinds and line.strip() and rnd.random() < 0.3:
            if "/*" not in text and rnd.random() < 0.5:
                line = "/* c */" + rnd.choice(("", " ", "\t")) + line
            else:
                line += rnd.choice((" // c", "\t// é ü c", "// c"))
        out.append(line)
    mutated = "\n".join(out)
    return mutated.replace("\n", "\r\n") if "crlf" in kinds else mutated


AVRO_RESERVED = {
    "type", "name", "namespace", "fields", "items", "values", "symbols", "size", "doc",
    "aliases", "default", "order",
}  # fmt: skip


def _shuffle(doc: Any, rnd: random.Random, keep_order_of: set[str] | None) -> Any:
    """``doc`` with keys reordered; those outside ``keep_order_of`` keep their relative order."""
    if isinstance(doc, list):
        return [_shuffle(item, rnd, keep_order_of) for item in doc]
    if not isinstance(doc, dict):
        return doc
    keys = list(doc)
    rnd.shuffle(keys)
    if keep_order_of is not None:
        others = iter([k for k in doc if k not in keep_order_of])
        keys = [k if k in keep_order_of else next(others) for k in keys]
    return {k: _shuffle(doc[k], rnd, keep_order_of) for k in keys}


def _mutate_json(case: Case, rnd: random.Random, kinds: frozenset[str]) -> str:
    doc = json.loads(case.text)
    if "keys" in kinds:
        doc = _shuffle(doc, rnd, AVRO_RESERVED if case.kind == "AVRO" else None)
    indent = rnd.choice((None, 1, 2, "\t", "\t\t")) if "tabs" in kinds or "blank" in kinds else 2
    text = json.dumps(doc, indent=indent, separators=(", ", ": ") if indent is None else None)
    if "blank" in kinds:
        text = re.sub(r"\n", lambda _: rnd.choice(("\n", "\n\n", "\n \t\n")), text)
    return text.replace("\n", "\r\n") if "crlf" in kinds else text


def mutate(case: Case, rnd: random.Random, kinds: frozenset[str]) -> str:
    if case.kind == "PROTOBUF":
        return _mutate_protobuf(case.text, rnd, kinds)
    return _mutate_json(case, rnd, kinds)


def _same_id_expected(case: Case, mutated: str) -> bool:
    if case.kind != "JSON":
        return True
    return _compact(mutated) == _compact(case.text)


def _compact(text: str) -> str:
    return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)


# --- the registry ---------------------------------------------------------------


class Registry:
    """One registry for the whole module; each case's unmutated ID is registered once."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.baseline: dict[Case, int] = {}
        self.baseline_text: dict[Case, str] = {}
        self.count = 0

    def _references(self, case: Case) -> list[dict[str, object]]:
        refs = []
        for name, text in case.dependencies:
            subject = "dep-" + hashlib.sha256(text.encode()).hexdigest()[:16]
            body = {"schema": text, "schemaType": "PROTOBUF"}
            response = self.client.post(f"/subjects/{subject}/versions", json=body)
            assert response.status_code == 200, response.text
            refs.append({"name": name, "subject": subject, "version": 1})
        return refs

    def register(self, case: Case, text: str) -> int:
        self.count += 1
        body: dict[str, object] = {"schema": text, "schemaType": case.kind}
        if case.dependencies:
            body["references"] = self._references(case)
        response = self.client.post(f"/subjects/s{self.count}/versions", json=body)
        assert response.status_code == 200, (response.text, text)
        return int(response.json()["id"])

    def check(self, case: Case, mutated: str) -> None:
        if case not in self.baseline:
            self.baseline[case] = self.register(case, case.text)
            read = self.client.get(f"/schemas/ids/{self.baseline[case]}/schema")
            self.baseline_text[case] = read.text
        schema_id = self.register(case, mutated)
        expected = parse(case.kind, case.text, dict(case.dependencies)).normalized
        stored = self.client.get(f"/schemas/ids/{schema_id}/schema").text
        assert parse(case.kind, stored, dict(case.dependencies)).normalized == expected, stored
        same = schema_id == self.baseline[case]
        assert same is _same_id_expected(case, mutated), (case.text, mutated)
        if same:  # Confluent's text holds no layout: byte for byte the unmutated one's
            assert stored == self.baseline_text[case], (case.text, mutated)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    if not CASES:
        pytest.skip("../shared/conformance/confluent (Confluent's conformance data) is absent")
    with (
        serve_in_thread(tmp_path_factory.mktemp("corpora") / "registry.db") as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        yield Registry(client)


KINDS = ("tabs", "crlf", "blank", "comments", "keys")


def test_every_schema_with_every_mutation(registry: Registry) -> None:
    """Each schema of the corpora once, with all mutations at once (seeded)."""
    for index, case in enumerate(CASES):
        registry.check(case, mutate(case, random.Random(index), frozenset(KINDS)))
    assert {c.kind for c in CASES} == {"AVRO", "JSON", "PROTOBUF"}


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    index=st.integers(0, max(len(CASES) - 1, 0)),
    kinds=st.frozensets(st.sampled_from(KINDS), min_size=1),
    rnd=st.randoms(use_true_random=False),
)
def test_random_mutations(registry: Registry, index: int, kinds: frozenset[str], rnd: Any) -> None:
    case = CASES[index]
    registry.check(case, mutate(case, rnd, kinds))
