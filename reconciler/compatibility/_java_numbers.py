"""Doubles as Java reads and writes them, for Avro text as Avro Java handles it.

Avro Java's parser turns a ``float`` or ``double`` field's textual default into
a number with ``Double.parseDouble``, and its printer (Jackson) writes every
JSON double with ``Double.toString``: ``1.0E21`` where Python writes ``1e+21``,
and the non-finite ones as the strings ``"NaN"``, ``"Infinity"`` and
``"-Infinity"`` (Jackson's QUOTE_NON_NUMERIC_NUMBERS, on by default).
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

# FloatingDecimal.readJavaFormatString, after String.trim(): decimal, hexadecimal
# (binary exponent required) or a named value, with an optional type suffix.
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[fFdD]?")
_HEX = re.compile(r"[+-]?0[xX]([0-9a-fA-F]+\.?|[0-9a-fA-F]*\.[0-9a-fA-F]+)[pP][+-]?[0-9]+[fFdD]?")
_NAMED = re.compile(r"[+-]?(NaN|Infinity)")


def parse_java_double(text: str) -> float:
    """``Double.parseDouble(text)``; ValueError with Java's NumberFormatException message."""
    trimmed = text.strip("".join(chr(c) for c in range(0x21)))
    if not trimmed:
        raise ValueError("empty String")
    if _DECIMAL.fullmatch(trimmed):
        return float(trimmed.rstrip("fFdD"))
    if _HEX.fullmatch(trimmed):
        body = trimmed.rstrip("fFdD")
        sign = -1.0 if body.startswith("-") else 1.0
        return sign * float.fromhex(body.lstrip("+-"))
    if _NAMED.fullmatch(trimmed):
        return float(trimmed.lower().replace("infinity", "inf"))
    raise ValueError(f'For input string: "{text}"')


def java_double_text(value: float) -> str:
    """``Double.toString(value)`` (shortest digits, as Java 19+ prints them).

    Where one digit would do, Java writes two: of the two-digit decimals that read
    back as the double, the nearest to it. That is the digit and a zero except
    among the smallest (subnormal) doubles: ``Double.MIN_VALUE`` is ``4.9E-324``.
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    digits_tuple = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, digits_tuple.digits))
    exponent = len(digits) - 1 + int(digits_tuple.exponent)  # of the first digit
    if len(digits) == 1:
        mantissa, _, power = f"{abs(value):.1e}".partition("e")  # the nearest two digits
        if float(f"{mantissa}e{power}") == abs(value):
            digits, exponent = mantissa.replace(".", "").rstrip("0") or "0", int(power)
    if -3 <= exponent < 7:
        if exponent < 0:
            return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
        whole, fraction = digits[: exponent + 1].ljust(exponent + 1, "0"), digits[exponent + 1 :]
        return f"{sign}{whole}.{fraction or '0'}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exponent}"


def dumps_java(doc: Any, *, sort_keys: bool = False, ensure_ascii: bool = False) -> str:
    """Compact JSON as Jackson writes a tree: doubles by ``Double.toString``.

    A document without doubles (most schemas) is written by ``json.dumps``,
    fifteen times faster than this function's own walk.
    """
    if not has_float(doc):
        return json.dumps(
            doc, ensure_ascii=ensure_ascii, separators=(",", ":"), sort_keys=sort_keys
        )
    return _dumps(doc, sort_keys, ensure_ascii)


def has_float(doc: Any) -> bool:
    """Whether a decoded JSON document holds a float anywhere: encoders agree on
    everything else, and differ in how they print those."""
    pending = [doc]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, float):
            return True
    return False


def _dumps(doc: Any, sort_keys: bool, ascii_only: bool) -> str:
    if isinstance(doc, dict):
        pairs = sorted(doc.items()) if sort_keys else doc.items()
        items = (
            f"{json.dumps(key, ensure_ascii=ascii_only)}:{_dumps(value, sort_keys, ascii_only)}"
            for key, value in pairs
        )
        return "{" + ",".join(items) + "}"
    if isinstance(doc, list):
        return "[" + ",".join(_dumps(value, sort_keys, ascii_only) for value in doc) + "]"
    if isinstance(doc, float):
        text = java_double_text(doc)
        return text if math.isfinite(doc) else json.dumps(text)
    return json.dumps(doc, ensure_ascii=ascii_only)
