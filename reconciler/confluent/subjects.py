"""``:.ctx:subject`` names, split as Confluent's ``utils/QualifiedSubject.java`` splits them.

Confluent keeps every context in one flat namespace of strings: ``name`` is in
the default context ``.``, ``:.ctx:name`` in context ``.ctx`` and ``:.ctx:``
(or ``:.ctx``, without the closing colon) is the context itself. Every string
splits: a name that does not start with ``:.`` is a default-context name,
whatever colons it holds, and after the context only the first ``:`` counts
(``:.a:b:c`` is ``b:c`` in ``.a``). ``:*:name`` is the wildcard context of
``subjectPrefix``. Tenants (Confluent Cloud) are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

DEFAULT_CONTEXT = "."
# Confluent's GLOBAL_CONTEXT_NAME: the last fallback of config and mode, every context.
GLOBAL_CONTEXT = ".__GLOBAL"
WILDCARD = "*"
CONTEXT_WILDCARD = ":*:"
_CONTEXT_PREFIX = ":."
# Subject names Confluent reserves (GLOBAL_SUBJECT_NAME, EMPTY_SUBJECT_NAME).
_RESERVED_NAMES = frozenset({"__GLOBAL", "__EMPTY"})


@dataclass(frozen=True, order=True)
class QualifiedSubject:
    """A subject inside a context; ``name == ""`` is the context itself."""

    context: str
    name: str

    @classmethod
    def parse(cls, text: str) -> QualifiedSubject:
        """Confluent's ``new QualifiedSubject(tenant, qualifiedSubject)``, default tenant."""
        if text.startswith(_CONTEXT_PREFIX):
            context, colon, name = text[1:].partition(":")
            return cls(context, name if colon else "")
        if text.startswith(CONTEXT_WILDCARD):
            return cls(WILDCARD, text[len(CONTEXT_WILDCARD) :])
        return cls(DEFAULT_CONTEXT, text)

    @property
    def qualified(self) -> str:
        """``toQualifiedSubject``: the name alone in the default context."""
        return self.name if self.context == DEFAULT_CONTEXT else f":{self.context}:{self.name}"

    @property
    def is_context(self) -> bool:
        return self.name == ""

    @property
    def context_key(self) -> QualifiedSubject:
        """The context's own level (``:.ctx:``; the default context's is the global one)."""
        return QualifiedSubject(self.context, "")


def normalize_context(context: str | None) -> str:
    """``None``, ``""``, ``.``, ``:.:`` -> ``.``; ``ctx``, ``.ctx``, ``:.ctx:`` -> ``.ctx``.

    Confluent's ``normalizeContext`` (less its colon wrapping, which is
    :func:`context_prefix`); a colon inside a context name is refused there
    with IllegalArgumentException, here with ValueError.
    """
    context = (context or "").removeprefix(":").removesuffix(":")
    if ":" in context:
        raise ValueError(f"Context name '{context}' cannot contain a colon")
    if not context.startswith("."):
        context = "." + context
    return context


@lru_cache(maxsize=1024)  # a plan asks for the same few contexts' prefix 74,000 times
def context_prefix(context: str | None) -> str:
    """The prefix that puts a subject in ``context``: ``:.ctx:``, or ``""`` for the default."""
    context = normalize_context(context)
    return "" if context == DEFAULT_CONTEXT else f":{context}:"


def is_valid_subject(text: str, *, config_or_mode: bool = False) -> bool:
    """Confluent's ``isValidSubject``: no ISO control character, no reserved name,
    and the ``.__GLOBAL`` context only for config and mode."""
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in text):
        return False
    subject = QualifiedSubject.parse(text)
    if subject.name in _RESERVED_NAMES:
        return False
    return config_or_mode or subject.context != GLOBAL_CONTEXT
