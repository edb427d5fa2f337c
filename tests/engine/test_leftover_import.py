"""IMPORT that no spec asks for is never a steady state: plan and drift see it, apply ends it.

An interrupted apply or migration (or a hand) can leave a subject, a context
or the default context in IMPORT, which silently refuses every ordinary
registration. Whatever left it there, the plan restores it.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest

from reconciler.engine import (
    DeleteMode,
    Journal,
    Plan,
    PlanOptions,
    Scope,
    SetMode,
    find_interrupted,
    with_recovery,
)

from .conftest import Workspace, avro_record, steps

V1 = avro_record("Order", '{"name": "id", "type": "string"}')
V2 = avro_record(
    "Order",
    '{"name": "id", "type": "string"}',
    '{"name": "note", "type": ["null", "string"], "default": null}',
)
LEFTOVER = "left in IMPORT, probably by an interrupted apply or migration"


def _spec(ws: Workspace, text: str = V1, context: str = ".", extra: str = "") -> None:
    ws.write("schemas/order.avsc", text)
    ws.write(
        "specs/main.yaml",
        f"context: '{context}'\n{extra}subjects:\n  orders-value:\n"
        "    schema: ../schemas/order.avsc\n",
    )


def _cli(ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        cwd=ws.root,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_subject_left_in_import_is_a_difference_that_apply_ends(ws: Workspace) -> None:
    _spec(ws)
    ws.apply()
    ws.registry.put("/mode/orders-value?force=true", {"mode": "IMPORT"})

    plan = ws.plan()
    assert steps(plan) == [("delete_mode", "orders-value", None)]
    assert LEFTOVER in plan.actions[0].reason
    assert not plan.errors
    assert _cli(ws, "plan", "--detailed-exitcode").returncode == 2
    drift = _cli(ws, "drift")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "orders-value" in drift.stdout and LEFTOVER in drift.stdout

    _first, results, after = ws.apply()
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    assert ws.registry.get("/mode/orders-value?defaultToGlobal=true").json() == {
        "mode": "READWRITE"
    }


def test_a_subject_left_in_import_goes_back_to_the_mode_its_spec_asks(ws: Workspace) -> None:
    _spec(ws)
    ws.write(
        "specs/main.yaml",
        "subjects:\n  orders-value:\n    schema: ../schemas/order.avsc\n    mode: READONLY\n",
    )
    ws.apply()
    ws.registry.put("/mode/orders-value?force=true", {"mode": "IMPORT"})
    plan = ws.plan()
    assert steps(plan) == [("set_mode", "orders-value", "READONLY")]
    assert LEFTOVER in plan.actions[0].reason


def test_a_spec_that_asks_for_import_keeps_it(ws: Workspace) -> None:
    _spec(ws)
    ws.apply()
    ws.write(
        "specs/main.yaml",
        "subjects:\n  orders-value:\n    schema: ../schemas/order.avsc\n    mode: IMPORT\n",
    )
    ws.registry.put("/mode/orders-value?force=true", {"mode": "IMPORT"})
    plan = ws.plan()
    assert not plan.has_changes and not plan.errors


def test_a_registration_into_a_subject_left_in_import_comes_after_the_restore(
    ws: Workspace,
) -> None:
    _spec(ws)
    ws.apply()
    ws.registry.put("/mode/orders-value?force=true", {"mode": "IMPORT"})
    _spec(ws, V2)
    first, results, after = ws.apply()
    assert steps(first) == [
        ("delete_mode", "orders-value", None),
        ("register", "orders-value", "2"),
    ]
    assert not first.errors
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors


def test_a_pinned_history_into_a_subject_left_in_import_ends_the_import(ws: Workspace) -> None:
    # An apply that set IMPORT on an empty subject and died before registering.
    ws.registry.put("/mode/orders-value", {"mode": "IMPORT"})
    ws.write("schemas/order.avsc", V1)
    ws.write(
        "specs/main.yaml",
        "subjects:\n  orders-value:\n    versions:\n"
        "      - {version: 1, id: 40, schema: ../schemas/order.avsc}\n",
    )
    first, results, after = ws.apply()
    assert steps(first) == [
        ("register", "orders-value", "1"),
        ("delete_mode", "orders-value", None),
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    assert ws.registry.get("/mode/orders-value?defaultToGlobal=true").json() == {
        "mode": "READWRITE"
    }


def test_a_context_left_in_import_is_restored(ws: Workspace) -> None:
    _spec(ws, context="billing")
    ws.apply()
    ws.registry.put("/mode/:.billing:?force=true", {"mode": "IMPORT"})
    _spec(ws, V2, context="billing")
    first, results, after = ws.apply()
    assert steps(first) == [
        ("delete_mode", ":.billing:", None),
        ("register", ":.billing:orders-value", "2"),
    ]
    assert LEFTOVER in first.actions[0].reason
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors


def test_a_context_left_in_import_goes_back_to_the_spec_s_mode(ws: Workspace) -> None:
    _spec(ws, context="billing", extra="mode: READONLY\n")
    ws.apply()
    ws.registry.put("/mode/:.billing:?force=true", {"mode": "IMPORT"})
    plan = ws.plan()
    assert steps(plan) == [("set_mode", ":.billing:", "READONLY")]
    assert LEFTOVER in plan.actions[0].reason


def test_the_default_context_left_in_import_is_restored(ws: Workspace) -> None:
    _spec(ws)
    ws.apply()
    ws.registry.put("/mode?force=true", {"mode": "IMPORT"})
    plan = ws.plan()
    assert steps(plan) == [("set_mode", "", "READWRITE")]
    assert LEFTOVER in plan.actions[0].reason
    assert _cli(ws, "drift").returncode == 2
    _first, results, after = ws.apply()
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors


def test_global_import_is_not_ours_when_the_default_context_is_not_managed(
    ws: Workspace,
) -> None:
    _spec(ws, context="billing")
    ws.apply()
    ws.registry.put("/mode?force=true", {"mode": "IMPORT"})
    plan = ws.plan()
    assert not plan.has_changes and not plan.errors


def test_a_registration_meets_no_import_the_spec_does_not_keep(ws: Workspace) -> None:
    ws.write("schemas/order.avsc", V1)
    readonly = "subjects:\n  orders-value:\n    schema: ../schemas/order.avsc\n    mode: READONLY\n"
    ws.write("specs/main.yaml", readonly)
    ws.apply()
    ws.registry.put("/mode/orders-value?force=true", {"mode": "IMPORT"})
    ws.write("schemas/order.avsc", V2)
    first, results, after = ws.apply()
    assert steps(first) == [
        ("set_mode", "orders-value", "READWRITE"),
        ("register", "orders-value", "2"),
        ("set_mode", "orders-value", "READONLY"),
    ]
    assert not first.errors
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors


def test_the_end_of_a_subject_s_import_uncovers_the_inherited_mode(ws: Workspace) -> None:
    _spec(ws)
    ws.apply()
    ws.registry.put("/mode/orders-value?force=true", {"mode": "IMPORT"})
    ws.registry.put("/mode", {"mode": "READONLY"})
    _spec(ws, V2)
    first, results, after = ws.apply()
    assert steps(first) == [
        ("set_mode", "orders-value", "READWRITE"),
        ("register", "orders-value", "2"),
        ("delete_mode", "orders-value", None),
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    assert ws.registry.get("/mode").json() == {"mode": "READONLY"}


@pytest.mark.parametrize(("context", "level"), [("billing", ":.billing:"), (".", "")])
def test_a_temporary_readwrite_of_a_context_or_the_registry_left_by_a_killed_apply(
    ws: Workspace, context: str, level: str
) -> None:
    """Recovery is not only for subjects: a killed apply's journal that opened a
    context's (or the global) READONLY for a while gets its restore planned."""
    _spec(ws, context=context)
    ws.apply()
    path = f"/mode/{level}" if level else "/mode"
    assert ws.registry.put(path, {"mode": "READWRITE"}).is_success  # as the kill left it
    scope = Scope.CONTEXT if level else Scope.GLOBAL
    ctx = f".{context}" if level else "."

    def mode(after: str | None, restore: bool = False) -> SetMode:
        return SetMode("test", ctx, scope, level, "temporary", "READONLY", after, restore=restore)

    journal_dir = ws.root / ".reconcile/journal"
    journal = Journal.create(journal_dir)
    journal.start(Plan(actions=[mode("READWRITE"), mode("READONLY", True)]), [])
    journal.step(0, "started")
    journal.step(0, "done")  # then kill -9: no end record

    interrupted = find_interrupted(journal_dir)
    assert [i.pending_restores for i in interrupted] == [{("test", level): "READONLY"}]
    options = with_recovery(PlanOptions(), interrupted)
    _first, results, after = ws.apply(options)
    assert steps(_first) == [("set_mode", level, "READONLY")]
    assert "interrupted apply" in _first.actions[0].reason
    assert all(r.ok for r in results), results
    assert ws.registry.get(path).json() == {"mode": "READONLY"}
    assert not after.has_changes and not after.errors


