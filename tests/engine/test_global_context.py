"""Config and mode at ``:.__GLOBAL:``, Confluent's fallback for every context.

Confluent's ``InMemoryCache.config()``/``mode()`` look at a subject's own
setting, its context's (``/config`` and ``/mode`` for the default context),
then the ``:.__GLOBAL:`` context's, then the server's default. The planner reads
the top level with ``defaultToGlobal=true`` (which answers that chain past the
top level) and, when a named context is managed, ``:.__GLOBAL:`` itself, so its
offline checks and mode guards use the level and mode the registry will.
"""

from __future__ import annotations

import json

import pytest

from .conftest import Workspace, avro_record, steps

V1 = avro_record("A", '{"name": "a", "type": "string"}')
V2 = avro_record("A", '{"name": "a", "type": "int"}')  # incompatible under BACKWARD


def _spec(ws: Workspace, context: str, *schemas: str) -> None:
    lines = [f"context: '{context}'", "subjects:", "  s-value:", "    versions:"]
    for n, schema in enumerate(schemas):
        ws.write(f"schemas/v{n}.avsc", schema)
        lines.append(f"      - {{schema: ../schemas/v{n}.avsc}}")
    ws.write("specs/main.yaml", "\n".join(lines) + "\n")


@pytest.mark.parametrize("context", [".", ".ctx"])
def test_a_global_context_level_decides_the_offline_check(ws: Workspace, context: str) -> None:
    prefix = "" if context == "." else f":{context}:"
    assert ws.registry.put("/config/:.__GLOBAL:", {"compatibility": "NONE"}).is_success
    _spec(ws, context, V1)
    ws.apply()
    _spec(ws, context, V1, V2)
    plan = ws.plan()
    assert plan.errors == []  # Confluent checks with NONE: the change is accepted
    assert steps(plan) == [("register", f"{prefix}s-value", "2")]
    ws.apply()
    assert ws.registry.get(f"/subjects/{prefix}s-value/versions").json() == [1, 2]


@pytest.mark.parametrize("context", [".", ".ctx"])
def test_a_global_context_mode_refuses_what_the_plan_would_write(
    ws: Workspace, context: str
) -> None:
    _spec(ws, context, V1)
    ws.apply()
    assert ws.registry.put("/mode/:.__GLOBAL:", {"mode": "READONLY"}).is_success
    writes_before = len(ws.registry.writes())
    _spec(ws, context, V1, avro_record("A", '{"name": "a", "type": "string", "doc": "x"}'))
    plan = ws.plan()
    # the registration meets READONLY (42205): the plan opens the subject or fails up front,
    # as it does for a READONLY set on the context itself
    ws.registry.put("/mode/:.__GLOBAL:", {"mode": "READWRITE"})
    own_level = "/mode" if context == "." else f"/mode/:{context}:"
    ws.registry.put(own_level, {"mode": "READONLY"})
    same_as_own = ws.plan()
    assert [e.message for e in plan.errors] == [e.message for e in same_as_own.errors]
    assert steps(plan) == steps(same_as_own)
    assert len(ws.registry.writes()) == writes_before + 2  # the two PUT /mode above


def test_the_plan_reads_the_global_context_only_for_named_contexts(ws: Workspace) -> None:
    log = ws.registry.request_log
    for context, extra in ((".", []), (".ctx", ["/config/:.__GLOBAL:", "/mode/:.__GLOBAL:"])):
        _spec(ws, context, V1)
        log.write_text("")
        ws.plan()
        paths = [json.loads(line)["path"] for line in log.read_text().splitlines()]
        assert set(extra) <= set(paths), context
        assert any("__GLOBAL" in p for p in paths) is bool(extra), context
