"""A plan compares twice when the diff needs settings the snapshot had not read.

The first comparison leaves out the compatibility checks and change lists of the
registrations once it knows it will be made again (``Comparison.provisional``);
the plan keeps the first only when it needs no read, and that one is whole.
"""

from __future__ import annotations

import json

import pytest

import reconciler.engine.planner as planner
from reconciler.engine import Register
from reconciler.engine.comparison import Comparison
from reconciler.engine.diff import Diff

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
    # read once, while the snapshot reads: the latest version is not the spec's
    assert _paths(ws).count("/config/s-value") == 1
    assert registration.verdict is not None
    assert (registration.verdict.level, registration.verdict.compatible) == ("FULL", True)
    assert [c.kind for c in registration.changes] == ["field_added"]
    _subject(ws, ID, NOTE, AMOUNT)  # a field without a default: not FULL compatible
    (problem,) = ws.plan().errors
    assert "not FULL compatible with version 1" in problem.message


ADDRESS = '{"name": "street", "type": "string"}'
CITY = '{"name": "city", "type": ["null", "string"], "default": null}'


def _project(
    ws: Workspace, address: tuple[str, ...], other: tuple[str, ...], d: tuple[str, ...]
) -> None:
    """Subjects unchanged, changed, referring to a changed one, and one name in two contexts."""
    ws.write("schemas/address.avsc", avro_record("Address", *address))
    # As the registry returns it: the same document, whose references alone change.
    ws.write(
        "schemas/customer.avsc", avro_record("Customer", '{"name": "home", "type": "Address"}')
    )
    ws.write("schemas/s.avsc", avro_record("Order", ID))
    ws.write("schemas/other-s.avsc", avro_record("Order", *other))
    ws.write("schemas/d.avsc", avro_record("Order", *d))
    ws.write(
        "specs/main.yaml",
        """
        subjects:
          customer-value:
            schema: ../schemas/customer.avsc
            references:
              - {name: com.acme.Address, subject: address-value, version: latest}
          address-value: {schema: ../schemas/address.avsc}
          s-value: {schema: ../schemas/s.avsc}
          d-value: {schema: ../schemas/d.avsc}
        """,
    )
    ws.write(
        "specs/other.yaml",
        "context: '.other'\nsubjects:\n  s-value: {schema: ../schemas/other-s.avsc}\n",
    )


def test_the_comparison_after_the_reads_compares_again_what_the_first_could_not_settle(
    ws: Workspace,
) -> None:
    """The second comparison takes the first's unchanged subjects as they are (a subject
    whose live latest is its spec's schema, neither with references), and compares every
    other one again: a referrer whose referenced subject the plan registers, a subject of
    the same name in another context, one checked under a level read after the first."""
    _project(ws, (ADDRESS,), (ID,), (ID,))
    ws.apply()
    assert ws.registry.put("/config/d-value", {"compatibility": "FULL"}).is_success
    _project(ws, (ADDRESS, CITY), (ID, NOTE), (ID, AMOUNT))
    ws.registry.request_log.write_text("")
    plan = ws.plan()
    assert "/config/d-value" in _paths(ws)  # read after the first comparison
    registered = {a.target: a for a in plan.actions if isinstance(a, Register)}
    assert sorted((t, a.after) for t, a in registered.items()) == [
        (":.other:s-value", "2"),
        ("address-value", "2"),
        ("customer-value", "2"),
        ("d-value", "2"),
    ]
    references = registered["customer-value"].registration.references
    assert [(r.subject, r.version) for r in references] == [("address-value", 2)]
    (problem,) = plan.errors
    assert (problem.target, problem.message.split(":")[0]) == (
        "d-value",
        "the new schema is not FULL compatible with version 1",
    )


def test_the_comparison_whose_plan_is_kept_is_not_provisional(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provisional comparison leaves out checks and change lists only once it has found
    settings to read, which the one after the reads never finds: its result would look
    whole either way, so the planner's call is watched."""
    made: list[tuple[bool, Diff]] = []

    def compare(comparison: Comparison) -> Diff:
        diff = real(comparison)
        made.append((comparison.provisional, diff))
        return diff

    real = planner.compare
    monkeypatch.setattr(planner, "compare", compare)
    _subject(ws, ID)
    ws.apply()
    _subject(ws, ID, NOTE)
    # A new subject's level is not read with the snapshot (only those of subjects whose
    # latest version is not their spec's): the first comparison asks for it.
    ws.write("schemas/a.avsc", avro_record("A", ID))
    ws.write("specs/a.yaml", "subjects:\n  a-value: {schema: ../schemas/a.avsc}\n")
    made.clear()
    plan = ws.plan()
    registration = next(
        a.registration for a in plan.actions if isinstance(a, Register) and a.target == "s-value"
    )
    assert [(provisional, bool(diff.unread)) for provisional, diff in made] == [
        (True, True),
        (False, False),
    ]
    (left_out,) = [a for a in made[0][1].actions if a.target == "s-value"]  # dropped
    assert isinstance(left_out, Register) and left_out.registration.verdict is not None
    assert (left_out.registration.verdict.checked_versions, left_out.registration.changes) == (
        (),
        (),
    )
    assert registration.verdict is not None and registration.verdict.checked_versions == (1,)
    assert [c.kind for c in registration.changes] == ["field_added"]
