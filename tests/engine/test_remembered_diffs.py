"""What a comparison found, remembered by the digest of its inputs
(engine/remembered_diffs.py): the next plan of the same specs against the same live
state takes it without comparing; any change to either compares again."""

from __future__ import annotations

import asyncio

import pytest

import reconciler.engine.planner as planner
from reconciler.engine import Plan, PlanOptions, make_plan, open_clients, targeted_registries
from reconciler.engine.comparison import Comparison
from reconciler.engine.diff import Diff
from reconciler.spec import load_project

from .conftest import Workspace, avro_record

REMEMBER = PlanOptions(remember_results=True)
pytestmark = pytest.mark.usefixtures("user_cache")  # conftest: the user's cache folder
A = '{"name": "a", "type": "string"}'
B = '{"name": "b", "type": ["null", "string"], "default": null}'


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The registries a plan compared its specs with."""
    registries: list[str] = []
    compare = planner.compare

    def counted(comparison: Comparison) -> Diff:
        registries.append(comparison.registry.name)
        return compare(comparison)

    monkeypatch.setattr(planner, "compare", counted)
    return registries


def _plan(ws: Workspace, options: PlanOptions = REMEMBER) -> Plan:
    """A plan as ``reconcile plan`` makes it: of a project loaded with its caches."""
    project = load_project(ws.root, parse_cache=True)

    async def go() -> Plan:
        async with open_clients(project, targeted_registries(project)) as clients:
            return await make_plan(project, clients, options)

    return asyncio.run(go())


def _specs(ws: Workspace, *fields: str, mode: str = "READWRITE") -> None:
    ws.write("schemas/orders.avsc", avro_record("Order", *fields))
    ws.write(
        "specs/main.yaml",
        f"subjects:\n  orders-value: {{schema: ../schemas/orders.avsc, mode: {mode}}}\n",
    )


def test_the_same_inputs_are_not_compared_again(ws: Workspace, compared: list[str]) -> None:
    _specs(ws, A)
    ws.apply()
    compared.clear()
    first = _plan(ws)
    assert not first.actions and not first.problems
    assert compared == ["test"]
    second = _plan(ws)
    assert compared == ["test"]  # found nothing last time: not compared
    assert second.to_json() == first.to_json()
    assert ws.plan().to_json() == first.to_json()  # nor by a plan that remembers nothing


def test_a_changed_spec_or_registry_is_compared_again(ws: Workspace, compared: list[str]) -> None:
    _specs(ws, A)
    ws.apply()
    compared.clear()
    _plan(ws)
    _specs(ws, A, B)  # the spec changes: a registration
    changed = _plan(ws)
    assert [a.target for a in changed.actions] == ["orders-value"]
    assert compared == ["test", "test"]
    _specs(ws, A)  # back as it was, but the registry now differs
    assert ws.registry.put("/mode/orders-value", {"mode": "READONLY"}).is_success
    again = _plan(ws)
    assert compared == ["test", "test", "test"]
    assert [a.target for a in again.actions] == ["orders-value"]  # the mode set back
    assert again.to_json() == ws.plan().to_json()


def test_what_a_comparison_found_is_remembered_as_it_was(
    ws: Workspace, compared: list[str]
) -> None:
    """A registration (the 1 % plan's case) and a problem come back as compared."""
    _specs(ws, A)
    ws.apply()
    compared.clear()
    _specs(ws, A, '{"name": "c", "type": "int"}')  # no default: BACKWARD refuses it
    first = _plan(ws)
    assert [a.target for a in first.actions] == ["orders-value"]
    assert first.problems
    second = _plan(ws)
    assert compared == ["test"]
    assert second.to_json() == first.to_json()
    assert ws.plan().to_json() == first.to_json()


def test_options_that_change_a_comparison_are_part_of_its_inputs(
    ws: Workspace, compared: list[str]
) -> None:
    _specs(ws, A)
    ws.apply()
    compared.clear()
    _plan(ws)
    _plan(ws, PlanOptions(remember_results=True, allow_force_import=True))
    assert compared == ["test", "test"]


def test_a_registry_changed_alone_is_compared_again(ws: Workspace, compared: list[str]) -> None:
    """The specs as they were: only the live state's fingerprint tells the change."""
    _specs(ws, A)
    ws.apply()
    compared.clear()
    assert not _plan(ws).actions
    assert ws.registry.put("/mode/orders-value", {"mode": "READONLY"}).is_success
    again = _plan(ws)
    assert compared == ["test", "test"]
    assert [(a.target, a.after) for a in again.actions] == [("orders-value", "READWRITE")]


def test_a_spec_changed_alone_is_compared_again(ws: Workspace, compared: list[str]) -> None:
    """The registry as it was: only the specs' key tells the change."""
    _specs(ws, A)
    ws.apply()
    compared.clear()
    assert not _plan(ws).actions
    _specs(ws, A, mode="READONLY")
    again = _plan(ws)
    assert compared == ["test", "test"]
    assert [(a.target, a.after) for a in again.actions] == [("orders-value", "READONLY")]


def test_modes_recovered_from_an_interrupted_apply_are_part_of_the_inputs(
    ws: Workspace, compared: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _specs(ws, A)
    ws.apply()
    compared.clear()
    _plan(ws)
    recovered = {"orders-value": "READONLY"}
    original = planner.Comparison

    def with_recovered(*args: object, **kwargs: object) -> Comparison:
        kwargs["recovered_modes"] = recovered
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(planner, "Comparison", with_recovered)
    _plan(ws)
    assert compared == ["test", "test"]


def test_the_project_files_registry_settings_and_place_are_part_of_the_inputs(
    ws: Workspace, compared: list[str]
) -> None:
    """A global level set in the project file: its action, and the place it names."""
    _specs(ws, A)
    ws.apply()
    compared.clear()
    ws.registry_options = "compatibility: FULL"
    ws.project()
    first = _plan(ws)
    assert [(a.target, a.after) for a in first.actions] == [("", "FULL")]
    ws.registry_options = "compatibility: FORWARD"
    ws.project()
    changed = _plan(ws)
    assert [(a.target, a.after) for a in changed.actions] == [("", "FORWARD")]
    project_file = ws.root / "reconcile.yaml"
    project_file.write_text("# moved down a line\n" + project_file.read_text())
    moved = _plan(ws)
    assert compared == ["test", "test", "test"]
    assert moved.actions[0].source != changed.actions[0].source
    assert moved.to_json() == ws.plan().to_json()
