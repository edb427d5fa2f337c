"""Pinned ids are registered before the registry chooses any id in the same id space.

A registry hands out the next id of a context (one past the highest it has
given). A registration without an id that runs before an IMPORT of a higher
pinned id in the same context can take that id, and the IMPORT then fails
for good.
"""

from __future__ import annotations

import json

import httpx
import pytest

from .conftest import Workspace, avro_record, steps

A = avro_record("A", '{"name": "a", "type": "string"}')
B = avro_record("B", '{"name": "b", "type": "string"}')
B2 = avro_record(
    "B",
    '{"name": "b", "type": "string"}',
    '{"name": "note", "type": ["null", "string"], "default": null}',
)
C = avro_record("C", '{"name": "c", "type": "int"}')


def _write(ws: Workspace, spec: str, **schemas: str) -> None:
    for name, text in schemas.items():
        ws.write(f"schemas/{name}.avsc", text)
    ws.write("specs/main.yaml", spec)


def _ids(ws: Workspace, subject: str) -> list[int]:
    versions = ws.registry.get(f"/subjects/{subject}/versions").json()
    return [ws.registry.get(f"/subjects/{subject}/versions/{v}").json()["id"] for v in versions]


def test_a_pinned_id_goes_before_a_registration_that_lets_the_registry_choose(
    ws: Workspace,
) -> None:
    _write(
        ws,
        """
        subjects:
          a-value: {schema: ../schemas/a.avsc}
          b-value:
            versions:
              - {version: 1, id: 1, schema: ../schemas/b.avsc}
        """,
        a=A,
        b=B,
    )
    first, results, after = ws.apply()
    registrations = [s for s in steps(first) if s[0] == "register"]
    assert registrations == [("register", "b-value", "1"), ("register", "a-value", "1")]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    assert _ids(ws, "b-value") == [1]
    assert _ids(ws, "a-value") == [2]


