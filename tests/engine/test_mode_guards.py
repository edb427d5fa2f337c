"""Modes refuse deletes and config changes too: the plan opens the way, or fails up front.

Confluent refuses (42205) a delete of a subject or version, and a change or
removal of a compatibility level, when the mode in force at that level is
READONLY or READONLY_OVERRIDE (``isReadOnlyMode`` in ``deleteSubject``,
``deleteSchemaVersion``, ``updateConfig``, ``deleteSubjectConfig``); IMPORT
refuses none of them, and no mode refuses a mode change. A subject's mode is
its own, else its context's (the global one in the default context); a
global READONLY_OVERRIDE also overrides every other mode on registries before
Confluent 8.0.4 and 8.1.2, so the plan never lifts it for one subject.
"""

from __future__ import annotations

import asyncio

import pytest

from reconciler.engine import Plan, StepResult, apply_plan, open_clients
from reconciler.engine.plan import DeleteMode, Scope
from reconciler.spec import load_project
from reconciler.workflows.plan_view import groups

from .conftest import Workspace, avro_record, steps

A = avro_record("A", '{"name": "a", "type": "string"}')
A2 = avro_record(
    "A",
    '{"name": "a", "type": "string"}',
    '{"name": "b", "type": ["null", "string"], "default": null}',
)
B = avro_record("B", '{"name": "b", "type": "string"}')

ACTIONS = {
    # action kind -> (the subject it touches, its spec lines, the listing of gone-value)
    "soft_delete": ("gone-value", "  gone-value: {delete: soft}\n"),
    "hard_delete": ("gone-value", "  gone-value: {delete: hard}\n"),
    "prune": ("gone-value", ""),
    "version_delete": (
        "hist-value",
        "",  # the history is always listed (below), its first version deleted here
    ),
    "subject_compatibility": ("keep-value", ""),
}


def _seed(ws: Workspace, prefix: str) -> None:
    for subject, schema in (("keep-value", A), ("hist-value", A), ("gone-value", B)):
        assert ws.registry.post(
            f"/subjects/{prefix}{subject}/versions", {"schema": schema}
        ).is_success
    assert ws.registry.post(f"/subjects/{prefix}hist-value/versions", {"schema": A2}).is_success


def _spec(ws: Workspace, action: str, context: str, context_mode: str | None) -> None:
    ws.write("schemas/a.avsc", A)
    ws.write("schemas/a2.avsc", A2)
    ws.write("schemas/b.avsc", B)
    compatibility = ", compatibility: FULL" if action == "subject_compatibility" else ""
    first = ", delete: soft" if action == "version_delete" else ""
    lines = [
        f"context: '{context}'",
        *([f"mode: {context_mode}"] if context_mode else []),
        *(["prune: true"] if action == "prune" else []),
        "subjects:",
        f"  keep-value: {{schema: ../schemas/a.avsc{compatibility}}}",
        "  hist-value:",
        "    versions:",
        f"      - {{schema: ../schemas/a.avsc{first}}}",
        "      - {schema: ../schemas/a2.avsc}",
    ]
    ws.write("specs/main.yaml", "\n".join(lines) + "\n" + ACTIONS[action][1])


def _mode_path(level: str, prefix: str, subject: str) -> str:
    return {"subject": f"/mode/{prefix}{subject}", "context": f"/mode/{prefix}", "global": "/mode"}[
        level
    ]


