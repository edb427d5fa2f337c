"""What a plan works out about each new version it registers, remembered across plans.

Whether the new schema parses, the defaults a registry would refuse, its
compatibility verdict against the subject's versions under a level, and what
it changes from the latest version: each is a pure function of schema texts
(a ``SchemaText``: type, text, references' texts), the level and the code, and
costs parses, checks and a structural diff (~2 ms a registration, deepdiff's
import on the first). A plan kept with ``PlanOptions.remember_results``
keeps each answer under a digest of all its inputs
(``reconciler.spec.ResultCache``, ``.reconcile/cache/results.json``), and the
next plan of the same registrations finds them without parsing anything:
the file is keyed by the digest of the packages that compute them
(``CODE``), so no answer outlives the code that gave it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import reconciler.compatibility
import reconciler.confluent
import reconciler.engine
from reconciler.confluent import transitive, versions_checked
from reconciler.spec import ResultCache, result_key

from .changes import Change, schema_changes
from .plan import Verdict
from .schemas import SchemaCache

if TYPE_CHECKING:  # the compatibility package's modules: imported where a schema is parsed
    from reconciler.compatibility import ParsedSchema

# What computes the answers: their sources and libraries key the file.
CODE = (reconciler.engine, reconciler.compatibility, reconciler.confluent)
LIBRARIES = ("avro", "jsonschema", "protobuf", "deepdiff")


def results_cache(root: Path) -> ResultCache:
    """The remembered answers of the project at ``root``."""
    return ResultCache(root, CODE, LIBRARIES)


class SchemaText(NamedTuple):
    """A schema as the registry takes it: what parsing it depends on."""

    schema_type: str
    text: str
    references: Mapping[str, str]  # name -> text, references of references included

    def inputs(self) -> list[object]:
        return [self.schema_type, self.text, sorted(self.references.items())]


def _parse(cache: SchemaCache, schema: SchemaText) -> ParsedSchema:
    return cache.parse(schema.schema_type, schema.text, schema.references)


def ensure_parses(cache: SchemaCache, schema: SchemaText) -> None:
    """Raise ``InvalidSchemaError`` (with its reason) unless ``schema`` parses; one
    remembered to parse is not parsed."""
    key = result_key("parses", *schema.inputs())
    if cache.results is not None and cache.results.get(key) is True:
        return
    _parse(cache, schema)
    if cache.results is not None:
        cache.results.put(key, True)


def refused(cache: SchemaCache, schema: SchemaText) -> tuple[str, ...]:
    """Why a registry would refuse ``schema`` for its field defaults
    (``compatibility.invalid_defaults``); ``schema`` parses."""
    return tuple(
        _remembered(
            cache,
            result_key("refused", *schema.inputs()),
            lambda: reconciler.compatibility.invalid_defaults(_parse(cache, schema)),
            list,
        )
    )


def verdict(
    cache: SchemaCache, level: str, new: SchemaText, history: Sequence[tuple[int, SchemaText]]
) -> Verdict:
    """``new`` checked under ``level`` against ``history`` (version number and schema of
    each version of the subject, oldest first; those that do not parse are not checked).
    """
    key = result_key(
        "verdict", level, *new.inputs(), [[n, *schema.inputs()] for n, schema in history]
    )
    compatible, checked, messages = _remembered(
        cache, key, lambda: _verdict(cache, level, new, history), _verdict_from
    )
    return Verdict(level, compatible, tuple(checked), tuple(messages))


def _verdict_from(value: Any) -> list[Any]:
    compatible, checked, messages = value
    if type(compatible) is not bool:
        raise TypeError("not a verdict")
    return [compatible, [int(n) for n in checked], [str(m) for m in messages]]


def _verdict(
    cache: SchemaCache, level: str, new: SchemaText, history: Sequence[tuple[int, SchemaText]]
) -> list[Any]:
    parsed = _parse(cache, new)
    if level == "NONE":
        return [True, [], []]
    # Only the versions the level checks are parsed: the latest that parses under a
    # level that is not transitive (a 1 % plan parsed five versions to check one).
    previous: list[tuple[int, ParsedSchema]] = []
    for number, schema in reversed(history):
        if schema.schema_type != new.schema_type:
            continue
        try:
            previous.append((number, _parse(cache, schema)))
        except reconciler.compatibility.InvalidSchemaError:
            continue  # a version the registry accepted but we cannot read: not checked
        if not transitive(level):
            break
    previous.reverse()
    numbers = tuple(n for n, _ in previous)
    result = reconciler.compatibility.check(
        new.schema_type, parsed, [p for _, p in previous], level
    )
    messages = [
        str(replace(m, version=numbers[m.version - 1]))
        if m.version is not None and 0 < m.version <= len(numbers)
        else str(m)
        for m in result.messages
    ]
    return [result.compatible, list(versions_checked(level, numbers)), messages]


def changes(cache: SchemaCache, old: SchemaText, new: SchemaText) -> tuple[Change, ...]:
    """What ``new`` changes from ``old`` (``changes.schema_changes``); none when ``old``
    does not parse. ``new`` parses."""
    key = result_key("changes", *old.inputs(), *new.inputs())
    found = _remembered(cache, key, lambda: _changes(cache, old, new), _changes_from)
    return tuple(Change(*entry) for entry in found)


def _changes(cache: SchemaCache, old: SchemaText, new: SchemaText) -> list[list[str | None]]:
    try:
        before = _parse(cache, old)
    except reconciler.compatibility.InvalidSchemaError:
        return []
    found = schema_changes(before, _parse(cache, new))
    return [[c.kind, c.path, c.before, c.after] for c in found]


def _changes_from(value: Any) -> list[list[str | None]]:
    if not all(len(entry) == 4 for entry in value):
        raise ValueError("not a change")
    return [[None if v is None else str(v) for v in entry] for entry in value]


def _remembered(
    cache: SchemaCache, key: str, compute: Callable[[], Any], check_shape: Callable[[Any], Any]
) -> Any:
    """The answer kept under ``key``, or ``compute()``'s (then kept)."""
    results = cache.results
    if results is not None:
        found = results.get(key)
        if found is not None:
            try:
                return check_shape(found)
            except (TypeError, ValueError, KeyError):
                pass  # not this code's answer: computed again
    value = compute()
    if results is not None:
        results.put(key, value)
    return value
