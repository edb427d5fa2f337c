"""Pinned ids and versions: IMPORT registrations, verified, modes always restored."""

from __future__ import annotations

from reconciler.engine import PlanOptions

from .conftest import Workspace, avro_record, steps

V1 = avro_record("Payment", '{"name": "id", "type": "string"}')
V2 = avro_record(
    "Payment",
    '{"name": "id", "type": "string"}',
    '{"name": "note", "type": ["null", "string"], "default": null}',
)


def _history(
    ws: Workspace,
    entries: list[tuple[int, int, str]],
    subject: str = "payments-value",
    context: str = ".",
) -> None:
    lines = [f"context: '{context}'", "subjects:", f"  {subject}:", "    versions:"]
    for version, schema_id, text in entries:
        ws.write(f"schemas/{subject}.v{version}.avsc", text)
        lines.append(
            f"      - {{version: {version}, id: {schema_id}, "
            f"schema: ../schemas/{subject}.v{version}.avsc}}"
        )
    ws.write(f"specs/{subject}.yaml", "\n".join(lines) + "\n")


def test_pinned_history_into_an_empty_registry(ws: Workspace) -> None:
    _history(ws, [(1, 100, V1), (2, 117, V2)])
    first, results, after = ws.apply()
    assert steps(first) == [
        ("set_mode", "payments-value", "IMPORT"),
        ("register", "payments-value", "1"),
        ("register", "payments-value", "2"),
        ("delete_mode", "payments-value", None),
    ]
    assert first.actions[-1].restore
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    for version, schema_id in ((1, 100), (2, 117)):
        live = ws.registry.get(f"/subjects/payments-value/versions/{version}").json()
        assert (live["version"], live["id"]) == (version, schema_id)
    mode = ws.registry.get("/mode/payments-value?defaultToGlobal=true").json()
    assert mode["mode"] == "READWRITE"


def test_pinned_history_into_a_non_empty_subject_needs_force(ws: Workspace) -> None:
    ws.registry.put("/mode/payments-value", {"mode": "IMPORT"})
    assert (
        ws.registry.post(
            "/subjects/payments-value/versions", {"schema": V1, "id": 100, "version": 1}
        ).status_code
        == 200
    )
    ws.registry.put("/mode/payments-value", {"mode": "READWRITE"})
    _history(ws, [(1, 100, V1), (2, 117, V2)])

    refused = ws.plan()
    assert [e.message for e in refused.errors] == [
        "registering pinned ids into a subject that already has versions needs IMPORT mode "
        "with force; re-run with --force-import if the ids are free"
    ]
    forced = PlanOptions(allow_force_import=True)
    first, results, after = ws.apply(forced)
    assert steps(first) == [
        ("set_mode", "payments-value", "IMPORT"),
        ("register", "payments-value", "2"),
        ("set_mode", "payments-value", "READWRITE"),
    ]
    assert first.actions[0].force
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    live = ws.registry.get("/subjects/payments-value/versions/2").json()
    assert (live["version"], live["id"]) == (2, 117)


def test_a_colliding_id_is_refused_with_its_holder(ws: Workspace) -> None:
    other = avro_record("Other", '{"name": "x", "type": "int"}')
    ws.registry.put("/mode/other-value", {"mode": "IMPORT"})
    ws.registry.post("/subjects/other-value/versions", {"schema": other, "id": 100, "version": 1})
    ws.registry.put("/mode/other-value", {"mode": "READWRITE"})
    _history(ws, [(1, 100, V1)])
    plan = ws.plan()
    assert [e.message for e in plan.errors] == [
        "id 100 is already used in context . by other-value version 1 with another schema; "
        "it cannot be imported with this id"
    ]


def test_the_same_schema_may_keep_its_id_in_a_second_subject(ws: Workspace) -> None:
    _history(ws, [(1, 100, V1)])
    _history(ws, [(1, 100, V1)], subject="payments-copy-value")
    _first, results, after = ws.apply()
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    assert ws.registry.get("/subjects/payments-copy-value/versions/1").json()["id"] == 100


def test_pinned_history_into_a_context(ws: Workspace) -> None:
    _history(ws, [(1, 5, V1), (2, 6, V2)], context="billing")
    _first, results, after = ws.apply()
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    live = ws.registry.get("/subjects/:.billing:payments-value/versions/2").json()
    assert (live["version"], live["id"]) == (2, 6)


def test_two_subjects_pinning_one_id_with_different_schemas_fail_the_plan(ws: Workspace) -> None:
    _history(ws, [(1, 100, V1)])
    _history(
        ws, [(1, 100, avro_record("Other", '{"name": "x", "type": "int"}'))], subject="other-value"
    )
    plan = ws.plan()
    assert [e.message for e in plan.errors] == [
        "id 100 is already used in context . by other-value version 1 with another schema; "
        "it cannot be imported with this id"
    ]


def test_a_live_version_the_pinned_history_does_not_list_fails_the_plan(ws: Workspace) -> None:
    ws.write("schemas/v1.avsc", V1)
    ws.write(
        "specs/main.yaml",
        "subjects:\n  p-value:\n    versions:\n      - {schema: ../schemas/v1.avsc}\n",
    )
    ws.apply()
    ws.registry.post("/subjects/p-value/versions", {"schema": V2})
    plan = ws.plan()
    assert [e.message for e in plan.errors] == [
        "the registry has version 2 that the pinned history does not list; add them to "
        "`versions:` (reconcile export --history writes them) or list them with `delete:`"
    ]
