"""The live state's fingerprint: equal states agree, and every field a plan reads counts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconciler.engine.snapshot import ContextState, LiveState, LiveVersion
from reconciler.registry import Reference

ORDER = '{"type": "record", "name": "Order", "fields": []}'


def state(*versions: LiveVersion, **settings: object) -> LiveState:
    ctx = ContextState(".", **settings)  # type: ignore[arg-type]
    for version in versions:
        ctx.versions.setdefault(version.subject, []).append(version)
    return LiveState("bench", contexts={".": ctx})


BASE = LiveVersion("order-value", 11, 7, "AVRO", ORDER)

CHANGES = {
    "subject": replace(BASE, subject="order-key"),
    "version": replace(BASE, version=12),
    "id": replace(BASE, id=8),
    "type": replace(BASE, schema_type="JSON"),
    "schema": replace(BASE, schema=ORDER + " "),
    "references": replace(BASE, references=(Reference("a.B", "b-value", 1),)),
    "metadata": replace(BASE, metadata={"properties": {"owner": "x"}}),
    "empty metadata": replace(BASE, metadata={}),
    "rule set": replace(BASE, rule_set={"domainRules": []}),
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
    assert state(BASE, replace(BASE, version=2, id=8)).fingerprint() != base


PINNED = "2414b98ef301ddf1c8329222d13c16958fc68d812496b6648d91d9fe9cb7eafe"


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
        replace(BASE, version=2),
        replace(BASE, version=3, id=9, references=(Reference("a.B", "b-value", 1),)),
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
    makes every saved plan stale. Pinned from the main of 2026-12-06 (43f22e1)."""
    assert pinned_state().fingerprint() == PINNED
