"""The walking skeleton end to end: the CLI as a subprocess, the registry over HTTP."""

from __future__ import annotations

import json

import httpx

from .conftest import Project, Server


def test_apply_then_plan_is_empty(quickstart: Project, server: Server) -> None:
    applied = quickstart.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete" in applied.stdout

    planned = quickstart.run("plan", "--detailed-exitcode")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "No changes" in planned.stdout

    subjects = httpx.get(server.url + "/subjects").json()
    assert sorted(subjects) == [
        "customers-value",
        "money-value",
        "orders-key",
        "orders-value",
        "payments-value",
        "refunds-value",
    ]
    assert httpx.get(server.url + "/subjects/orders-value/versions").json() == [1, 2, 3]
    assert httpx.get(server.url + "/config/orders-value").json() == {
        "compatibilityLevel": "FULL_TRANSITIVE"
    }


def test_first_plan_lists_every_registration_in_order(quickstart: Project) -> None:
    planned = quickstart.run("plan", "--detailed-exitcode")
    assert planned.returncode == 2, planned.stdout + planned.stderr
    assert "Plan: 10 to register, 3 to change, 0 to delete." in planned.stdout

    as_json = quickstart.run("plan", "--output", "json")
    assert as_json.returncode == 0, as_json.stderr
    plan = json.loads(as_json.stdout)
    assert plan["format_version"] == 1
    steps = [(a["kind"], a["target"], a["after"]) for a in plan["actions"]]
    # The referenced subject is registered before its referrer.
    assert steps.index(("register", "money-value", "1")) < steps.index(
        ("register", "payments-value", "1")
    )
    # A level set for a new subject goes before its registrations, history in order.
    assert steps.index(("set_compatibility", "orders-value", "FULL_TRANSITIVE")) < steps.index(
        ("register", "orders-value", "1")
    )
    orders = [s for s in steps if s[:2] == ("register", "orders-value")]
    assert [s[2] for s in orders] == ["1", "2", "3"]


def test_schema_edit_gives_one_registration(quickstart: Project, server: Server) -> None:
    assert quickstart.run("apply", "--auto-approve").returncode == 0
    quickstart.edit(
        "schemas/money.avsc",
        '{"name": "currency", "type": "string"}',
        '{"name": "currency", "type": "string"},\n'
        '    {"name": "note", "type": ["null", "string"], "default": null}',
    )
    planned = quickstart.run("plan", "--detailed-exitcode")
    assert planned.returncode == 2, planned.stdout + planned.stderr
    assert "Plan: 1 to register, 0 to change, 0 to delete." in planned.stdout
    added = [line for line in planned.stdout.splitlines() if line.strip().startswith("+")]
    # One line per change (the plan's change list) stands for the schema diff.
    assert any("+ field com.acme.payments.Money.note" in line for line in added), planned.stdout

    assert quickstart.run("apply", "--auto-approve").returncode == 0
    assert quickstart.run("plan", "--detailed-exitcode").returncode == 0
    assert httpx.get(server.url + "/subjects/money-value/versions").json() == [1, 2]


def test_compatibility_change_gives_one_config_action(quickstart: Project) -> None:
    assert quickstart.run("apply", "--auto-approve").returncode == 0
    quickstart.edit("specs/payments.yaml", "compatibility: FULL\n", "compatibility: NONE\n")
    planned = quickstart.run("plan", "--detailed-exitcode")
    assert planned.returncode == 2, planned.stdout + planned.stderr
    assert "Plan: 0 to register, 1 to change, 0 to delete." in planned.stdout
    assert "FULL -> NONE" in planned.stdout


def test_reformatted_schema_is_no_change(quickstart: Project) -> None:
    assert quickstart.run("apply", "--auto-approve").returncode == 0
    path = quickstart.root / "schemas/money.avsc"
    # Key order and whitespace differ, the meaning does not.
    path.write_text(
        '{"fields":[{"type":"long","name":"amount_cents"},{"type":"string","name":"currency"}],'
        '"namespace":"com.acme.payments","name":"Money","type":"record"}'
    )
    planned = quickstart.run("plan", "--detailed-exitcode")
    assert planned.returncode == 0, planned.stdout + planned.stderr


def test_doc_change_is_a_registration(quickstart: Project) -> None:
    assert quickstart.run("apply", "--auto-approve").returncode == 0
    quickstart.edit(
        "schemas/money.avsc", '"name": "Money",', '"name": "Money", "doc": "An amount.",'
    )
    planned = quickstart.run("plan", "--detailed-exitcode")
    assert planned.returncode == 2, planned.stdout + planned.stderr
    assert "Plan: 1 to register" in planned.stdout


def test_apply_without_approval_and_no_terminal_refuses(
    quickstart: Project, server: Server
) -> None:
    result = quickstart.run("apply")
    assert result.returncode == 1
    assert "--auto-approve" in result.stderr
    assert server.writes() == []


def test_spec_errors_contact_nothing(quickstart: Project, server: Server) -> None:
    quickstart.edit("specs/orders.yaml", "compatibility: BACKWARD", "compatibility: SIDEWAYS")
    quickstart.edit("specs/payments.yaml", "  money-value:\n", "  money-value:\n    colour: blue\n")
    for command in (("plan",), ("apply", "--auto-approve")):
        result = quickstart.run(*command)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "specs/orders.yaml:5:" in result.stderr
        assert "specs/payments.yaml:" in result.stderr and "colour" in result.stderr
    assert server.requests() == []
