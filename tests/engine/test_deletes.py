"""Deletes never happen by accident."""

from __future__ import annotations

import httpx
import pytest

from reconciler.engine import PlanOptions
from reconciler.spec import SpecErrors

from .conftest import Workspace, avro_record, steps

A = avro_record("A", '{"name": "a", "type": "string"}')
B = avro_record("B", '{"name": "b", "type": "string"}')
USES_A = avro_record("UsesA", '{"name": "a", "type": "com.acme.A"}')


def _seed(ws: Workspace, *subjects: str) -> None:
    for subject in subjects:
        assert ws.registry.post(f"/subjects/{subject}/versions", {"schema": A}).status_code == 200


def test_subjects_not_in_the_spec_are_left_alone_without_prune(ws: Workspace) -> None:
    _seed(ws, "stray-value")
    ws.write("schemas/b.avsc", B)
    ws.write("specs/main.yaml", "subjects:\n  b-value: {schema: ../schemas/b.avsc}\n")
    assert steps(ws.plan()) == [("register", "b-value", "1")]


def test_prune_soft_deletes_unlisted_subjects_except_protected(ws: Workspace) -> None:
    _seed(ws, "stray-value", "audit-log")
    ws.write("schemas/b.avsc", B)
    ws.write(
        "specs/main.yaml",
        """
        prune: true
        protected: ["audit-*"]
        subjects:
          b-value: {schema: ../schemas/b.avsc}
        """,
    )
    first, results, after = ws.apply()
    assert steps(first) == [("register", "b-value", "1"), ("delete_subject", "stray-value", None)]
    assert not first.actions[1].permanent
    assert [w.message for w in first.problems] == [
        "kept although the context is pruned: protected (pattern 'audit-*')"
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    assert sorted(ws.registry.get("/subjects").json()) == ["audit-log", "b-value"]
    assert "stray-value" in ws.registry.get("/subjects?deleted=true").json()


def test_an_explicit_delete_of_a_protected_subject_is_refused(ws: Workspace) -> None:
    _seed(ws, "audit-log")
    ws.write(
        "specs/main.yaml",
        """
        protected: ["audit-*"]
        subjects:
          audit-log: {delete: soft}
        """,
    )
    with pytest.raises(
        SpecErrors,
        match=r"main.yaml:3:\d+: subject 'audit-log' matches "
        "protected pattern 'audit-\\*': it cannot be deleted",
    ):
        ws.plan()
    assert {w["path"] for w in ws.registry.writes()} == {"/subjects/audit-log/versions"}


def test_hard_delete_is_soft_then_permanent(ws: Workspace) -> None:
    _seed(ws, "old-value")
    ws.write("specs/main.yaml", "subjects:\n  old-value: {delete: hard}\n")
    first, results, after = ws.apply()
    assert [(a.kind.value, a.target, a.permanent) for a in first.actions] == [
        ("delete_subject", "old-value", False),
        ("delete_subject", "old-value", True),
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    assert "old-value" not in ws.registry.get("/subjects?deleted=true").json()


def test_hard_delete_of_an_already_soft_deleted_subject(ws: Workspace) -> None:
    _seed(ws, "old-value")
    httpx.delete(ws.registry.url + "/subjects/old-value")
    ws.write("specs/main.yaml", "subjects:\n  old-value: {delete: hard}\n")
    first, results, after = ws.apply()
    assert [(a.kind.value, a.permanent) for a in first.actions] == [("delete_subject", True)]
    assert all(r.ok for r in results), results
    assert not after.has_changes


def test_a_referenced_subject_is_not_deleted(ws: Workspace) -> None:
    _seed(ws, "a-value")
    body = {
        "schema": USES_A,
        "references": [{"name": "com.acme.A", "subject": "a-value", "version": 1}],
    }
    assert ws.registry.post("/subjects/uses-a-value/versions", body).status_code == 200
    ws.write("specs/main.yaml", "subjects:\n  a-value: {delete: soft}\n")
    plan = ws.plan()
    assert [e.message for e in plan.errors] == [
        "cannot delete: still referenced by uses-a-value version 1"
    ]


def test_deleting_referrer_and_referenced_together_goes_referrer_first(ws: Workspace) -> None:
    _seed(ws, "a-value")
    body = {
        "schema": USES_A,
        "references": [{"name": "com.acme.A", "subject": "a-value", "version": 1}],
    }
    ws.registry.post("/subjects/uses-a-value/versions", body)
    ws.write(
        "specs/main.yaml", "subjects:\n  a-value: {delete: soft}\n  uses-a-value: {delete: soft}\n"
    )
    first, results, after = ws.apply()
    assert steps(first) == [
        ("delete_subject", "uses-a-value", None),
        ("delete_subject", "a-value", None),
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors


def test_the_delete_budget_refuses_mass_deletes(ws: Workspace) -> None:
    ws.project("max_deletes: 2")
    _seed(ws, "s1", "s2", "s3")
    ws.write("specs/main.yaml", "prune: true\nsubjects: {}\n")
    plan = ws.plan()
    assert [e.message for e in plan.errors] == [
        "the plan deletes 3 subjects or versions, more than max_deletes (2); check them, then "
        "raise the budget with --max-deletes 3"
    ]
    assert not ws.plan(PlanOptions(max_deletes=3)).errors


def test_a_pinned_version_can_be_deleted(ws: Workspace) -> None:
    v2 = avro_record(
        "A",
        '{"name": "a", "type": "string"}',
        '{"name": "b", "type": ["null", "string"], "default": null}',
    )
    ws.write("schemas/a1.avsc", A)
    ws.write("schemas/a2.avsc", v2)
    ws.write(
        "specs/main.yaml",
        """
        subjects:
          a-value:
            versions:
              - {schema: ../schemas/a1.avsc}
              - {schema: ../schemas/a2.avsc}
        """,
    )
    ws.apply()
    ws.write(
        "specs/main.yaml",
        """
        subjects:
          a-value:
            versions:
              - {schema: ../schemas/a1.avsc, delete: hard}
              - {schema: ../schemas/a2.avsc}
        """,
    )
    first, results, after = ws.apply()
    assert [(a.kind.value, a.version, a.permanent) for a in first.actions] == [
        ("delete_version", 1, False),
        ("delete_version", 1, True),
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    assert ws.registry.get("/subjects/a-value/versions").json() == [2]


def test_prune_keeps_subjects_that_another_spec_file_of_the_context_names(ws: Workspace) -> None:
    """`prune: true` prunes the context, not the file: a subject another spec file
    of the same registry and context declares is managed, never pruned."""
    _seed(ws, "stray-value")
    ws.write("schemas/a.avsc", A)
    ws.write("schemas/b.avsc", B)
    ws.write(
        "specs/orders.yaml", "prune: true\nsubjects:\n  a-value: {schema: ../schemas/a.avsc}\n"
    )
    ws.write("specs/payments.yaml", "subjects:\n  b-value: {schema: ../schemas/b.avsc}\n")
    first, results, after = ws.apply()
    assert sorted(steps(first)) == [
        ("delete_subject", "stray-value", None),
        ("register", "a-value", "1"),
        ("register", "b-value", "1"),
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    assert sorted(ws.registry.get("/subjects").json()) == ["a-value", "b-value"]


A_FIELD = '{"name": "a", "type": "string"}'
V1 = avro_record("H", A_FIELD)
V2 = avro_record("H", A_FIELD, '{"name": "b", "type": "int", "default": 0}')
V3 = avro_record("H", A_FIELD, '{"name": "c", "type": "int", "default": 0}')


def _history(ws: Workspace, how: str) -> None:
    for n, schema in enumerate((V1, V2, V3), 1):
        ws.write(f"schemas/v{n}.avsc", schema)
    ws.write(
        "specs/main.yaml",
        f"""
        compatibility: NONE
        subjects:
          h-value:
            versions:
              - {{schema: ../schemas/v1.avsc}}
              - {{schema: ../schemas/v2.avsc, delete: {how}}}
              - {{schema: ../schemas/v3.avsc}}
        """,
    )


@pytest.mark.parametrize("how", ["soft", "hard"])
def test_a_deleted_version_inside_a_history_keeps_the_numbering_on_an_empty_registry(
    ws: Workspace, how: str
) -> None:
    """Skipping the deleted version 2 registered version 3's schema as version 2, and
    the next plan soft-deleted that one: a plan that never converged and deleted the
    wrong schema. The deleted version is registered so that the later ones keep their
    numbers, then deleted."""
    _history(ws, how)
    first, results, after = ws.apply()
    assert all(r.ok for r in results), results
    assert [s for s in steps(first) if s[0] != "set_compatibility"][:3] == [
        ("register", "h-value", "1"),
        ("register", "h-value", "2"),
        ("register", "h-value", "3"),
    ]
    assert not after.has_changes and not after.errors, steps(after)
    assert ws.registry.get("/subjects/h-value/versions").json() == [1, 3]
    latest = ws.registry.get("/subjects/h-value/versions/3").json()
    assert '"c"' in latest["schema"]


def test_a_deleted_version_number_holding_another_schema_is_an_error_not_a_delete(
    ws: Workspace,
) -> None:
    ws.registry.put("/config", {"compatibility": "NONE"})
    for schema in (V1, V3):  # version 2 holds what the spec calls version 3
        assert ws.registry.post("/subjects/h-value/versions", {"schema": schema}).is_success
    _history(ws, "soft")
    plan = ws.plan()
    assert [p.message for p in plan.errors] == [
        "the registry's version 2 differs from the pinned history; history is never rewritten"
    ]