@pytest.mark.parametrize("mode", ["READONLY", "READONLY_OVERRIDE", "IMPORT"])
@pytest.mark.parametrize("level", ["subject", "context", "global"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_a_mode_at_any_level_never_fails_a_delete_or_config_change_mid_apply(
    ws: Workspace, action: str, level: str, mode: str
) -> None:
    context = "billing" if level == "context" else "."
    prefix = ":.billing:" if level == "context" else ""
    subject = ACTIONS[action][0]
    _seed(ws, prefix)
    path = _mode_path(level, prefix, subject)
    assert ws.registry.put(path + "?force=true", {"mode": mode}).is_success
    # The spec asks for the mode of a context (or the default context) it sets.
    _spec(ws, action, context, mode if level != "subject" else None)
    writes = len(ws.registry.writes())

    first = ws.plan()
    if level == "global" and mode == "READONLY_OVERRIDE":
        assert [e.target for e in first.errors] == [prefix + subject], first.problems
        assert "READONLY_OVERRIDE" in first.errors[0].message
        assert len(ws.registry.writes()) == writes
        return
    assert not first.errors, first.errors
    kinds = [(kind, target) for kind, target, _ in steps(first)]
    lifted = ("set_mode", prefix + subject) in kinds
    assert lifted == (mode != "IMPORT"), steps(first)
    if lifted:
        # Opened just for the action, closed right after it (and even if it fails).
        opening = kinds.index(("set_mode", prefix + subject))
        assert first.actions[opening].after == "READWRITE"
        assert first.actions[-1].restore and first.actions[-1].target == prefix + subject

    _plan, results, after = ws.apply()
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors, steps(after)
    if level == "subject" and subject == "gone-value":
        return  # deleted, and its mode with it if the delete was permanent
    if level == "subject" and mode == "IMPORT":
        # An IMPORT no spec asks for on a listed subject ends.
        assert ws.registry.get(path).status_code == 404
    else:
        assert ws.registry.get(path).json() == {"mode": mode}


def test_a_context_level_change_under_the_context_s_readonly_fails_the_plan(
    ws: Workspace,
) -> None:
    _seed(ws, ":.billing:")
    ws.registry.put("/mode/:.billing:", {"mode": "READONLY"})
    _spec(ws, "subject_compatibility", "billing", "READONLY")
    ws.write(
        "specs/main.yaml",
        ws.root.joinpath("specs/main.yaml")
        .read_text()
        .replace("mode:", "compatibility: FULL\nmode:"),
    )
    writes = len(ws.registry.writes())
    plan = ws.plan()
    assert [(e.target, e.message) for e in plan.errors] == [
        (
            ":.billing:",
            "the context mode READONLY refuses this compatibility change and the spec keeps "
            "it; set the mode to READWRITE in the spec for one apply, then back",
        )
    ]
    assert len(ws.registry.writes()) == writes


def test_the_global_level_under_the_global_readonly_fails_the_plan(ws: Workspace) -> None:
    _seed(ws, "")
    ws.registry.put("/mode", {"mode": "READONLY"})
    _spec(ws, "soft_delete", ".", "READONLY")
    ws.write(
        "specs/main.yaml",
        ws.root.joinpath("specs/main.yaml")
        .read_text()
        .replace("mode:", "compatibility: FULL\nmode:"),
    )
    plan = ws.plan()
    assert [(e.target, e.message) for e in plan.errors] == [
        (
            "",
            "the global mode READONLY refuses this compatibility change and the spec keeps "
            "it; set the mode to READWRITE in the spec for one apply, then back",
        )
    ]


def test_a_level_opened_by_the_plan_is_changed_after_it_opens(ws: Workspace) -> None:
    _seed(ws, ":.billing:")
    ws.registry.put("/mode/:.billing:", {"mode": "READONLY"})
    _spec(ws, "subject_compatibility", "billing", "READWRITE")
    ws.write(
        "specs/main.yaml",
        ws.root.joinpath("specs/main.yaml")
        .read_text()
        .replace("mode:", "compatibility: FULL\nmode:"),
    )
    first, results, after = ws.apply()
    assert steps(first) == [
        ("set_mode", ":.billing:", "READWRITE"),
        ("set_compatibility", ":.billing:", "FULL"),
        ("set_compatibility", ":.billing:keep-value", "FULL"),
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors


def test_a_level_closed_by_the_plan_is_changed_before_it_closes(ws: Workspace) -> None:
    _seed(ws, ":.billing:")
    _spec(ws, "soft_delete", "billing", "READONLY")
    ws.write(
        "specs/main.yaml",
        ws.root.joinpath("specs/main.yaml")
        .read_text()
        .replace("mode:", "compatibility: FULL\nmode:"),
    )
    _first, results, after = ws.apply()
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors
    assert ws.registry.get("/mode/:.billing:").json() == {"mode": "READONLY"}
    assert ws.registry.get("/config/:.billing:").json()["compatibilityLevel"] == "FULL"


@pytest.mark.parametrize("mode", ["READONLY", "READONLY_OVERRIDE", "IMPORT"])
@pytest.mark.parametrize("level", ["subject", "context", "global"])
def test_a_registration_under_a_mode_at_any_level(ws: Workspace, level: str, mode: str) -> None:
    context = "billing" if level == "context" else "."
    prefix = ":.billing:" if level == "context" else ""
    _seed(ws, prefix)
    path = _mode_path(level, prefix, "keep-value")
    assert ws.registry.put(path + "?force=true", {"mode": mode}).is_success
    _spec(ws, "soft_delete", context, mode if level != "subject" else None)
    spec = ws.root / "specs/main.yaml"
    spec.write_text(
        spec.read_text().replace(
            "keep-value: {schema: ../schemas/a.avsc", "keep-value: {schema: ../schemas/a2.avsc"
        )
    )
    writes = len(ws.registry.writes())
    first = ws.plan()
    if mode == "IMPORT" and level != "subject":
        # The spec keeps the level in IMPORT, which refuses a registration without an id.
        assert [e.target for e in first.errors] == [prefix + "keep-value"]
        assert len(ws.registry.writes()) == writes
        return
    if level == "global" and mode == "READONLY_OVERRIDE":
        assert "READONLY_OVERRIDE" in " ".join(e.message for e in first.errors)
        assert len(ws.registry.writes()) == writes
        return
    assert not first.errors, first.errors
    _plan, results, after = ws.apply()
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors, steps(after)
    assert ws.registry.get(f"/subjects/{prefix}keep-value/versions").json() == [1, 2]
    if not (level == "subject" and mode == "IMPORT"):  # an IMPORT no spec asks for ends
        assert ws.registry.get(path).json() == {"mode": mode}


def test_a_level_tightened_after_its_registrations_is_changed_before_its_mode_closes(
    ws: Workspace,
) -> None:
    _seed(ws, ":.billing:")
    ws.registry.put("/config/:.billing:", {"compatibility": "NONE"})
    _spec(ws, "prune", "billing", "READONLY")
    spec = ws.root / "specs/main.yaml"
    text = spec.read_text().replace("prune: true", "compatibility: FULL")
    spec.write_text(
        text.replace("keep-value: {schema: ../schemas/a", "keep-value: {schema: ../schemas/c")
    )
    ws.write("schemas/c.avsc", avro_record("A", '{"name": "a", "type": "int"}'))
    first, results, after = ws.apply()
    assert steps(first)[-2:] == [
        ("set_compatibility", ":.billing:", "FULL"),
        ("set_mode", ":.billing:", "READONLY"),
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors


def test_a_soft_delete_under_an_inherited_mode_leaves_no_subject_mode_behind(
    ws: Workspace,
) -> None:
    """A soft delete keeps the subject's mode (Confluent's KafkaSchemaRegistry.deleteSubject
    drops it only on a permanent delete), so the temporary READWRITE is removed after it,
    not replaced by a copy of the inherited mode that would outlive a change of the global one.
    """
    _seed(ws, "")
    assert ws.registry.put("/mode", {"mode": "READONLY"}).is_success
    _spec(ws, "soft_delete", ".", "READONLY")
    _plan, results, after = ws.apply()
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors, steps(after)
    assert ws.registry.get("/mode/gone-value").status_code == 404
    assert ws.registry.get("/mode").json() == {"mode": "READONLY"}


def test_removing_a_subject_mode_that_is_already_gone_succeeds(ws: Workspace) -> None:
    """A restore that removes a subject-level mode meets it absent (the registry dropped
    it with the subject's last version, or someone removed it): the state is the one
    wanted, so the step succeeds on its first attempt instead of failing the apply."""
    assert ws.registry.post("/subjects/plain-value/versions", {"schema": A}).is_success
    assert ws.registry.get("/mode/plain-value").status_code == 404
    remove = DeleteMode("test", ".", Scope.SUBJECT, "plain-value", "restore", "READWRITE", None)
    project = load_project(ws.root)

    async def go() -> list[StepResult]:
        async with open_clients(project, ["test"]) as clients:
            return await apply_plan(Plan(actions=[remove]), clients)

    (result,) = asyncio.run(go())
    assert result.ok, result.detail


@pytest.mark.parametrize(
    ("wanted", "counts"),
    [
        (None, {"register": 1, "change": 0, "delete": 1}),  # the subject stays READONLY
        ("READWRITE", {"register": 1, "change": 1, "delete": 1}),  # its mode changes too
    ],
)
def test_the_plan_counts_changes_to_the_desired_state_not_temporary_switches(
    ws: Workspace, wanted: str | None, counts: dict[str, int]
) -> None:
    """A temporary READWRITE and its restore are steps of a write, not changes: a READONLY
    subject that gets a new version and loses an old one is 1 to register, 0 to change
    and 1 to delete; a restore to another mode than the subject had is one change."""
    _seed(ws, "")
    assert ws.registry.put("/mode/hist-value", {"mode": "READONLY"}).is_success
    _spec(ws, "version_delete", ".", None)
    spec = ws.root / "specs/main.yaml"
    text = spec.read_text().replace(
        "  hist-value:\n", "  hist-value:\n" + (f"    mode: {wanted}\n" if wanted else "")
    )
    ws.write("schemas/a3.avsc", A2.replace('"b"', '"c"'))
    spec.write_text(text + "      - {schema: ../schemas/a3.avsc}\n")
    plan = ws.plan()
    assert not plan.errors, plan.errors
    kinds = [a.kind.value for a in plan.actions if a.target == "hist-value"]
    assert "register" in kinds and "delete_version" in kinds
    assert plan.counts() == counts
    assert plan.to_json()["summary"] == counts
    (group,) = groups(plan)  # the MCP server's counts per context
    assert (group.registrations, group.changes, group.deletes) == tuple(counts.values())
    _plan, results, after = ws.apply()
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors, steps(after)
