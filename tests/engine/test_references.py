"""References: registered in order, resolved to the versions the plan creates."""

from __future__ import annotations

from reconciler.engine import PlanOptions

from .conftest import Workspace, avro_record, steps

ADDRESS_V1 = avro_record("Address", '{"name": "street", "type": "string"}')
ADDRESS_V2 = avro_record(
    "Address",
    '{"name": "street", "type": "string"}',
    '{"name": "city", "type": ["null", "string"], "default": null}',
)
CUSTOMER = avro_record("Customer", '{"name": "home", "type": "com.acme.Address"}')


def _specs(ws: Workspace, address: str) -> None:
    ws.write("schemas/address.avsc", address)
    ws.write("schemas/customer.avsc", CUSTOMER)
    # The referrer is listed first: the plan must still register the referenced subject first.
    ws.write(
        "specs/main.yaml",
        """
        subjects:
          customer-value:
            schema: ../schemas/customer.avsc
            references:
              - {name: com.acme.Address, subject: address-value, version: latest}
          address-value:
            schema: ../schemas/address.avsc
        """,
    )


def test_references_created_in_one_plan(ws: Workspace) -> None:
    _specs(ws, ADDRESS_V1)
    first, results, after = ws.apply()
    assert steps(first) == [
        ("register", "address-value", "1"),
        ("register", "customer-value", "1"),
    ]
    customer = first.actions[1].registration
    assert customer is not None
    assert [(r.name, r.subject, r.version) for r in customer.references] == [
        ("com.acme.Address", "address-value", 1)
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    live = ws.registry.get("/subjects/customer-value/versions/1").json()
    assert live["references"] == [
        {"name": "com.acme.Address", "subject": "address-value", "version": 1}
    ]


def test_evolving_a_referenced_schema_re_registers_latest_referrers(ws: Workspace) -> None:
    _specs(ws, ADDRESS_V1)
    ws.apply()
    _specs(ws, ADDRESS_V2)
    first, results, after = ws.apply()
    assert steps(first) == [
        ("register", "address-value", "2"),
        ("register", "customer-value", "2"),
    ]
    assert first.actions[1].reason == "references, metadata or rules change"
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    live = ws.registry.get("/subjects/customer-value/versions/latest").json()
    assert live["references"][0]["version"] == 2


def test_reference_to_a_missing_subject_fails_the_plan(ws: Workspace) -> None:
    ws.write("schemas/customer.avsc", CUSTOMER)
    ws.write(
        "specs/main.yaml",
        """
        subjects:
          customer-value:
            schema: ../schemas/customer.avsc
            references:
              - {name: com.acme.Address, subject: address-value, version: 3}
        """,
    )
    plan = ws.plan()
    assert [p.message for p in plan.errors] == [
        "reference com.acme.Address points to subject address-value, which neither the specs "
        "nor the registry have"
    ]
    assert ws.registry.writes() == []


def test_a_target_keeps_its_subject_and_what_it_references(ws: Workspace) -> None:
    _specs(ws, ADDRESS_V1)
    ws.write("schemas/other.avsc", avro_record("Other", '{"name": "o", "type": "int"}'))
    ws.write("specs/other.yaml", "subjects:\n  other-value: {schema: ../schemas/other.avsc}\n")
    targeted = ws.plan(PlanOptions(targets=("customer-value",)))
    assert steps(targeted) == [
        ("register", "address-value", "1"),
        ("register", "customer-value", "1"),
    ]
    assert targeted.targets == ("customer-value",)
    assert steps(ws.plan(PlanOptions(targets=("other-value",)))) == [
        ("register", "other-value", "1")
    ]
    assert len(ws.plan(PlanOptions(targets=(".",))).actions) == 3
