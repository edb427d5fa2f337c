"""The spec model's classes made quickly (``model._quick``) are the frozen dataclasses
they are declared as: the same constructor, values, equality and immutability."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from pathlib import Path
from typing import Any

import pytest

from reconciler.spec.model import Location, ReferenceSpec, SubjectSpec, VersionSpec


def _declared(cls: type) -> Any:
    """``cls`` as ``@dataclass(frozen=True)`` alone makes it."""
    namespace = {f.name: f for f in dataclasses.fields(cls)}
    return dataclasses.dataclass(frozen=True)(
        type(cls.__name__, (), {"__annotations__": cls.__annotations__, **namespace})
    )


@pytest.mark.parametrize("cls", [Location, ReferenceSpec, VersionSpec, SubjectSpec])
def test_a_quick_class_is_made_as_its_dataclass(cls: type) -> None:
    assert str(inspect.signature(cls)) == str(inspect.signature(_declared(cls)))
    required = {
        f.name: f"{f.name}-value"
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING
    }
    made, declared = cls(**required), _declared(cls)(**required)
    assert vars(made) == vars(declared)
    assert made == cls(*required.values())
    assert pickle.loads(pickle.dumps(made)) == made
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.schema = "other"  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        cls(**required, unknown=1)


def test_locations_compare_by_file_line_and_column() -> None:
    here = Location(Path("/p/specs/a.yaml"), 3, 5, Path("/p"))
    assert here == Location(Path("/p/specs/a.yaml"), 3, 5)
    assert hash(here) == hash(Location(Path("/p/specs/a.yaml"), 3, 5))
    assert here != Location(Path("/p/specs/a.yaml"), 3, 6)
    assert str(here) == "specs/a.yaml:3:5"
