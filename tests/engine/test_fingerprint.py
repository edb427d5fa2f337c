"""The live state's fingerprint: equal states agree, and every field a plan reads counts."""

from __future__ import annotations

import asyncio

import pytest

from reconciler.engine import ApplySession, Status, open_clients
from reconciler.engine import snapshot as snapshot_module
from reconciler.engine.plan import Plan
from reconciler.engine.planner import managed_subjects, specs_for
from reconciler.engine.snapshot import ContextState, LiveState, LiveVersion, snapshot
from reconciler.registry import Reference
from reconciler.spec import load_project

from .conftest import Workspace, avro_record

ORDER = '{"type": "record", "name": "Order", "fields": []}'


def state(*versions: LiveVersion, **settings: object) -> LiveState:
    ctx = ContextState(".", **settings)  # type: ignore[arg-type]
    for version in versions:
        ctx.versions.setdefault(version.subject, []).append(version)
    return LiveState("bench", contexts={".": ctx})


BASE = LiveVersion("order-value", 11, 7, "AVRO", ORDER)

CHANGES = {
    "subject": BASE._replace(subject="order-key"),
    "version": BASE._replace(version=12),
    "id": BASE._replace(id=8),
    "type": BASE._replace(schema_type="JSON"),
    "schema": BASE._replace(schema=ORDER + " "),
    "references": BASE._replace(references=(Reference("a.B", "b-value", 1),)),
    "metadata": BASE._replace(metadata={"properties": {"owner": "x"}}),
    "empty metadata": BASE._replace(metadata={}),
    "rule set": BASE._replace(rule_set={"domainRules": []}),
    # A character moved from one field to the next is another state.
    "digits between subject and version": LiveVersion("order-value1", 1, 7, "AVRO", ORDER),
}


@pytest.mark.parametrize("changed", CHANGES.values(), ids=CHANGES.keys())
def test_any_field_of_a_version_changes_the_fingerprint(changed: LiveVersion) -> None:
    assert state(BASE).fingerprint() == state(BASE).fingerprint()
    assert state(changed).fingerprint() != state(BASE).fingerprint()


def test_settings_and_extra_versions_change_the_fingerprint() -> None:
    base = state(BASE).fingerprint()
    assert state(BASE, mode="IMPORT").fingerprint() != base
    assert state(BASE, subject_mode={"order-value": "READONLY"}).fingerprint() != base
    assert state(BASE, BASE._replace(version=2, id=8)).fingerprint() != base


PINNED = "v2:c7cb59a933619cc7a8f6b95bd17fe2163d1015165647dd047786782f953e6105"


def pinned_state() -> LiveState:
    """A state with every kind of field a fingerprint covers, for the pinned value below."""
    default = ContextState(
        ".",
        compatibility="BACKWARD",
        subject_compatibility={"order-value": "FULL", "pay-value": None},
        subject_mode={"order-value": "READONLY"},
        soft_deleted={"order-value": [1]},
    )
    default.versions["order-value"] = [
        BASE._replace(version=2),
        BASE._replace(version=3, id=9, references=(Reference("a.B", "b-value", 1),)),
    ]
    default.versions["pay-value"] = [
        LiveVersion("pay-value", 1, 10, "JSON", '{"title": "Zahlung €"}', (), {"tags": {}}, None),
        LiveVersion("pay-value", 2, 11, "PROTOBUF", 'syntax = "proto3";', (), None, {"r": [1]}),
    ]
    named = ContextState(".team", mode="IMPORT")
    named.versions[":.team:x"] = [LiveVersion(":.team:x", 1, 1, "AVRO", '"string"')]
    return LiveState("bench", "BACKWARD", "READWRITE", "FULL", None, {".team": named, ".": default})


def test_the_fingerprint_of_a_fixed_state_is_pinned() -> None:
    """Saved plans carry it and apply compares it with a new one: a change of its bytes
    makes every saved plan stale (a new form must carry a new ``FINGERPRINT_FORM``).
    Pinned when the form became "v2:" (2026-12-06, session 8); the first form's
    value for this state was 2414b98e...7eafe."""
    assert pinned_state().fingerprint() == PINNED


def test_a_context_fed_its_versions_digest_as_worked_out_by_the_snapshot(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The snapshot hashes each context's versions a slice at a time while its settings
    reads run (``ContextState.hash_versions``); the fingerprint must be the one worked
    out from the state alone, whatever the slices."""
    monkeypatch.setattr(snapshot_module, "_SLICE", 2)  # many slices from a few versions
    for n in range(3):
        for version in range(3):
            field = f'{{"name": "f{version}", "type": "string", "default": ""}}'
            ws.registry.post(
                f"/subjects/s{n}-value/versions", {"schema": avro_record(f"S{n}", field)}
            )
    ws.registry.post(
        "/subjects/:.team:t-value/versions",
        {"schema": avro_record("T", '{"name": "x", "type": "int"}')},
    )
    ws.write("specs/main.yaml", "subjects:\n  s0-value: {compatibility: NONE}\n")
    ws.write("specs/team.yaml", "context: .team\nsubjects:\n  t-value: {}\n")
    project = load_project(ws.root)
    managed = managed_subjects(specs_for(project, "test"))

    async def go() -> LiveState:
        async with open_clients(project, ["test"]) as clients:
            return await snapshot(clients["test"], "test", managed)

    live = asyncio.run(go())
    assert [len(live.contexts[c].versions) for c in (".", ".team")] == [3, 1]
    hashed = live.fingerprint()
    for ctx in live.contexts.values():
        assert ctx._versions_digest is not None  # worked out by the snapshot
        ctx._versions_digest = None
    assert live.fingerprint() == hashed


def test_a_plan_saved_by_another_version_is_refused_as_such(ws: Workspace) -> None:
    """A saved plan whose fingerprints are of another form (the first form was a bare
    sha256) cannot say whether the registry changed: apply refuses it, naming the
    version, not a change of the registry."""
    ws.write("schemas/a.avsc", avro_record("A", '{"name": "a", "type": "string"}'))
    ws.write("specs/main.yaml", "subjects:\n  a-value: {schema: ../schemas/a.avsc}\n")
    project = load_project(ws.root)
    made = ws.plan()
    assert made.registries[0].fingerprint.startswith("v2:")

    def apply(fingerprint: str) -> str:
        saved = Plan.from_json(made.to_json())
        saved.registries[0].fingerprint = fingerprint

        async def go() -> tuple[Status, str]:
            async with open_clients(project, ["test"]) as clients:
                outcome = await ApplySession(
                    project, clients, ws.root / ".reconcile/journal", saved=saved
                ).run()
                return outcome.status, outcome.message

        status, message = asyncio.run(go())
        assert status is Status.STALE
        return message

    older = apply("0" * 64)
    assert "made by another version of reconcile" in older and "live state of" not in older
    moved = apply("v2:" + "0" * 64)
    assert "the live state of registry test changed" in moved
    assert "another version" not in moved
    assert ws.registry.writes() == []
