"""What ``read_registry`` makes of the versions listed: by context and subject, each
subject's versions oldest first, in the order of the subjects' names, whatever the
order the listing gave them in."""

from __future__ import annotations

import random

from reconciler.registry import SchemaVersion
from reconciler.workflows.live import _contents


def test_the_versions_listed_in_any_order_are_grouped_by_subject_oldest_first() -> None:
    listed = [
        SchemaVersion(subject, number, 100 * n + number, '"string"', deleted=number == 2 and n == 1)
        for n, subject in enumerate(["b-value", "a-value", "B-value", "a", "topic10", "topic2"])
        for number in range(1, 4)
    ]
    sales = [SchemaVersion(":.sales:x", number, 900 + number, '"int"') for number in (2, 1)]
    levels = {v.subject for v in listed + sales} | {None, ":.sales:"}
    found = {(level, what): None for level in levels for what in ("compatibility", "mode")}
    found["topic2", "mode"] = "READONLY"
    for seed in range(5):
        random.Random(seed).shuffle(listed)
        contents = _contents("r", [".", ".sales"], {".": listed[:], ".sales": sales}, found)
        default = contents.contexts["."].subjects
        assert list(default) == ["B-value", "a", "a-value", "b-value", "topic10", "topic2"]
        for name, subject in default.items():
            assert subject.name == name
            assert [v.version for v in subject.versions] == (
                [1, 3] if name == "a-value" else [1, 2, 3]
            )
            assert {v.subject for v in subject.versions} == {name}
        assert default["topic2"].mode == "READONLY"
        (x,) = contents.contexts[".sales"].subjects.values()
        assert (x.name, [v.version for v in x.versions]) == ("x", [1, 2])
