"""Pydantic validation of a YAML document, errors mapped back to YAML marks."""

from __future__ import annotations

import types
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from ._document import Document, KeyPath, dotted
from ._errors import Collector

M = TypeVar("M", bound=BaseModel)

# Values under these keys are credentials: messages never quote their input.
_SECRET_KEYS = {"auth"}


def _members(annotation: Any) -> list[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in _members(arg)]
    if hasattr(annotation, "__metadata__"):  # Annotated[...]
        return _members(get_args(annotation)[0])
    return [annotation]


def _allowed_keys(model: type[BaseModel], key_path: KeyPath) -> list[str]:
    """The keys the model accepts at the mapping that holds ``key_path[-1]``."""
    current: list[Any] = [model]
    for part in key_path[:-1]:
        following: list[Any] = []
        for member in (m for c in current for m in _members(c)):
            if isinstance(member, type) and issubclass(member, BaseModel):
                for name, info in member.model_fields.items():
                    if part in (name, info.alias):
                        following.append(info.annotation)
            elif get_origin(member) is list and isinstance(part, int):
                following.append(get_args(member)[0])
            elif get_origin(member) is dict and isinstance(part, str):
                following.append(get_args(member)[1])
        current = following
    return sorted(
        info.alias or name
        for c in current
        for member in _members(c)
        if isinstance(member, type) and issubclass(member, BaseModel)
        for name, info in member.model_fields.items()
    )


def _message(model: type[BaseModel], error: Any, key_path: KeyPath) -> str:
    kind, where = error["type"], dotted(key_path)
    if kind == "extra_forbidden":
        key, parent = key_path[-1], dotted(key_path[:-1])
        allowed = _allowed_keys(model, key_path)
        import difflib  # here: only an unknown key needs it, never a plan that loads

        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
        return f"unknown key {key!r}" + (f" in {parent}" if parent else "") + f"; {hint}"
    if kind == "missing":
        return f"{where}: required key is missing"
    prefix = f"{where}: " if where else ""
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{prefix}expected a mapping"
    message = error["msg"].removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":  # only names have a pattern
        return f"{where}: invalid name {error['input']!r}: use letters, digits, '_', '.', '-'"
    if kind in ("literal_error", "enum") and not _SECRET_KEYS.intersection(map(str, key_path)):
        return f"{where}: invalid value {error['input']!r}; expected {error['ctx']['expected']}"
    return f"{prefix}{message}"


def validate(
    model: type[M], doc: Document, errors: Collector, *, salvage: str | None = None
) -> M | None:
    """Validate ``doc.data``; report every error at its node and return None on failure.

    With ``salvage="subjects"``, when every error lies inside entries of that
    mapping, those entries are dropped and the rest is returned, so that the
    file's other subjects are still resolved and checked in the same run.
    """
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        reported: set[KeyPath] = set()
        for error in exc.errors(include_url=False):
            loc = error["loc"]
            key_path = doc.existing_path(loc)
            if error["type"] == "missing":
                key_path = (*key_path, loc[-1])
            if key_path in reported:  # one message per node: unions repeat themselves
                continue
            reported.add(key_path)
            on_key = error["type"] == "extra_forbidden" or "[key]" in loc
            location = doc.key_at(key_path) if on_key else doc.at(key_path)
            errors.error(location, _message(model, error, key_path))
    if salvage is None or any(len(path) < 2 or path[0] != salvage for path in reported):
        return None
    broken = {path[1] for path in reported}
    data = dict(doc.data)
    data[salvage] = {k: v for k, v in data[salvage].items() if k not in broken}
    try:
        return model.model_validate(data)
    except ValidationError:
        return None
