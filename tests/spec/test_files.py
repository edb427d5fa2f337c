"""Schema and spec files are read as bytes and decoded exactly as ``open(...).read()`` would."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.spec import _files
from reconciler.spec._schemas import _posix_split

CASES = {
    "ascii": b'{"type": "string"}',
    "crlf and lone cr": b"a\r\nb\rc\n",
    "crlf across the first 8 KiB": b"a" * 8191 + b"\r\nb",
    "bom": b"\xef\xbb\xbf{}",
    "invalid at the start": b"\xff",
    "invalid past the first 8 KiB": b"a" * 9000 + b"\xff" + b"b" * 100,
    "truncated at the end": b"abc\xe2\x82",
    "multibyte across 8 KiB, invalid after": b"a" * 8191 + b"\xe2\x82\xac" + b"\xff",
}


@pytest.mark.parametrize("data", CASES.values(), ids=CASES.keys())
def test_the_text_or_the_error_is_the_one_open_gives(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "file"
    path.write_bytes(data)

    def outcome(read: Callable[[], str]) -> str:
        try:
            return "text: " + read()
        except UnicodeDecodeError as exc:
            return f"error: {exc}"

    assert _files.read_bytes(str(path)) == data
    with open(path, encoding="utf-8") as file:
        expected = outcome(file.read)
    assert outcome(lambda: _files.decode(data)) == expected


def test_a_file_read_twice_with_other_bytes_is_noted() -> None:
    reads = _files.Reads()
    reads.add("/p/a", b"1")
    reads.add("/p/a", b"1")
    assert reads.consistent
    reads.add("/p/a", b"2")
    assert not reads.consistent and reads.data == {"/p/a": b"1"}


def test_an_ascii_text_is_kept_as_the_string_decoded_not_a_second_copy() -> None:
    """The spec holds the decoded text anyway: ``Reads`` keeps that very string when it
    has the same characters as the bytes, and the bytes otherwise."""
    reads = _files.Reads()
    texts = {"/p/a": b'{"type": "string"}\n', "/p/b": b'"\xc3\xa9"', "/p/c": b"1\r\n"}
    decoded = {path: _files.decode(data) for path, data in texts.items()}
    for path, data in texts.items():
        reads.add(path, data, decoded[path])
    assert reads.data["/p/a"] is decoded["/p/a"]
    assert reads.data["/p/b"] is texts["/p/b"] and reads.data["/p/c"] is texts["/p/c"]
    assert {path: _files.as_bytes(kept) for path, kept in reads.data.items()} == texts
    reads.add("/p/a", b'{"type": "string"}\n')
    assert reads.consistent
    reads.add("/p/a", b'{"type": "int"}\n', '{"type": "int"}\n')
    assert not reads.consistent


@pytest.mark.parametrize(
    "value",
    [
        "a.avsc",
        "../s/a.avsc",
        "s//a.avsc",
        "/a.avsc",
        "//a.avsc",
        "///",
        "a/",
        "",
        ".",
        "a/..",
        "//x//y",
    ],
)
def test_schema_paths_split_as_posixpath_splits_them(value: str) -> None:
    assert _posix_split(value) == posixpath.split(value)
