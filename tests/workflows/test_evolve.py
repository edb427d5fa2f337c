"""Evolution advice against a local registry served over HTTP: every suggestion is applied.

Each scenario registers a history in a real registry, asks ``evolve`` for
advice on a proposal that breaks the subject's level, and then applies every
suggestion, step by step, to a copy of the subject in the same registry: the
registry's own compatibility check must accept each registration. A
suggestion that the advice did not check would fail here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from reconciler.compatibility import check, parse, rule
from reconciler.localregistry import serve_in_thread
from reconciler.registry import RegistryClient
from reconciler.workflows.evolve import Advice, EvolveError, evolve, new_subject_name

SUBJECT = "orders-value"


def avro(*fields: dict) -> str:
    return json.dumps(
        {"type": "record", "name": "Order", "namespace": "com.acme", "fields": list(fields)}
    )


ID = {"name": "id", "type": "string"}
NOTE = {"name": "note", "type": "string"}
AMOUNT = {"name": "amount", "type": "int"}


def closed_json(properties: dict, required: list[str]) -> str:
    return json.dumps(
        {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }
    )


def proto2(*fields: str) -> str:
    body = "".join(f"  {f}\n" for f in fields)
    return f'syntax = "proto2";\npackage acme;\nmessage Order {{\n{body}}}\n'


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_in_thread(tmp_path_factory.mktemp("evolve") / "registry.db") as base:
        yield base


async def _register_history(
    client: RegistryClient, subject: str, kind: str, history: list[str], level: str
) -> None:
    await client.set_config("NONE", subject)
    for text in history:
        await client.register(subject, text, kind)
    await client.set_config(level, subject)


async def _advise(
    url: str, subject: str, kind: str, history: list[str], level: str, proposal: str
) -> Advice:
    async with RegistryClient(url) as client:
        await _register_history(client, subject, kind, history, level)
        return await evolve(client, subject, kind, proposal, {})


async def _apply_each(
    url: str, advice: Advice, kind: str, history: list[str], level: str
) -> dict[str, list[str]]:
    """Apply every suggestion to its own copy of the subject; what each copy ends with."""
    ends: dict[str, list[str]] = {}
    async with RegistryClient(url) as client:
        for number, suggestion in enumerate(advice.suggestions):
            prefix = f"{advice.subject}-s{number}-"
            copy = prefix + advice.subject
            await _register_history(client, copy, kind, history, level)
            for step in suggestion.steps:
                target = copy if step.subject == advice.subject else prefix + step.subject
                if step.action == "set-level":
                    assert step.level is not None
                    await client.set_config(step.level, target)
                elif step.schema is not None:
                    # The registry checks compatibility: an unchecked suggestion fails here.
                    await client.register(target, step.schema, kind)
            final = [s for s in suggestion.steps if s.schema is not None]
            subject = final[-1].subject
            target = copy if subject == advice.subject else prefix + subject
            latest = await client.get_version(target, "latest")
            ends[suggestion.kind] = [latest.schema, await client.get_config(target) or ""]
    return ends


def advise_and_apply(
    url: str, subject: str, kind: str, history: list[str], level: str, proposal: str
) -> tuple[Advice, dict[str, list[str]]]:
    advice = asyncio.run(_advise(url, subject, kind, history, level, proposal))
    assert not advice.compatible
    return advice, asyncio.run(_apply_each(url, advice, kind, history, level))


def kinds(advice: Advice) -> list[str]:
    return [s.kind for s in advice.suggestions]


def same(kind: str, a: str, b: str) -> bool:
    return parse(kind, a).normalized == parse(kind, b).normalized


def answers(advice: Advice, kind: str, rule_id: str) -> None:
    """The suggestion of ``kind`` quotes the fix of the rule it answers from the rule
    catalogue, the wording every other door shows for that rule."""
    [suggestion] = [s for s in advice.suggestions if s.kind == kind]
    assert suggestion.rule == rule_id and rule_id in {
        b.rule for v in advice.verdicts for b in v.breaks
    }
    assert suggestion.fix == rule(rule_id).fix and suggestion.fix


def test_avro_required_field_added_under_backward(url: str) -> None:
    history = [avro(ID)]
    proposal = avro(ID, AMOUNT)
    advice, ends = advise_and_apply(url, "avro-add", "AVRO", history, "BACKWARD", proposal)
    assert kinds(advice) == ["add-default", "make-optional", "two-steps", "loosen-level"]
    by_kind = {s.kind: s for s in advice.suggestions}
    assert by_kind["add-default"].edits == ('com.acme.Order.amount: add "default": 0',)
    answers(advice, "add-default", "READER_FIELD_MISSING_DEFAULT_VALUE")
    answers(advice, "make-optional", "READER_FIELD_MISSING_DEFAULT_VALUE")
    assert by_kind["make-optional"].edits == (
        'com.acme.Order.amount: make it optional: "type": ["null", "int"], "default": null',
    )
    optional = json.loads(by_kind["make-optional"].steps[0].schema or "")
    assert optional["fields"][1] == {"name": "amount", "type": ["null", "int"], "default": None}
    # Two steps and a loosened level end with the proposal as written, at the original level.
    assert same("AVRO", ends["two-steps"][0], proposal)
    assert same("AVRO", ends["loosen-level"][0], proposal)
    assert ends["loosen-level"][1] == "BACKWARD"
    assert "cannot read records written with version 1" in (by_kind["loosen-level"].cost or "")


def test_avro_defaults_follow_the_field_type(url: str) -> None:
    """A valid default for each type: the registry validates them when registering."""
    money = {
        "type": "record",
        "name": "Money",
        "fields": [
            {"name": "cents", "type": "long"},
            {"name": "tags", "type": {"type": "array", "items": "string"}},
        ],
    }
    added = [
        {"name": "total", "type": money},
        {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "OLD"]}},
        {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 2}},
        {"name": "labels", "type": {"type": "map", "values": "int"}},
        {"name": "again", "type": "com.acme.Money"},
        {"name": "either", "type": ["string", "int"]},
    ]
    advice, _ends = advise_and_apply(
        url, "avro-types", "AVRO", [avro(ID)], "BACKWARD", avro(ID, *added)
    )
    edits = next(s for s in advice.suggestions if s.kind == "add-default").edits
    assert edits == (
        'com.acme.Order.total: add "default": {"cents": 0, "tags": []}',
        'com.acme.Order.status: add "default": "NEW"',
        'com.acme.Order.hash: add "default": "\\u0000\\u0000"',
        'com.acme.Order.labels: add "default": {}',
        'com.acme.Order.again: add "default": {"cents": 0, "tags": []}',
        'com.acme.Order.either: add "default": ""',
    )


def test_avro_field_removed_under_forward(url: str) -> None:
    history = [avro(ID, NOTE)]
    proposal = avro(ID)
    advice, ends = advise_and_apply(url, "avro-drop", "AVRO", history, "FORWARD", proposal)
    assert kinds(advice) == ["keep-field", "two-steps", "loosen-level"]
    by_kind = {s.kind: s for s in advice.suggestions}
    assert by_kind["keep-field"].edits == (
        'com.acme.Order.note: keep the field, with "default": ""',
    )
    answers(advice, "keep-field", "READER_FIELD_MISSING_DEFAULT_VALUE")
    # The intermediate is version 1 with a default on the field the proposal drops.
    two = by_kind["two-steps"]
    assert two.edits == ('com.acme.Order.note: add "default": ""',)
    assert "every consumer reads with the intermediate schema" in two.steps[1].description
    assert same("AVRO", ends["two-steps"][0], proposal)


def test_avro_type_change_offers_a_new_subject(url: str) -> None:
    """Nothing edits int into string under FULL_TRANSITIVE: loosen, or a new subject."""
    history = [avro(ID, AMOUNT), avro(ID, AMOUNT, {**NOTE, "default": ""})]
    proposal = avro(ID, {"name": "amount", "type": "string"})
    advice, ends = advise_and_apply(
        url, "avro-type-value", "AVRO", history, "FULL_TRANSITIVE", proposal
    )
    assert kinds(advice) == ["loosen-level", "new-subject"]
    fresh = advice.suggestions[1]
    assert fresh.steps[0].subject == "avro-type-v2-value"
    assert same("AVRO", ends["new-subject"][0], proposal)
    loosen = advice.suggestions[0]
    assert "every later version must be compatible with both" in (loosen.cost or "")
    # Each level's verdict names the registry's version numbers it breaks.
    verdicts = {v.level: v for v in advice.verdicts}
    assert verdicts["BACKWARD"].versions == [2]
    assert verdicts["FULL_TRANSITIVE"].versions == [1, 2]
    assert {b.rule for b in verdicts["BACKWARD"].breaks} == {"TYPE_MISMATCH"}


def test_loosening_picks_the_strongest_level_that_passes(url: str) -> None:
    """Only version 1 breaks: BACKWARD_TRANSITIVE loosens to BACKWARD, not NONE."""
    history = [avro(ID), avro(ID, {**AMOUNT, "default": 0})]
    proposal = avro(ID, AMOUNT)
    advice = asyncio.run(
        _advise(url, "avro-loosen", "AVRO", history, "BACKWARD_TRANSITIVE", proposal)
    )
    loosen = next(s for s in advice.suggestions if s.kind == "loosen-level")
    assert [s.level for s in loosen.steps if s.level] == ["BACKWARD", "BACKWARD_TRANSITIVE"]


def test_json_required_property_in_a_closed_model(url: str) -> None:
    history = [closed_json({"id": {"type": "string"}}, ["id"])]
    proposal = closed_json(
        {"id": {"type": "string"}, "amount": {"type": "integer"}}, ["id", "amount"]
    )
    advice, ends = advise_and_apply(url, "json-add", "JSON", history, "BACKWARD", proposal)
    assert kinds(advice) == ["add-default", "make-optional", "two-steps", "loosen-level"]
    by_kind = {s.kind: s for s in advice.suggestions}
    assert by_kind["add-default"].edits == ('#/properties/amount: add "default": 0',)
    answers(advice, "add-default", "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")
    answers(advice, "make-optional", "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")
    optional = json.loads(by_kind["make-optional"].steps[0].schema or "")
    assert optional["required"] == ["id"]
    assert same("JSON", ends["two-steps"][0], proposal)


def test_json_open_model_drops_edits_that_do_not_pass(url: str) -> None:
    """Making the property optional does not help in an open content model (Confluent
    refuses any property added to it): the check drops that edit."""
    history = [json.dumps({"type": "object", "properties": {"id": {"type": "string"}}})]
    proposal = json.dumps(
        {
            "type": "object",
            "properties": {"id": {"type": "string"}, "amount": {"type": "integer"}},
            "required": ["amount"],
        }
    )
    advice, _ends = advise_and_apply(url, "json-open", "JSON", history, "BACKWARD", proposal)
    assert kinds(advice) == ["loosen-level", "new-subject"]


def test_protobuf_required_field_made_optional(url: str) -> None:
    history = [proto2("required string id = 1;")]
    proposal = proto2("required string id = 1;", "required int32 amount = 2;")
    advice, ends = advise_and_apply(url, "proto-add", "PROTOBUF", history, "BACKWARD", proposal)
    assert kinds(advice) == ["make-optional", "two-steps", "loosen-level"]
    optional = advice.suggestions[0]
    assert optional.edits == (
        "acme.Order.amount = 2: make it optional (`optional`, not `required`)",
    )
    assert "optional int32 amount = 2;" in (optional.steps[0].schema or "")
    answers(advice, "make-optional", "REQUIRED_FIELD_ADDED")
    assert same("PROTOBUF", ends["two-steps"][0], proposal)


def test_compatible_proposal_has_no_suggestions(url: str) -> None:
    advice = asyncio.run(
        _advise(url, "fine", "AVRO", [avro(ID)], "BACKWARD", avro(ID, {**AMOUNT, "default": 1}))
    )
    assert advice.compatible and advice.suggestions == ()
    assert advice.to_json()["format_version"] == 1


def test_every_suggestion_passes_the_compatibility_check(url: str) -> None:
    """The same promise through the compatibility package: each step against what
    precedes it, under the level in force."""
    history = [avro(ID, NOTE)]
    proposal = avro(ID, AMOUNT)
    advice = asyncio.run(_advise(url, "avro-both", "AVRO", history, "FULL", proposal))
    assert advice.suggestions
    for suggestion in advice.suggestions:
        before, level = list(history), "FULL"
        for step in suggestion.steps:
            if step.action == "set-level":
                level = step.level or level
            elif step.schema is not None and step.subject == advice.subject:
                assert check("AVRO", step.schema, before, level).compatible, suggestion
                before.append(step.schema)


def test_history_of_another_type_is_an_error(url: str) -> None:
    with pytest.raises(EvolveError, match="is AVRO, not JSON"):
        asyncio.run(_mixed(url))


async def _mixed(url: str) -> Advice:
    async with RegistryClient(url) as client:
        await _register_history(client, "mixed", "AVRO", [avro(ID)], "BACKWARD")
        return await evolve(client, "mixed", "JSON", "{}", {})


def test_new_subject_names() -> None:
    assert new_subject_name("orders-value") == "orders-v2-value"
    assert new_subject_name("orders-key") == "orders-v2-key"
    assert new_subject_name("orders") == "orders-v2"
