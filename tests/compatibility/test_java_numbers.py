"""``Double.toString`` as Java 19+ writes it (JDK-4511638): the shortest decimal that
reads back as the double, and when that has one digit, the two-digit one nearest it."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.compatibility._java_numbers import java_double_text

KNOWN = [
    (5e-324, "4.9E-324"),  # Double.MIN_VALUE
    (1e-323, "9.9E-324"),
    (1.5e-323, "1.5E-323"),
    (2.2250738585072014e-308, "2.2250738585072014E-308"),  # Double.MIN_NORMAL
    (1.7976931348623157e308, "1.7976931348623157E308"),  # Double.MAX_VALUE
    (1e23, "1.0E23"),
    (1e21, "1.0E21"),
    (1e7, "1.0E7"),
    (1234567.0, "1234567.0"),
    (0.001, "0.001"),
    (1e-4, "1.0E-4"),
    (-2.5, "-2.5"),
    (100.0, "100.0"),
    (-0.0, "-0.0"),
]


@pytest.mark.parametrize(("value", "text"), KNOWN)
def test_known_values(value: float, text: str) -> None:
    assert java_double_text(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_the_text_reads_back_as_the_same_double(value: float) -> None:
    text = java_double_text(value)
    assert float(text) == value and math.copysign(1, float(text)) == math.copysign(1, value)
    digits = text.lstrip("-").split("E")[0].replace(".", "").strip("0")
    shortest = repr(abs(value)).split("e")[0].replace(".", "").strip("0")
    # as many significant digits as Python's shortest repr, or two where it has one
    assert len(shortest) <= len(digits) <= max(len(shortest), 2)
