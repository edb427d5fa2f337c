"""A registration's checks and change list, remembered across plans (engine/checks.py).

A remembered answer is exactly the computed one: every input is in its key
(the property test draws its cases from small pools, so that two cases that
differ in one input only are common: a key without that input hands one
case the other's answer). A second plan of the same registrations parses
nothing and does not import deepdiff; a tampered or foreign file is ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reconciler.compatibility import LEVELS, InvalidSchemaError, parse
from reconciler.engine import PlanOptions, Register
from reconciler.engine import checks as checks_module
from reconciler.engine.checks import SchemaText, changes, ensure_parses, refused, verdict
from reconciler.engine.schemas import SchemaCache
from reconciler.spec._results import RESULTS_FILE

from .conftest import Workspace, avro_record

REMEMBER = PlanOptions(remember_results=True)

# --- the property: remembered == computed ------------------------------------------

_MONEY = [
    '{"type": "record", "name": "Money", "namespace": "bench", '
    '"fields": [{"name": "cents", "type": "int"}]}',
    '{"type": "record", "name": "Money", "namespace": "bench", '
    '"fields": [{"name": "cents", "type": "long"}]}',
    '{"type": "record", "name": "Money", "namespace": "bench", '
    '"fields": [{"name": "cents", "type": "string"}]}',
]
_PRICE = (
    '{"name": "price", "type": "bench.Money", "default": {"cents": 1}}'  # string cents: refused
)
_FIELDS = [
    '{"name": "id", "type": "string"}',
    '{"name": "id", "type": "int"}',
    '{"name": "id", "type": "long", "doc": "the id"}',
    '{"name": "note", "type": ["null", "string"], "default": null}',
    '{"name": "note", "type": "string"}',
    '{"name": "total", "type": "bench.Money"}',
    _PRICE,
    '{"name": "count", "type": "int", "default": "zero"}',  # a default a registry refuses
]
_UNPARSEABLE = '{"type": "record", "name": "Order", "fields": [{"name": "x", "type": "nope"}]}'
# Texts valid in both formats (and one in neither), so that the type alone tells cases apart.
_EITHER = ['{"type": "string"}', '{"type": "object"}', '{"type": "object", "required": ["id"]}']
_REFERENCE_SETS = [{}, *({"bench.Money": m} for m in _MONEY)]


@st.composite
def _schemas(draw: st.DrawFn) -> SchemaText:
    kind = draw(st.sampled_from(["AVRO"] * 5 + ["EITHER", "UNPARSEABLE"]))
    if kind == "EITHER":
        return SchemaText(
            draw(st.sampled_from(["AVRO", "JSON"])), draw(st.sampled_from(_EITHER)), {}
        )
    if kind == "UNPARSEABLE":
        return SchemaText("AVRO", _UNPARSEABLE, {})
    fields = draw(st.lists(st.sampled_from(_FIELDS), min_size=1, max_size=3, unique=True))
    names = [json.loads(f)["name"] for f in fields]
    if len(set(names)) < len(names):
        fields = fields[:1]
    text = avro_record("Order", *fields, namespace="bench")
    references = {"bench.Money": draw(st.sampled_from(_MONEY))} if "bench.Money" in text else {}
    return SchemaText("AVRO", text, references)


_LEVELS = st.sampled_from(LEVELS)
Case = tuple[str, SchemaText, list[tuple[int, SchemaText]]]


@st.composite
def _case(draw: st.DrawFn) -> Case:
    history = draw(st.lists(_schemas(), max_size=3))
    first = draw(st.integers(1, 2))
    numbers = [first + i + draw(st.integers(0, 1)) * i for i in range(len(history))]
    return draw(_LEVELS), draw(_schemas()), list(zip(numbers, history, strict=True))


def _other(draw: st.DrawFn, schema: SchemaText, what: str) -> SchemaText:
    if what == "type":
        return schema._replace(schema_type="JSON" if schema.schema_type == "AVRO" else "AVRO")
    if what == "references":
        others = [r for r in _REFERENCE_SETS if r != schema.references]
        return schema._replace(references=draw(st.sampled_from(others)))
    return draw(_schemas())


@st.composite
def _neighbours(draw: st.DrawFn) -> list[Case]:
    """A case, and cases that each differ from it in one input."""
    base = draw(_case())
    cases = [base]
    for _ in range(draw(st.integers(1, 6))):
        level, new, history = base
        what = draw(st.sampled_from(["level", "new", "history", "numbers"]))
        part = draw(st.sampled_from(["schema", "type", "references"]))
        if what == "level":
            level = draw(_LEVELS)
        elif what == "new":
            new = _other(draw, new, part)
        elif what == "numbers":
            history = [(number + 1, schema) for number, schema in history]
        elif history:
            index = draw(st.integers(0, len(history) - 1))
            number, schema = history[index]
            history = [
                *history[:index],
                (number, _other(draw, schema, part)),
                *history[index + 1 :],
            ]
        cases.append((level, new, history))
    return cases


def _answers(cache: SchemaCache, case: Case) -> object:
    """Everything a plan works out about a case's new version, as checks.py gives it."""
    level, new, history = case
    try:
        ensure_parses(cache, new)
    except InvalidSchemaError as exc:
        return ("invalid", str(exc))
    latest = changes(cache, history[-1][1], new) if history else ()
    return refused(cache, new), verdict(cache, level, new, history), latest


