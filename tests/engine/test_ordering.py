"""Compatibility changes around registrations: loosen before, tighten after."""

from __future__ import annotations

from .conftest import Workspace, avro_record, steps

V1 = avro_record("Order", '{"name": "id", "type": "string"}')
# A new field without a default: not BACKWARD compatible (a new reader cannot read old data).
V2 = avro_record("Order", '{"name": "id", "type": "string"}', '{"name": "qty", "type": "int"}')


def _spec(ws: Workspace, schema: str, level: str) -> None:
    ws.write("schemas/order.avsc", schema)
    ws.write(
        "specs/main.yaml",
        f"""
        subjects:
          orders-value:
            schema: ../schemas/order.avsc
            compatibility: {level}
        """,
    )


def test_a_loosening_level_is_set_before_the_registration(ws: Workspace) -> None:
    _spec(ws, V1, "BACKWARD")
    ws.apply()
    _spec(ws, V2, "NONE")
    first, results, after = ws.apply()
    assert steps(first) == [
        ("set_compatibility", "orders-value", "NONE"),
        ("register", "orders-value", "2"),
    ]
    verdict = first.actions[1].registration.verdict
    assert verdict is not None and verdict.level == "NONE" and verdict.compatible
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors


def test_a_tightening_level_is_set_after_the_registration(ws: Workspace) -> None:
    _spec(ws, V1, "NONE")
    ws.apply()
    _spec(ws, V2, "FULL")
    first, results, after = ws.apply()
    assert steps(first) == [
        ("register", "orders-value", "2"),
        ("set_compatibility", "orders-value", "FULL"),
    ]
    verdict = first.actions[0].registration.verdict
    assert verdict is not None and verdict.level == "NONE"
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    assert ws.registry.get("/config/orders-value").json() == {"compatibilityLevel": "FULL"}


def test_an_incompatible_registration_fails_the_plan_before_any_write(ws: Workspace) -> None:
    _spec(ws, V1, "BACKWARD")
    ws.apply()
    writes_before = len(ws.registry.writes())
    _spec(ws, V2, "BACKWARD")
    plan = ws.plan()
    assert len(plan.errors) == 1
    message = plan.errors[0].message
    assert message.startswith("the new schema is not BACKWARD compatible with version 1:")
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in message
    assert plan.errors[0].source is not None and "main.yaml" in plan.errors[0].source
    assert len(ws.registry.writes()) == writes_before


def test_a_readonly_subject_is_opened_before_and_closed_after(ws: Workspace) -> None:
    _spec(ws, V1, "NONE")
    ws.apply()
    ws.registry.put("/mode/orders-value", {"mode": "READONLY"})
    ws.write("schemas/order.avsc", V2)
    ws.write(
        "specs/main.yaml",
        """
        subjects:
          orders-value:
            schema: ../schemas/order.avsc
            mode: READWRITE
        """,
    )
    first, results, after = ws.apply()
    assert steps(first) == [
        ("set_mode", "orders-value", "READWRITE"),
        ("register", "orders-value", "2"),
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors


def test_a_readonly_subject_is_opened_for_its_registration_and_closed_again(
    ws: Workspace,
) -> None:
    _spec(ws, V1, "NONE")
    ws.apply()
    ws.registry.put("/mode/orders-value", {"mode": "READONLY"})
    _spec(ws, V2, "NONE")
    first, results, after = ws.apply()
    assert steps(first) == [
        ("set_mode", "orders-value", "READWRITE"),
        ("register", "orders-value", "2"),
        ("set_mode", "orders-value", "READONLY"),
    ]
    assert first.actions[2].restore
    assert [p.message for p in first.problems] == [
        "the subject is READONLY: it is switched to READWRITE for its registrations and back "
        "after them"
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    assert ws.registry.get("/mode/orders-value").json() == {"mode": "READONLY"}


def test_an_inherited_readonly_is_lifted_at_subject_level_only(ws: Workspace) -> None:
    _spec(ws, V1, "NONE")
    ws.apply()
    ws.registry.put("/mode", {"mode": "READONLY"})
    _spec(ws, V2, "NONE")
    first, results, after = ws.apply()
    assert steps(first) == [
        ("set_mode", "orders-value", "READWRITE"),
        ("register", "orders-value", "2"),
        ("delete_mode", "orders-value", None),
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    assert ws.registry.get("/mode").json() == {"mode": "READONLY"}


def test_a_global_readonly_override_cannot_be_lifted_for_one_subject(ws: Workspace) -> None:
    _spec(ws, V1, "NONE")
    ws.apply()
    ws.registry.put("/mode", {"mode": "READONLY_OVERRIDE"})
    _spec(ws, V2, "NONE")
    plan = ws.plan()
    assert [e.message for e in plan.errors] == [
        "the global mode READONLY_OVERRIDE refuses registrations and cannot be lifted for "
        "one subject; change that mode in the spec first"
    ]


def test_a_named_context_does_not_inherit_the_global_level(ws: Workspace) -> None:
    """Confluent: /config is the default context's level; a context falls back to BACKWARD."""
    ws.write("schemas/order.avsc", V1)
    ws.write(
        "specs/main.yaml",
        """
        context: billing
        subjects:
          orders-value: {schema: ../schemas/order.avsc}
        """,
    )
    ws.apply()
    ws.registry.put("/config", {"compatibility": "NONE"})
    ws.write("schemas/order.avsc", V2)
    plan = ws.plan()
    assert [e.message.split(":")[0] for e in plan.errors] == [
        "the new schema is not BACKWARD compatible with version 1"
    ]


def test_a_default_the_registry_would_refuse_fails_the_plan_before_any_write(
    ws: Workspace,
) -> None:
    _spec(ws, V1, "BACKWARD")
    ws.apply()
    writes_before = len(ws.registry.writes())
    bad = avro_record(
        "Order",
        '{"name": "id", "type": "string"}',
        '{"name": "note", "type": ["string", "null"], "default": 5}',
    )
    _spec(ws, bad, "BACKWARD")
    plan = ws.plan()
    assert [e.message for e in plan.errors] == [
        "the registry refuses to register this schema: Invalid default for field note: "
        '5 not a ["string","null"]'
    ]
    assert plan.errors[0].source is not None and "main.yaml" in plan.errors[0].source
    assert len(ws.registry.writes()) == writes_before
