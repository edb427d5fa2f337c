"""The order the subjects are planned in: referenced subjects first (``_order``),
worked out on plain dicts in graphlib's order (``_static_order``).

Separate because it reads only the specs and the subjects the comparison took as they
are, nothing a registration plans; tests/engine/test_static_order.py holds it to
graphlib's order.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping, Set

from reconciler.spec.model import ContextSpec, SubjectSpec

from ._registration_work import _Work
from .contexts import normalize_context, qualify

_NO_REFERENCES: frozenset[str] = frozenset()


def _order(work: _Work) -> list[tuple[str, str, SubjectSpec]]:
    """(context, qualified subject, spec) of every subject with a desired schema,
    referenced ones first.

    A subject the comparison took as it is (``Comparison.unchanged``) that references
    nothing and that nothing references is not ordered: it is added to
    ``work.unchanged`` here. With no predecessor and no follower it changed nothing of
    the others' order, and it registers nothing (~9,000 of the bench's 10,000
    subjects: ~5 ms of a no-change plan's tail, graphing and ordering them)."""
    known = work.comparison.unchanged
    referenced = _referenced(work.comparison.specs) if known else set()
    by_name: dict[str, tuple[str, str, SubjectSpec]] = {}
    graph: dict[str, Set[str]] = {}
    for spec in work.comparison.specs:
        context = normalize_context(spec.context)
        for subject_spec in spec.subjects.values():
            if subject_spec.delete or (subject_spec.schema is None and not subject_spec.versions):
                continue
            subject = qualify(context, subject_spec.name)
            if (
                subject in known
                and subject not in referenced
                and not subject_spec.references
                and not subject_spec.versions
            ):
                work.unchanged.add(subject)
                continue
            by_name[subject] = (context, subject, subject_spec)
            refs = list(subject_spec.references)
            for version in subject_spec.versions or ():
                refs += version.references
            # Most subjects reference nothing: one empty set for them all (100,000 at scale).
            graph[subject] = {qualify(context, r.subject) for r in refs} if refs else _NO_REFERENCES
    try:
        order = _static_order(graph)
    except graphlib.CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        work.error(cycle, f"schema references form a cycle: {cycle}")
        return []
    return [by_name[s] for s in order if s in by_name]


def _referenced(specs: Iterable[ContextSpec]) -> set[str]:
    """The qualified subjects some subject or version of ``specs`` references."""
    referenced: set[str] = set()
    for spec in specs:
        context = normalize_context(spec.context)
        for subject_spec in spec.subjects.values():
            refs = subject_spec.references
            if subject_spec.versions:
                refs = (*refs, *(r for v in subject_spec.versions for r in v.references))
            if refs:
                referenced.update(qualify(context, r.subject) for r in refs)
    return referenced


def _static_order(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """``graphlib.TopologicalSorter(graph).static_order()``, in the same order.

    graphlib keeps an object per node and searches the whole graph for a cycle
    before it starts (~25 ms of a 10,000-subject diff, most of whose subjects
    reference nothing); here the order is worked out on plain dicts, and graphlib
    runs only when some nodes are never ready, to name the cycle as it does.
    """
    waiting: dict[str, int] = {}  # node -> predecessors not yet ordered
    followers: dict[str, list[str]] = {}  # only for nodes that have some
    for node, predecessors in graph.items():  # nodes in graphlib's order of discovery
        if node not in waiting:
            waiting[node] = 0
        for predecessor in predecessors:
            waiting[node] += 1
            if predecessor not in waiting:
                waiting[predecessor] = 0
            followers.setdefault(predecessor, []).append(node)
    ready = [node for node, count in waiting.items() if count == 0]
    order: list[str] = []
    while ready:
        order += ready
        after: list[str] = []
        for node in ready:
            for follower in followers.get(node, ()):
                waiting[follower] -= 1
                if waiting[follower] == 0:
                    after.append(follower)
        ready = after
    if len(order) < len(waiting):
        graphlib.TopologicalSorter(graph).prepare()  # raises CycleError, naming a cycle
        raise AssertionError("nodes never ready, and graphlib finds no cycle")
    return order
