"""The registrations' reference order is graphlib's, to the node, cycles included; the
subjects the diff takes as they are leave it as it was."""

from __future__ import annotations

import graphlib
from pathlib import Path
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.engine._registration_order import _order, _static_order
from reconciler.spec.model import ContextSpec, ReferenceSpec, SubjectSpec

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


SUBJECTS = [f"s{n}" for n in range(10)]


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from(SUBJECTS), st.sets(st.sampled_from(SUBJECTS), max_size=3)),
    st.sets(st.sampled_from(SUBJECTS)),
)
def test_subjects_taken_as_they_are_leave_the_others_order_as_it_was(
    references: dict[str, set[str]], unchanged: set[str]
) -> None:
    """The diff orders the subjects it compares, referenced ones first; those the
    comparison took as they are (which reference nothing) and that nothing references
    are left out of that order: the others come in the order they came with them."""
    subjects = {
        name: SubjectSpec(
            name,
            schema="{}",
            references=tuple(ReferenceSpec(r, r, "latest") for r in sorted(refs)),
        )
        for name, refs in references.items()
    }
    spec = ContextSpec(Path("specs/main.yaml"), ("r",), subjects=subjects)
    taken = {name for name in unchanged if name in subjects and not subjects[name].references}

    def ordered(known: set[str]) -> tuple[list[str], set[str]]:
        comparison = SimpleNamespace(specs=(spec,), unchanged=frozenset(known))
        work = SimpleNamespace(comparison=comparison, unchanged=set(), error=lambda *a: None)
        return [subject for _, subject, _ in _order(work)], work.unchanged  # type: ignore[arg-type]

    every, _ = ordered(set())
    some, added = ordered(taken)
    assert some == [s for s in every if s not in added]
    assert added <= taken
    referenced = {r for refs in references.values() for r in refs}
    assert added == taken - referenced