_PRICED = avro_record("Order", _PRICE, namespace="bench")


@settings(max_examples=200, deadline=None)
@given(_neighbours())
@example(  # a default refused under one of the references only
    [("BACKWARD", SchemaText("AVRO", _PRICED, {"bench.Money": money}), []) for money in _MONEY]
)
def test_a_remembered_answer_is_the_computed_one(cases: list[Case]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        with mock.patch.dict(os.environ, {"XDG_CACHE_HOME": str(root / "user-cache")}):
            computed = [_answers(SchemaCache(), case) for case in cases]
            first = SchemaCache(checks_module.results_cache(root))
            assert [_answers(first, case) for case in cases] == computed
            assert first.results is not None
            first.results.save()
            # A new plan: every answer is remembered, and nothing is parsed but the
            # schemas that do not parse (only successes are kept; a failure is parsed
            # again, for its message).
            second = SchemaCache(checks_module.results_cache(root))
            with mock.patch("reconciler.compatibility.parse", wraps=parse) as parsing:
                assert [_answers(second, case) for case in cases] == computed
            invalid = {
                case[1][:2] for case, a in zip(cases, computed, strict=True) if a[0] == "invalid"
            }
            assert {call.args[:2] for call in parsing.call_args_list} <= invalid


# --- plans ----------------------------------------------------------------------------


def _spec(ws: Workspace, *fields: str, compatibility: str = "BACKWARD") -> None:
    ws.write("schemas/order.avsc", avro_record("Order", *fields))
    ws.write(
        "specs/app.yaml",
        f"""
        registry: test
        subjects:
          order-value:
            schema: ../schemas/order.avsc
            compatibility: {compatibility}
        """,
    )


ID = '{"name": "id", "type": "string"}'
TAGS = '{"name": "tags", "type": {"type": "array", "items": "string"}, "default": []}'
NOTE = '{"name": "note", "type": ["null", "string"], "default": null}'
COUNT = '{"name": "count", "type": "int"}'  # no default: not BACKWARD compatible


def _registration(plan: object) -> Register:
    (action,) = [a for a in plan.actions if isinstance(a, Register)]  # type: ignore[attr-defined]
    return action


@pytest.fixture
def registered(ws: Workspace, user_cache: Path) -> Workspace:
    """A subject with two versions in the registry, and a spec that adds a field."""
    _spec(ws, ID)
    ws.apply()
    _spec(ws, ID, TAGS)
    ws.apply()
    _spec(ws, ID, TAGS, NOTE)
    return ws


def test_a_second_plan_finds_the_checks_and_changes_and_parses_nothing(
    registered: Workspace,
) -> None:
    first = registered.plan(REMEMBER)
    assert (registered.root / RESULTS_FILE).is_file()
    with mock.patch("reconciler.compatibility.parse", side_effect=AssertionError):
        second = registered.plan(REMEMBER)
    assert second.to_json() == first.to_json() == registered.plan().to_json()
    registration = _registration(second).registration
    assert registration.verdict is not None and registration.verdict.compatible
    assert [str(c) for c in registration.changes] == [
        '+ field com.acme.Order.note {"default": null, "type": ["null", "string"]}'
    ]
    assert registration.verdict.checked_versions == (2,)


def test_a_plan_without_the_option_keeps_nothing(registered: Workspace) -> None:
    registered.plan()
    assert not (registered.root / RESULTS_FILE).exists()


def test_a_remembered_verdict_is_under_its_level(registered: Workspace) -> None:
    """FORWARD: the new version with a field added without a default is compatible
    (old readers ignore it), BACKWARD it is not; the level is in the key."""
    _spec(registered, ID, TAGS, COUNT)
    assert not _registration(registered.plan(REMEMBER)).registration.verdict.compatible
    _spec(registered, ID, TAGS, COUNT, compatibility="FORWARD")
    forward = _registration(registered.plan(REMEMBER)).registration.verdict
    assert forward is not None and forward.compatible and forward.level == "FORWARD"


def _tamper(root: Path) -> None:
    """Every remembered verdict says incompatible, the file's MAC left as it was."""
    path = root / RESULTS_FILE
    mac, body = path.read_bytes().split(b"\n", 1)
    doc = json.loads(body)
    for key, value in doc["entries"].items():
        if isinstance(value, list) and len(value) == 3 and value[0] is True:
            doc["entries"][key] = [False, value[1], ["forged"]]
    path.write_bytes(mac + b"\n" + json.dumps(doc).encode())


def test_a_tampered_file_is_ignored_and_written_anew(registered: Workspace) -> None:
    registered.plan(REMEMBER)
    _tamper(registered.root)
    assert _registration(registered.plan(REMEMBER)).registration.verdict.compatible
    assert _registration(registered.plan(REMEMBER)).registration.verdict.compatible


def test_a_file_signed_with_another_key_is_ignored(
    registered: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file made elsewhere (a checkout, another user) is someone else's key: a forged
    verdict in it is not taken."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "attacker"))
    registered.plan(REMEMBER)
    path = registered.root / RESULTS_FILE
    _tamper(registered.root)  # and signed again with the attacker's key:
    key = (tmp_path / "attacker" / "reconciler" / "cache.key").read_bytes()
    _, body = path.read_bytes().split(b"\n", 1)
    path.write_bytes(hmac.new(key, body, hashlib.sha256).hexdigest().encode() + b"\n" + body)
    # under that key the forged verdict is taken (so the file is read at all) ...
    assert not _registration(registered.plan(REMEMBER)).registration.verdict.compatible
    # ... under the user's, not
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    assert _registration(registered.plan(REMEMBER)).registration.verdict.compatible


def test_a_second_cli_plan_does_not_import_deepdiff(registered: Workspace) -> None:
    """Its change lists are remembered: deepdiff (and pydantic with it, ~0.08 s) stays
    out of the process."""
    script = (
        "import sys, reconciler.cli as cli\n"
        "try:\n"
        f"    cli.main(['plan', {str(registered.root)!r}], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'deepdiff', 'avro'}))\n"
    )
    run = [sys.executable, "-c", script]
    first = subprocess.run(run, capture_output=True, text=True, check=True, timeout=120)
    assert "com.acme.Order.note" in first.stdout
    second = subprocess.run(run, capture_output=True, text=True, check=True, timeout=120)
    assert second.stdout.splitlines()[-1] == "[]"
    assert first.stdout.splitlines()[:-1] == second.stdout.splitlines()[:-1]
