"""A value remembered in ``marshal``'s form (spec/_remembered.py): read back as written,
or not at all when the file is damaged, foreign (another key, another code) or absent."""

from __future__ import annotations

from pathlib import Path

import pytest

import reconciler.compatibility
import reconciler.confluent
from reconciler.spec import RememberedValue

CODE = (reconciler.compatibility,)
VALUE = {"a\0.": ((b"\x01" * 32,), None, ("s",), (2,), b"\x02" * 32)}


@pytest.fixture(autouse=True)
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


def test_a_value_is_read_back_as_written(tmp_path: Path) -> None:
    assert RememberedValue(tmp_path, "v", CODE, ("avro",)).read() is None
    RememberedValue(tmp_path, "v", CODE, ("avro",)).write(VALUE)
    assert RememberedValue(tmp_path, "v", CODE, ("avro",)).read() == VALUE


@pytest.mark.parametrize("damage", ["partial", "corrupt", "empty"])
def test_a_damaged_file_is_ignored(tmp_path: Path, damage: str) -> None:
    value = RememberedValue(tmp_path, "v", CODE, ("avro",))
    value.write(VALUE)
    data = value.path.read_bytes()
    value.path.write_bytes(
        {"partial": data[:-5], "corrupt": data[:-3] + b"\x00" + data[-2:], "empty": b""}[damage]
    )
    assert value.read() is None


def test_a_file_of_other_code_or_another_key_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    RememberedValue(tmp_path, "v", CODE, ("avro",)).write(VALUE)
    assert RememberedValue(tmp_path, "v", (reconciler.confluent,), ("avro",)).read() is None
    assert RememberedValue(tmp_path, "v", CODE, ("avro", "orjson")).read() is None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    assert RememberedValue(tmp_path, "v", CODE, ("avro",)).read() is None
