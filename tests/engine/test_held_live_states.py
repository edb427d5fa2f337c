"""``make_plan``'s ``held``: the live states a plan read, handed to the caller unfreed."""

from __future__ import annotations

import asyncio

from reconciler.engine import make_plan, open_clients, targeted_registries
from reconciler.engine.snapshot import LiveState
from reconciler.spec import load_project

from .conftest import Workspace, avro_record


def test_the_live_states_read_are_held_for_the_caller(ws: Workspace) -> None:
    """``reconcile plan`` holds them until its process ends without freeing its heap;
    they are the states the plan's fingerprints were made of."""
    text = avro_record("S", '{"name": "a", "type": "string"}')
    ws.registry.post("/subjects/s-value/versions", {"schema": text})
    ws.write("schemas/s.avsc", text)
    ws.write("specs/main.yaml", "subjects:\n  s-value: {schema: ../schemas/s.avsc}\n")
    project = load_project(ws.root)
    held: list[object] = []

    async def go() -> None:
        async with open_clients(project, targeted_registries(project)) as clients:
            plan = await make_plan(project, clients, held=held)
            assert [state.fingerprint for state in plan.registries] == [
                live.fingerprint() for live in held if isinstance(live, LiveState)
            ]

    asyncio.run(go())
    assert len(held) == 1
    assert isinstance(held[0], LiveState)
    assert "s-value" in held[0].contexts["."].versions