def test_a_pinned_history_s_tail_without_ids_is_registered_after_its_import_ends(
    ws: Workspace,
) -> None:
    """The pinned versions go in under IMPORT, the IMPORT ends, then the versions
    without an id are registered as usual; a second plan has nothing to do."""
    _write(
        ws,
        """
        subjects:
          b-value:
            versions:
              - {version: 1, id: 7, schema: ../schemas/b.avsc}
              - {version: 2, schema: ../schemas/b2.avsc}
        """,
        b=B,
        b2=B2,
    )
    first, results, after = ws.apply()
    assert steps(first) == [
        ("set_mode", "b-value", "IMPORT"),
        ("register", "b-value", "1"),
        ("delete_mode", "b-value", None),
        ("register", "b-value", "2"),
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors, steps(after)
    assert _ids(ws, "b-value") == [7, 8]
    assert ws.registry.get("/mode/b-value").status_code == 404


def test_a_pinned_history_s_tail_and_a_delete_in_one_plan(ws: Workspace) -> None:
    """The end of the IMPORT moved among the registrations is not a registration: the
    deletes' referrer check skips it (it raised AttributeError on the mode action)."""
    ws.registry.post("/subjects/old-value/versions", {"schema": C}).raise_for_status()
    _write(
        ws,
        """
        subjects:
          old-value: {delete: soft}
          b-value:
            versions:
              - {version: 1, id: 7, schema: ../schemas/b.avsc}
              - {version: 2, schema: ../schemas/b2.avsc}
        """,
        b=B,
        b2=B2,
    )
    first, results, after = ws.apply()
    assert steps(first) == [
        ("set_mode", "b-value", "IMPORT"),
        ("register", "b-value", "1"),
        ("delete_mode", "b-value", None),
        ("register", "b-value", "2"),
        ("delete_subject", "old-value", None),
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors, steps(after)
    assert _ids(ws, "b-value") == [7, 8]


def test_a_pinned_version_after_one_without_an_id_fails_the_plan(ws: Workspace) -> None:
    # IMPORT would have to start again after the registration without an id.
    _write(
        ws,
        """
        subjects:
          b-value:
            versions:
              - {version: 1, schema: ../schemas/b.avsc}
              - {version: 2, id: 9, schema: ../schemas/b2.avsc}
        """,
        b=B,
        b2=B2,
    )
    plan = ws.plan()
    assert plan.errors and {e.target for e in plan.errors} == {"b-value"}, plan.errors
    assert "separate plans" in plan.errors[0].message


@pytest.mark.parametrize("mode", ["READONLY", "IMPORT"])
def test_a_pinned_history_s_tail_under_a_mode_that_refuses_it_fails_the_plan(
    ws: Workspace, mode: str
) -> None:
    # The IMPORT ends to the spec's READONLY, or never ends: either refuses the tail.
    _write(
        ws,
        f"""
        subjects:
          b-value:
            mode: {mode}
            versions:
              - {{version: 1, id: 7, schema: ../schemas/b.avsc}}
              - {{version: 2, schema: ../schemas/b2.avsc}}
        """,
        b=B,
        b2=B2,
    )
    plan = ws.plan()
    assert [(e.target, e.message) for e in plan.errors] == [
        (
            "b-value",
            "version 2 is registered without an id while the plan holds the subject in "
            "IMPORT mode for its other registrations, which refuses it; pin its id too, or "
            "apply the two kinds in separate plans",
        )
    ]


def test_pinned_subjects_go_first_in_reference_order(ws: Workspace) -> None:
    refs = "references: [{name: com.acme.C, subject: c-value, version: 1}]"
    b_refs = avro_record("B", '{"name": "c", "type": "com.acme.C"}')
    _write(
        ws,
        f"""
        subjects:
          a-value: {{schema: ../schemas/a.avsc}}
          b-value:
            versions:
              - {{version: 1, id: 2, schema: ../schemas/b.avsc, {refs}}}
          c-value:
            versions:
              - {{version: 1, id: 1, schema: ../schemas/c.avsc}}
        """,
        a=A,
        b=b_refs,
        c=C,
    )
    first, results, after = ws.apply()
    registrations = [s for s in steps(first) if s[0] == "register"]
    assert registrations == [
        ("register", "c-value", "1"),
        ("register", "b-value", "1"),
        ("register", "a-value", "1"),
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    assert (_ids(ws, "a-value"), _ids(ws, "b-value"), _ids(ws, "c-value")) == ([3], [2], [1])


def test_other_contexts_are_other_id_spaces(ws: Workspace) -> None:
    _write(
        ws,
        """
        subjects:
          a-value: {schema: ../schemas/a.avsc}
        """,
        a=A,
    )
    ws.write(
        "specs/billing.yaml",
        """
        context: billing
        subjects:
          b-value:
            versions:
              - {version: 1, id: 1, schema: ../schemas/b.avsc}
        """,
    )
    ws.write("schemas/b.avsc", B)
    _first, results, after = ws.apply()
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    assert _ids(ws, "a-value") == [1]
    assert _ids(ws, ":.billing:b-value") == [1]


def test_a_pinned_id_that_must_wait_for_a_chosen_one_fails_the_plan(ws: Workspace) -> None:
    refs = "references: [{name: com.acme.A, subject: a-value, version: 1}]"
    b_refs = avro_record("B", '{"name": "a", "type": "com.acme.A"}')
    _write(
        ws,
        f"""
        subjects:
          a-value: {{schema: ../schemas/a.avsc}}
          b-value:
            versions:
              - {{version: 1, id: 1, schema: ../schemas/b.avsc, {refs}}}
        """,
        a=A,
        b=b_refs,
    )
    writes = len(ws.registry.writes())
    plan = ws.plan()
    assert [(e.target, e.message) for e in plan.errors] == [
        (
            "b-value",
            "id 1 is pinned by b-value version 1, which must come after a-value version 1 "
            "(its references or its own history), and that registration lets the registry "
            "choose an id in context .: it may take id 1; pin a-value version 1's id too, "
            "or pin b-value to an id the registry has already handed out",
        )
    ]
    assert len(ws.registry.writes()) == writes


def test_a_pinned_id_the_registry_has_passed_may_wait(ws: Workspace) -> None:
    # Ids 1-3 handed out, 2 freed again: the registry never hands out 2 again.
    for n in range(3):
        enum = {"type": "enum", "name": f"E{n}", "symbols": ["A"]}
        ws.registry.post(f"/subjects/x{n}-value/versions", {"schema": json.dumps(enum)})
    for permanent in ("false", "true"):
        httpx.delete(f"{ws.registry.url}/subjects/x1-value?permanent={permanent}", timeout=10)
    refs = "references: [{name: com.acme.A, subject: a-value, version: 1}]"
    b_refs = avro_record("B", '{"name": "a", "type": "com.acme.A"}')
    _write(
        ws,
        f"""
        subjects:
          a-value: {{schema: ../schemas/a.avsc}}
          b-value:
            versions:
              - {{version: 1, id: 2, schema: ../schemas/b.avsc, {refs}}}
        """,
        a=A,
        b=b_refs,
    )
    first, results, after = ws.apply()
    assert not first.errors
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    assert _ids(ws, "a-value") == [4]
    assert _ids(ws, "b-value") == [2]
