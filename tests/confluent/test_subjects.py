"""``:.ctx:subject`` is split one way everywhere, as Confluent's QualifiedSubject splits it.

client/src/main/java/io/confluent/kafka/schemaregistry/utils/QualifiedSubject.java
(confluentinc/schema-registry): every string splits (the constructor never
throws for the default tenant); ``:.ctx`` without its closing colon is the
context; after the context only the first colon counts.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.confluent import (
    DEFAULT_CONTEXT,
    QualifiedSubject,
    context_prefix,
    is_valid_subject,
    normalize_context,
)
from reconciler.engine.contexts import context_of, qualify, unqualify
from reconciler.localregistry._contexts import parse_subject

# Text rich in the characters that matter: colons, dots, and a few others.
texts = st.text(alphabet=st.sampled_from(":.ab*_-\x00"), max_size=12) | st.text(max_size=12)
context_names = st.text(alphabet=st.characters(blacklist_characters=":"), max_size=8)


@pytest.mark.parametrize(
    ("text", "context", "name"),
    [
        ("orders", ".", "orders"),
        (":.ctx:orders", ".ctx", "orders"),
        (":.ctx:", ".ctx", ""),
        (":.ctx", ".ctx", ""),  # no closing colon: still the context
        (":.x:y:z", ".x", "y:z"),  # only the first colon after the context counts
        (":.:orders", ".", "orders"),  # the default context spelled out
        (":.:", ".", ""),
        (":.", ".", ""),
        ("", ".", ""),
        (":x:y", ".", ":x:y"),  # no dot: a default-context name
        (":*:orders", "*", "orders"),
    ],
)
def test_malformed_and_edge_names_split_as_confluent(text: str, context: str, name: str) -> None:
    assert QualifiedSubject.parse(text) == QualifiedSubject(context, name)


@given(texts)
def test_every_text_splits_and_its_qualified_form_splits_the_same(text: str) -> None:
    subject = QualifiedSubject.parse(text)
    assert QualifiedSubject.parse(subject.qualified) == subject


@given(context_names, texts)
def test_a_prefixed_name_lands_in_its_context(context: str, name: str) -> None:
    if normalize_context(context) == DEFAULT_CONTEXT and name.startswith((":.", ":*:")):
        return  # a qualified name in the default context carries its own context
    subject = QualifiedSubject.parse(context_prefix(context) + name)
    assert subject == QualifiedSubject(normalize_context(context), name)


@given(texts)
def test_the_engine_and_the_local_registry_agree_with_the_rule(text: str) -> None:
    subject = QualifiedSubject.parse(text)
    assert parse_subject(text) == subject
    if subject.context != "*":
        assert context_of(text) == subject.context
        assert unqualify(text) == subject.name
        assert QualifiedSubject.parse(qualify(subject.context, subject.name)) == subject


def test_a_colon_inside_a_context_name_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot contain a colon"):
        normalize_context(":.a:b:")


@pytest.mark.parametrize(
    ("text", "config_or_mode", "valid"),
    [
        ("orders", False, True),
        ("or\x00ders", False, False),
        ("__GLOBAL", True, False),
        (":.ctx:__EMPTY", True, False),
        (":.__GLOBAL:", True, True),
        (":.__GLOBAL:orders", False, False),
    ],
)
def test_valid_subjects(text: str, config_or_mode: bool, valid: bool) -> None:
    assert is_valid_subject(text, config_or_mode=config_or_mode) is valid
