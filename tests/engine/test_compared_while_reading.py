"""Work the plan does while the snapshot's settings reads are in flight."""

from __future__ import annotations

import asyncio
from functools import partial

import pytest

import reconciler.engine.planner as planner
import reconciler.engine.registrations as registrations
from reconciler.engine import Register, open_clients
from reconciler.engine.comparison import Comparison
from reconciler.engine.diff import Diff
from reconciler.engine.planner import _compare_listed, managed_subjects, specs_for
from reconciler.engine.schemas import SchemaCache
from reconciler.engine.snapshot import LiveState, snapshot
from reconciler.spec import load_project

from .conftest import Workspace, avro_record


def test_the_latest_versions_are_compared_once_listed(ws: Workspace) -> None:
    """Once a context is listed, whether each subject's latest live version is the
    document its spec holds is worked out (``_compare_listed``) and remembered for the
    diff, which then finds it: every subject the diff would compare, no other."""
    texts = {n: avro_record(f"S{n}", '{"name": "a", "type": "string"}') for n in range(4)}
    for n, text in texts.items():
        ws.registry.post(f"/subjects/s{n}-value/versions", {"schema": text})
        ws.write(f"schemas/s{n}.avsc", text.replace(", ", ",\n  "))
    ws.registry.post("/subjects/:.team:t-value/versions", {"schema": texts[0]})
    ws.write("schemas/t.avsc", texts[0])
    ws.write(
        "specs/main.yaml",
        "subjects:\n"
        + "".join(f"  s{n}-value: {{schema: ../schemas/s{n}.avsc}}\n" for n in range(3))
        + "  s3-value: {delete: soft}\n  new-value: {schema: ../schemas/s0.avsc}\n",
    )
    ws.write(
        "specs/team.yaml", "context: .team\nsubjects:\n  t-value: {schema: ../schemas/t.avsc}\n"
    )
    project = load_project(ws.root)
    specs = specs_for(project, "test")
    cache = SchemaCache()
    unchanged: set[str] = set()

    async def go() -> LiveState:
        async with open_clients(project, ["test"]) as clients:
            listed = partial(_compare_listed, specs, cache, clients["test"], set(), unchanged, None)
            return await snapshot(clients["test"], "test", managed_subjects(specs), (), listed)

    asyncio.run(go())
    spec_texts = {s.name: s.schema for spec in specs for s in spec.subjects.values()}

    def live(subject: str) -> str:
        return ws.registry.get(f"/subjects/{subject}/versions/latest").json()["schema"]

    assert sorted(cache._same) == sorted(
        ("AVRO", live(subject), spec_texts[subject.removeprefix(":.team:")])
        for subject in ["s0-value", "s1-value", "s2-value", ":.team:t-value"]
    )
    assert all(cache._same.values())
    # the same documents, no references, no contracts: the diff takes them as they are
    assert unchanged == {"s0-value", "s1-value", "s2-value", ":.team:t-value"}


def test_a_plan_without_changes_compares_no_subject_after_the_reads(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The subjects found unchanged while the snapshot read are not compared again by
    the diff after the last answer; one whose latest version differs is."""
    compared: list[str] = []

    def plan_latest(work: object, context: str, subject: str, spec: object) -> None:
        compared.append(subject)
        real(work, context, subject, spec)

    real = registrations._plan_latest
    monkeypatch.setattr(registrations, "_plan_latest", plan_latest)
    ws.write(
        "specs/main.yaml",
        "subjects:\n  a-value: {schema: ../schemas/a.avsc}\n"
        "  b-value: {schema: ../schemas/b.avsc}\n",
    )
    ws.write("schemas/a.avsc", avro_record("A", '{"name": "id", "type": "string"}'))
    ws.write("schemas/b.avsc", avro_record("B", '{"name": "id", "type": "string"}'))
    ws.apply()
    compared.clear()
    assert ws.plan().actions == []
    assert compared == []
    ws.write("schemas/b.avsc", avro_record("B", '{"name": "id", "type": "long"}'))
    (action,) = ws.plan().actions
    assert isinstance(action, Register)
    assert compared == ["b-value"]


def test_a_plan_registering_into_changed_subjects_compares_once(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The level a subject whose latest version is not its spec's is registered under
    is read with the snapshot: the first comparison finds it, needs no second one, and
    checks the registration under it."""
    made: list[bool] = []

    def compare(comparison: Comparison) -> Diff:
        made.append(comparison.provisional)
        return real(comparison)

    real = planner.compare
    monkeypatch.setattr(planner, "compare", compare)
    ws.write("specs/main.yaml", "subjects:\n  a-value: {schema: ../schemas/a.avsc}\n")
    ws.write("schemas/a.avsc", avro_record("A", '{"name": "id", "type": "string"}'))
    ws.apply()
    assert ws.registry.put("/config/a-value", {"compatibility": "FULL"}).is_success
    ws.write(
        "schemas/a.avsc",
        avro_record("A", '{"name": "id", "type": "string"}', '{"name": "n", "type": "int"}'),
    )
    made.clear()
    (action,) = ws.plan().actions
    assert made == [True]  # one comparison, kept: it found nothing to read
    assert isinstance(action, Register) and action.registration.verdict is not None
    verdict = action.registration.verdict
    assert (verdict.level, verdict.checked_versions, verdict.compatible) == ("FULL", (1,), False)
