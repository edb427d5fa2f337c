"""Lint rules for Protobuf schemas, on the descriptors protoc produces."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from reconciler.compatibility import protobuf_leading_zeros

from ._source import Emit, Source

if TYPE_CHECKING:  # protobuf is imported only when a Protobuf schema is linted
    from google.protobuf import descriptor_pb2


_OCTAL = frozenset("01234567")


def lint(source: Source, emit: Emit) -> None:
    file = source.descriptor
    if file is None:
        return  # the loader reports invalid schemas
    for number in protobuf_leading_zeros(source.text):
        decimal = str(int(number, 10))
        octal = f"{int(number, 8)}" if set(number) <= _OCTAL else "an error (not octal)"
        emit(
            "PROTO_NUMBER_LEADING_ZERO",
            f"{number} is {decimal} to Confluent and plan, {octal} to protoc",
            "",
            [rf"(?<![\w.]){re.escape(number)}(?![\w.])"],
            fix=f"write {decimal}",
        )
    if not file.package:
        emit(
            "PROTO_PACKAGE_MISSING",
            "no package: the schema's types are in the global namespace",
            "",
            [r"\bsyntax\b"],
        )
    _enums(file.enum_type, file.package, file.message_type, emit)


def _enums(
    enums: Iterable[descriptor_pb2.EnumDescriptorProto],
    scope: str,
    messages: Iterable[descriptor_pb2.DescriptorProto],
    emit: Emit,
) -> None:
    for enum in enums:
        full = f"{scope}.{enum.name}" if scope else enum.name
        zero = next((v for v in enum.value if v.number == 0), None)
        if zero is not None and not zero.name.endswith("_UNSPECIFIED"):
            emit(
                "PROTO_ENUM_ZERO_VALUE",
                f"enum {full}: zero value {zero.name} does not end in _UNSPECIFIED "
                f"(e.g. {_upper_snake(enum.name)}_UNSPECIFIED)",
                full,
                [rf"\benum\s+{re.escape(enum.name)}\b", rf"\b{re.escape(zero.name)}\s*=\s*0\b"],
            )
    for message in messages:
        inner = f"{scope}.{message.name}" if scope else message.name
        _enums(message.enum_type, inner, message.nested_type, emit)


def _upper_snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()
