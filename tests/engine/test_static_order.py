"""The registrations' reference order is graphlib's, to the node, cycles included."""

from __future__ import annotations

import graphlib

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.engine.registrations import _static_order

NODES = st.sampled_from([f"s{n}" for n in range(12)])
GRAPHS = st.dictionaries(NODES, st.sets(NODES, max_size=4), max_size=12)


@settings(max_examples=500, deadline=None)
@given(GRAPHS)
def test_the_order_and_the_cycle_are_graphlibs(graph: dict[str, set[str]]) -> None:
    try:
        expected: list[str] | tuple[object, ...] = list(
            graphlib.TopologicalSorter(graph).static_order()
        )
    except graphlib.CycleError as exc:
        expected = exc.args
    try:
        found: list[str] | tuple[object, ...] = _static_order(graph)
    except graphlib.CycleError as exc:
        found = exc.args
    assert found == expected