def _global_mode_row(ws: Workspace) -> list[tuple[str]]:
    """The registry's stored global mode (none when it was never set or was removed):
    ``GET /mode`` answers READWRITE either way."""
    with closing(sqlite3.connect(ws.root.parent / "registry.db")) as db:
        return db.execute("SELECT mode FROM mode WHERE context = '' AND subject = ''").fetchall()


@pytest.mark.parametrize(
    ("temporary", "context"), [("IMPORT", "."), ("READWRITE", "."), ("IMPORT", "billing")]
)
def test_a_temporary_global_mode_over_none_left_by_a_killed_apply(
    ws: Workspace, temporary: str, context: str
) -> None:
    """A window over a level that had no mode ends with a DELETE of that mode; at the
    global level ``GET /mode`` answers READWRITE when none is set. A global IMPORT
    left behind is removed (not set to READWRITE: the journal says there was none),
    the removal is read back as done, and the registry ends with no global mode, as
    before. A global READWRITE left behind reads as the registry's default, which
    is what the restore would give: nothing to do, and the journal is closed (the
    restore read back READWRITE as "not restored", so apply failed and no plan ever
    converged). No plan switches the global mode today (a global read-only mode
    fails the plan); a journal of an apply that did is recovered like this. Specs of
    a named context only leave the global level to the recovery (``restore``), which
    reads the removal back."""
    _spec(ws, context=context)
    ws.apply()
    assert _global_mode_row(ws) == []
    # as the kill left it (IMPORT over schemas needs force)
    assert ws.registry.put("/mode?force=true", {"mode": temporary}).is_success

    def mode(cls: type[SetMode | DeleteMode], after: str | None, before: str | None) -> object:
        return cls("test", ".", Scope.GLOBAL, "", "temporary", before, after, restore=not after)

    journal_dir = ws.root / ".reconcile/journal"
    journal = Journal.create(journal_dir)
    journal.start(
        Plan(actions=[mode(SetMode, temporary, None), mode(DeleteMode, None, temporary)]), []
    )
    journal.step(0, "started")
    journal.step(0, "done")  # then kill -9: no end record
    assert [i.pending_restores for i in find_interrupted(journal_dir)] == [{("test", ""): None}]

    planned = _cli(ws, "plan", "--detailed-exitcode")
    assert planned.returncode == (2 if temporary == "IMPORT" else 0), planned.stdout
    assert "stopped after" in planned.stderr
    applied = _cli(ws, "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert ws.registry.get("/mode").json() == {"mode": "READWRITE"}
    if temporary == "IMPORT":
        assert "global mode removed" in applied.stdout, applied.stdout
        assert _global_mode_row(ws) == []
    again = _cli(ws, "plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "stopped after" not in again.stderr  # the journal was closed


def test_a_failed_restore_names_the_global_level_and_contexts_as_people_read_them() -> None:
    """Journals name the global level by "" and a context by ":.ctx:"; the message of an
    apply that could not restore them must still say which level is left switched."""
    from reconciler.engine.session import _left_temporary

    left = {("prod", ""), ("prod", ":.billing:"), ("prod", "orders-value"), ("dev", "")}
    assert _left_temporary(left) == (
        "the global mode on dev; the global mode, :.billing:, orders-value on prod"
    )
