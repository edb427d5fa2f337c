"""A plan compares twice when the diff needs settings the snapshot had not read.

The first comparison leaves out the compatibility checks and change lists of the
registrations once it knows it will be made again (``Comparison.provisional``);
the plan keeps the first only when it needs no read, and that one is whole.
"""

from __future__ import annotations

import json

from reconciler.engine import Register

from .conftest import Workspace, avro_record

ID = '{"name": "id", "type": "string"}'
NOTE = '{"name": "note", "type": ["null", "string"], "default": null}'
AMOUNT = '{"name": "amount", "type": "int"}'


def _subject(ws: Workspace, *fields: str, compatibility: str = "") -> None:
    ws.write("schemas/s.avsc", avro_record("Order", *fields))
    level = f", compatibility: {compatibility}" if compatibility else ""
    ws.write("specs/main.yaml", f"subjects:\n  s-value: {{schema: ../schemas/s.avsc{level}}}\n")


def _paths(ws: Workspace) -> list[str]:
    return [json.loads(line)["path"] for line in ws.registry.request_log.read_text().splitlines()]


def _registration(ws: Workspace) -> Register:
    plan = ws.plan()
    (action,) = plan.actions
    assert isinstance(action, Register)
    return action


def test_a_plan_compared_once_checks_and_lists_its_registrations(ws: Workspace) -> None:
    _subject(ws, ID, compatibility="BACKWARD")
    ws.apply()
    _subject(ws, ID, NOTE, compatibility="BACKWARD")
    ws.registry.request_log.write_text("")
    registration = _registration(ws).registration
    assert _paths(ws).count("/config/s-value") == 1  # read by the snapshot: no second compare
    assert registration.verdict is not None
    assert (registration.verdict.level, registration.verdict.checked_versions) == ("BACKWARD", (1,))
    assert [(c.kind, c.path) for c in registration.changes] == [
        ("field_added", "com.acme.Order.note")
    ]


def test_a_plan_compared_again_checks_under_the_level_it_read(ws: Workspace) -> None:
    _subject(ws, ID)
    ws.apply()
    assert ws.registry.put("/config/s-value", {"compatibility": "FULL"}).is_success
    _subject(ws, ID, NOTE)
    ws.registry.request_log.write_text("")
    registration = _registration(ws).registration
    assert _paths(ws).count("/config/s-value") == 1  # read after the first compare
    assert registration.verdict is not None
    assert (registration.verdict.level, registration.verdict.compatible) == ("FULL", True)
    assert [c.kind for c in registration.changes] == ["field_added"]
    _subject(ws, ID, NOTE, AMOUNT)  # a field without a default: not FULL compatible
    (problem,) = ws.plan().errors
    assert "not FULL compatible with version 1" in problem.message
