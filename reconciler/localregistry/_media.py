"""Content negotiation as Confluent's REST resources declare it (Jersey's rules).

Every Confluent resource ``@Produces`` ``application/vnd.schemaregistry.v1+json``
(server quality 1), ``application/vnd.schemaregistry+json`` (qs 0.9) and
``application/json`` (qs 0.5), and ``@Consumes`` those three plus
``application/octet-stream``, the type Jersey assumes for a body sent without
one. Jersey refuses an unreadable ``Content-Type`` with 415 and then an
``Accept`` that none of the produced types satisfies with 406, both after the
resource and method matched (so 404 and 405 come first).
"""

from __future__ import annotations

from functools import lru_cache

from . import _errors as errors

V1_JSON = "application/vnd.schemaregistry.v1+json"
_PRODUCED: tuple[tuple[str, float], ...] = (
    (V1_JSON, 1.0),
    ("application/vnd.schemaregistry+json", 0.9),
    ("application/json", 0.5),
)
_CONSUMED = frozenset(
    (V1_JSON, "application/vnd.schemaregistry+json", "application/json", "application/octet-stream")
)


def _media_range(text: str) -> tuple[str, float]:
    """``type/subtype`` (lower case, parameters dropped) and the ``q`` parameter of one range."""
    kind, *params = text.split(";")
    quality = 1.0
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                quality = 0.0
    return kind.strip().lower(), quality


def _client_quality(ranges: list[tuple[str, float]], produced: str) -> float:
    """The q of the most specific range matching ``produced`` (0 when none does)."""
    main = produced.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for kind, quality in ranges:
        if kind == produced:
            specificity = 2
        elif kind == f"{main}/*":
            specificity = 1
        elif kind in ("*/*", "*"):
            specificity = 0
        else:
            continue
        if specificity > best[0]:
            best = (specificity, quality)
    return best[1]


@lru_cache(maxsize=256)
def response_type(accept: str) -> str:
    """The produced type for an ``Accept`` header: client q first, then the server's qs.

    Raises 406 when the client accepts none of them.
    """
    if not accept.strip():
        return V1_JSON
    ranges = [_media_range(part) for part in accept.split(",") if part.strip()]
    scored = [(_client_quality(ranges, kind), qs, kind) for kind, qs in _PRODUCED]
    quality, _, kind = max(scored, key=lambda s: (s[0], s[1]))
    if quality <= 0:
        raise errors.not_acceptable()
    return kind


def check_readable(content_type: str | None) -> None:
    """415 unless the request's ``Content-Type`` (absent: octet-stream) is one Confluent reads."""
    if content_type is None or not content_type.strip():
        return
    if _media_range(content_type)[0] not in _CONSUMED:
        raise errors.unsupported_media_type()
