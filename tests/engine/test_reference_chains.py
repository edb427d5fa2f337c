"""Avro reference chains in the engine's offline checks (issue 12, item 2).

``top`` references ``middle``, which references ``bottom``: the plan must parse
``top`` with the whole chain (Confluent resolves references transitively),
both when the chain is registered by the same plan and when it is live.
"""

from __future__ import annotations

from .conftest import Workspace, avro_record, steps

BOTTOM = avro_record("Z_Bottom", '{"name": "b", "type": "string"}')
MIDDLE = avro_record("A_Middle", '{"name": "bottom", "type": "com.acme.Z_Bottom"}')
TOP = avro_record("Top", '{"name": "middle", "type": "com.acme.A_Middle"}')
TOP_V2 = avro_record(
    "Top",
    '{"name": "middle", "type": "com.acme.A_Middle"}',
    '{"name": "extra", "type": "int"}',
)


def _specs(ws: Workspace, top: str) -> None:
    ws.write("schemas/bottom.avsc", BOTTOM)
    ws.write("schemas/middle.avsc", MIDDLE)
    ws.write("schemas/top.avsc", top)
    ws.write(
        "specs/main.yaml",
        """
        subjects:
          top-value:
            schema: ../schemas/top.avsc
            references:
              - {name: com.acme.A_Middle, subject: middle-value, version: latest}
          middle-value:
            schema: ../schemas/middle.avsc
            references:
              - {name: com.acme.Z_Bottom, subject: bottom-value, version: latest}
          bottom-value:
            schema: ../schemas/bottom.avsc
        """,
    )


def test_a_chain_plans_applies_and_converges(ws: Workspace) -> None:
    _specs(ws, TOP)
    first, results, after = ws.apply()
    assert not first.errors, first.errors
    assert steps(first) == [
        ("register", "bottom-value", "1"),
        ("register", "middle-value", "1"),
        ("register", "top-value", "1"),
    ]
    assert all(r.ok for r in results), results
    assert not after.has_changes and not after.errors


def test_a_live_chain_is_checked_offline(ws: Workspace) -> None:
    _specs(ws, TOP)
    ws.apply()
    _specs(ws, TOP_V2)  # a field without default: BACKWARD refuses it
    plan = ws.plan()
    assert any("top-value" in str(e) for e in plan.errors), plan.errors
    assert not any("invalid" in str(e).lower() for e in plan.errors), plan.errors
