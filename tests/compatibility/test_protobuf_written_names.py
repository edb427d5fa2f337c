"""The canonical Protobuf form never prints a misread type name (issue 12, item 1)."""

from __future__ import annotations

from reconciler.compatibility import parse
from reconciler.compatibility._protobuf import _Model
from reconciler.compatibility._protoprint import Printer

SCHEMA = (
    'syntax = "proto3";\npackage t;\nimport "google/protobuf/timestamp.proto";\n'
    "message X {\n  Y y = 1;\n  map<string, Y> m = 2;\n}\nmessage Y {}\n"
    "service S {\n  rpc Get (X) returns (Y);\n}\n"
)
# SourceCodeInfo paths of the names: X.y's type, X.m's type, S.Get's input and output.
PATHS = ((4, 0, 2, 0, 6), (4, 0, 2, 1, 6), (6, 0, 2, 0, 2), (6, 0, 2, 0, 3))


def _print(written: dict[tuple[int, ...], str]) -> str:
    model: _Model = parse("PROTOBUF", SCHEMA).native  # type: ignore[assignment]
    return Printer(model.files, written=written).render()


def test_names_as_written_are_kept() -> None:
    text = _print(dict(zip(PATHS, ("t.Y", "map<string, .t.Y>", "X", ".t.Y"), strict=True)))
    assert "  t.Y y = 1;\n  map<string, .t.Y> m = 2;\n" in text
    assert "rpc Get (X) returns (.t.Y);" in text


def test_a_misread_name_gives_way_to_the_resolved_one() -> None:
    misread = ("; y", "map<string, Z>", "X x", "Timestamp")
    text = _print(dict(zip(PATHS, misread, strict=True)))
    assert "  .t.Y y = 1;\n  map<string, .t.Y> m = 2;\n" in text
    assert "rpc Get (.t.X) returns (.t.Y);" in text
    parse("PROTOBUF", text)
