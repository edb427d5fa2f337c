"""Qualified subject names: ``:.ctx:subject`` names a subject in context ``.ctx``.

Confluent keeps every context in one flat namespace of subject strings; the
default context is ``.`` and its subjects are written without a prefix.  The
store keeps ``(context, name)`` pairs instead, so IDs, versions and configs are
naturally scoped per context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reconciler.confluent import CONTEXT_WILDCARD as WILDCARD
from reconciler.confluent import DEFAULT_CONTEXT, context_prefix
from reconciler.confluent import QualifiedSubject as Subject

__all__ = [
    "DEFAULT_CONTEXT",
    "WILDCARD",
    "PrefixFilter",
    "Subject",
    "context_prefix",
    "parse_subject",
    "prefix_filter",
    "prefix_matcher",
    "rewrite_context_path",
]

# ``:.ctx:name``, ``:.ctx:`` and ``:.ctx`` (a context), anything else in ``.``.
parse_subject = Subject.parse


def prefix_matcher(prefix: str) -> Callable[[Subject], bool]:
    """Confluent's ``subjectPrefix``: a string prefix over qualified subject names.

    ``:*:name`` matches ``name...`` in every context; anything else is a plain
    prefix of the qualified name, so ``abc`` stays in the default context,
    ``:.ctx:`` selects one context and the empty prefix matches everything.
    """
    if prefix.startswith(WILDCARD):
        name_prefix = prefix[len(WILDCARD) :]
        return lambda subject: subject.name.startswith(name_prefix)
    return lambda subject: subject.qualified.startswith(prefix)


@dataclass(frozen=True)
class PrefixFilter:
    """``subjectPrefix`` as SQL-friendly parts: a subject matches if it satisfies all.

    ``context`` (None: any) and a prefix of the subject ``name`` narrow the
    query to an index range; ``qualified`` (empty: none) is a prefix of the
    qualified name, for the prefixes that are not of that form.
    """

    context: str | None
    name: str
    qualified: str


def prefix_filter(prefix: str) -> PrefixFilter:
    """The same set of subjects as ``prefix_matcher(prefix)``, for SQL.

    A prefix without a leading colon can only match subjects of the default
    context, whose qualified name is their name; ``:.ctx:name`` only subjects
    of ``.ctx`` (``parse_subject`` never leaves ``:.ctx:`` at the start of a
    default-context name, and context names hold no colon).
    """
    if prefix.startswith(WILDCARD):
        return PrefixFilter(None, prefix[len(WILDCARD) :], "")
    if prefix and not prefix.startswith(":"):
        return PrefixFilter(DEFAULT_CONTEXT, prefix, "")
    if prefix.startswith(":.") and prefix.count(":") >= 2:
        subject = parse_subject(prefix)
        if subject.context != DEFAULT_CONTEXT:
            return PrefixFilter(subject.context, subject.name, "")
    return PrefixFilter(None, "", prefix)


def _qualified(text: str) -> bool:
    return text.startswith((":.", WILDCARD))


def rewrite_context_path(
    segments: list[str], query: dict[str, str]
) -> tuple[list[str], dict[str, str]]:
    """Turn ``/contexts/{ctx}/...`` into the plain route with qualified subjects.

    This is Confluent's ContextFilter: the segment after ``subjects`` (and the
    subject of a root ``config``/``mode``) gets the context prefix; ``/schemas``
    and ``/subjects`` get it as ``subjectPrefix``, ``/schemas/ids`` as ``subject``.
    """
    if len(segments) < 2 or segments[0] != "contexts":
        return segments, query
    prefix = context_prefix(segments[1])
    rest = segments[2:]
    if not rest:
        return ["contexts", prefix], query
    out: list[str] = []
    subject_next = root_config_or_mode = False
    for index, segment in enumerate(rest):
        if subject_next:
            out.append(segment if _qualified(segment) else prefix + segment)
            subject_next = False
            continue
        if segment == "subjects" or (index == 0 and segment in ("config", "mode")):
            subject_next = True
            root_config_or_mode = index == 0 and segment != "subjects"
        out.append(segment)
    if root_config_or_mode and subject_next and prefix:
        out.append(prefix)
    query = dict(query)
    path = "/".join(out)
    if path.startswith("schemas/ids"):
        subject = query.get("subject", "")
        if not _qualified(subject):
            query["subject"] = prefix + subject
    elif path in ("schemas", "subjects"):
        subject_prefix = query.get("subjectPrefix", "")
        if not _qualified(subject_prefix):
            query["subjectPrefix"] = prefix + subject_prefix
    return out, query
