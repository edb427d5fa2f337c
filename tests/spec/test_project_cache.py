"""The project cache: a second load of an unchanged project reuses the specs, safely.

Keyed by content (every file the specs were made from, the variables they
interpolate, the code that loads), never by time; a damaged or foreign file
is ignored and rewritten; it holds no credential.
"""

from __future__ import annotations

import gc
import io
import os
import pickle
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

import reconciler
from reconciler.spec import Project, SpecErrors, _checks, _load, _schemas, _yaml, load_project
from reconciler.spec import _cache as cache
from reconciler.spec._cache import PROJECT_CACHE_FILE, SETTINGS_CACHE_FILE
from reconciler.spec._files import decode
from reconciler.spec.model import (
    BasicAuth,
    ContextSpec,
    Location,
    ReferenceSpec,
    SubjectSpec,
    VersionSpec,
)

from .conftest import ORDER, Write

WIDER = ORDER.replace('"string"}]', '"string"}, {"name": "n", "type": "int", "default": 0}]')
PROJECT = {
    "reconcile.yaml": "version: 1\nregistries:\n  local:\n    url: http://localhost:8081\n"
    "    auth:\n      basic: {username: svc, password: '${REGISTRY_PASSWORD}'}\n",
    "specs/app.yaml": "registry: local\nsubjects:\n"
    "  order-value:\n    schema: ../schemas/order.avsc\n    compatibility: ${LEVEL}\n",
    "schemas/order.avsc": ORDER,
}
ENV = {"LEVEL": "FULL", "REGISTRY_PASSWORD": "s3cr3t-password-value"}


@pytest.fixture(autouse=True)
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The MAC key lives in the user's cache directory: a temporary one here."""
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


def load(root: Path, environ: dict[str, str] | None = None) -> Project:
    return load_project(root, ENV if environ is None else environ, parse_cache=True)


def stamp(root: Path) -> tuple[int, int]:
    """Which cache file is there: a load that did not reuse it writes a new one."""
    info = (root / PROJECT_CACHE_FILE).stat()
    return info.st_ino, info.st_mtime_ns


def subject(project: Project) -> tuple[str | None, str | None]:
    order = project.specs[0].subjects["order-value"]
    return order.schema, order.compatibility


def test_a_second_load_reuses_the_specs_and_writes_nothing(write: Write) -> None:
    root = write(PROJECT)
    first = load(root)
    before = stamp(root)
    second = load(root)
    assert stamp(root) == before
    assert second == first
    assert second.specs[0].subjects["order-value"].location == (
        first.specs[0].subjects["order-value"].location
    )


def test_writing_the_caches_leaves_no_garbage_for_the_collector(write: Write) -> None:
    """The picklers of the project and settings caches are freed as they are dropped:
    left in a cycle, they and everything they hold (the memo, the inputs' bytes) would
    wait for a full collection, which a load's pause of the collector puts far off."""
    root = write(PROJECT)
    enabled = gc.isenabled()
    gc.disable()
    try:
        load(root)
        assert stamp(root)  # written
        assert not [o for o in gc.get_objects() if isinstance(o, cache._PayloadPickler)]
    finally:
        if enabled:
            gc.enable()


def test_what_proven_raises_is_not_taken_for_an_unreadable_cache(write: Write) -> None:
    """``load_project``'s ``on_settings`` (the plan's read-ahead) runs once the project is
    proven unchanged: an error of its own reaches the caller, where it was taken for a
    damaged cache (a whole load instead, silently)."""
    root = write(PROJECT)
    load(root)
    called: list[object] = []

    def fails(registries: object) -> None:
        called.append(registries)
        raise ValueError("the caller's own")

    with pytest.raises(ValueError, match="the caller's own"):
        load_project(root, ENV, parse_cache=True, on_settings=fails)
    assert len(called) == 1


def test_an_edited_schema_file_is_seen(write: Write) -> None:
    root = write(PROJECT)
    load(root)
    (root / "schemas/order.avsc").write_text(WIDER)
    assert subject(load(root)) == (WIDER, "FULL")


def test_an_edited_spec_file_is_seen_even_with_the_same_size_and_time(write: Write) -> None:
    root = write(PROJECT)
    load(root)
    spec = root / "specs/app.yaml"
    info = spec.stat()
    spec.write_text(spec.read_text().replace("order-value", "order-valuE"))
    os.utime(spec, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert list(load(root).specs[0].subjects) == ["order-valuE"]


def test_a_new_spec_file_is_seen(write: Write) -> None:
    root = write(PROJECT)
    load(root)
    (root / "specs/more.yaml").write_text(
        "registry: local\ncontext: more\nsubjects:\n  x-value: {schema: ../schemas/order.avsc}\n"
    )
    assert sorted(s.context for s in load(root).specs) == [".", ".more"]


def test_a_variable_the_specs_use_is_part_of_the_key(write: Write) -> None:
    root = write(PROJECT)
    load(root)
    assert subject(load(root, {**ENV, "LEVEL": "NONE"}))[1] == "NONE"
    with pytest.raises(SpecErrors):  # unset: the load reports it, as without a cache
        load(root, {"REGISTRY_PASSWORD": "x"})


def test_another_version_of_reconcile_is_another_cache(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write(PROJECT)
    load(root)
    before = stamp(root)
    monkeypatch.setattr(reconciler, "__version__", "99.0")
    cache._spec_digest.cache_clear()
    try:
        load(root)
        assert stamp(root) != before
    finally:
        monkeypatch.undo()
        cache._spec_digest.cache_clear()


@pytest.mark.parametrize("damage", ["truncated", "garbage", "forged with another key"])
def test_a_damaged_or_foreign_cache_is_ignored_and_rewritten(
    write: Write, damage: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = write(PROJECT)
    path = root / PROJECT_CACHE_FILE
    if damage == "forged with another key":
        # Made elsewhere (e.g. committed by a pull request), saying the schema is WIDER.
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
        (root / "schemas/order.avsc").write_text(WIDER)
        load(root)
        (root / "schemas/order.avsc").write_text(ORDER)
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    else:
        load(root)
        good = path.read_bytes()
        path.write_bytes(good[: len(good) // 2] if damage == "truncated" else b"\x00\xffno")
    before = stamp(root)
    assert subject(load(root)) == (ORDER, "FULL")
    assert stamp(root) != before  # rewritten
    again = stamp(root)
    load(root)
    assert stamp(root) == again  # and used


def test_the_cache_holds_no_credential_and_no_variable_value(write: Write) -> None:
    root = write(PROJECT)
    load(root)
    data = (root / PROJECT_CACHE_FILE).read_bytes()
    assert b"s3cr3t-password-value" not in data
    assert b"svc" not in data
    assert b"localhost:8081" not in data


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_a_schema_read_through_a_symlink_is_not_cached(write: Write) -> None:
    root = write(PROJECT)
    (root / "schemas/real.avsc").write_text(ORDER)
    (root / "schemas/order.avsc").unlink()
    (root / "schemas/order.avsc").symlink_to("real.avsc")
    load(root)
    assert not (root / PROJECT_CACHE_FILE).exists()
    (root / "schemas/other.avsc").write_text(WIDER)
    (root / "schemas/order.avsc").unlink()
    (root / "schemas/order.avsc").symlink_to("other.avsc")
    assert subject(load(root))[0] == WIDER


def test_a_schema_file_replaced_by_a_symlink_out_of_the_project_is_refused(
    write: Write, tmp_path: Path
) -> None:
    """The same bytes, now outside the project: the load's own check must run."""
    root = write(PROJECT)
    load(root)
    outside = tmp_path / "outside.avsc"
    outside.write_text(ORDER)
    (root / "schemas/order.avsc").unlink()
    (root / "schemas/order.avsc").symlink_to(outside)
    with pytest.raises(SpecErrors, match="resolves outside the project directory"):
        load(root)


def test_a_schema_folder_replaced_by_a_symlink_out_of_the_project_is_refused(
    write: Write, tmp_path: Path
) -> None:
    root = write(PROJECT)
    load(root)
    (root / "schemas").rename(tmp_path / "moved")
    (root / "schemas").symlink_to(tmp_path / "moved")
    with pytest.raises(SpecErrors, match="resolves outside the project directory"):
        load(root)


class Planted:
    """A pickle that, once unpickled, makes a directory: proof that it was."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.mkdir, (str(self.marker),)


@pytest.mark.parametrize("signed_by", ["this user's key, payload replaced", "another key"])
def test_a_planted_cache_file_is_never_unpickled(
    write: Write, signed_by: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project.bin from a checkout (or edited in place) must not run its pickle."""
    root = write(PROJECT)
    marker = tmp_path / "unpickled"
    if signed_by == "another key":
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "attacker"))
    load(root)  # a genuine file: its header's digest matches the project
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    path = root / PROJECT_CACHE_FILE
    mac, header, _ = path.read_bytes().split(b"\n", 2)
    path.write_bytes(mac + b"\n" + header + b"\n" + pickle.dumps(Planted(marker)))
    assert subject(load(root)) == (ORDER, "FULL")
    assert not marker.exists()


def test_the_cache_file_is_private(write: Write) -> None:
    root = write(PROJECT)
    load(root)
    assert (root / PROJECT_CACHE_FILE).stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("edited", ["schemas/order.avsc", "specs/app.yaml"])
def test_a_file_edited_while_the_project_loads_is_not_cached_under_its_new_bytes(
    write: Write, edited: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key is the bytes the specs were made from, not the bytes found afterwards.

    The edit lands after the load read the file and before the cache is written
    (an editor or a ``git checkout`` running beside a plan): a cache keyed by the
    new bytes would hand the old specs to every later load of the edited file.
    """
    root = write(PROJECT)
    path = root / edited
    new = path.read_text().replace('"id"', '"key"').replace("${LEVEL}", "NONE")
    checks = _checks.check_all

    def check_then_edit(*args: Any, **kwargs: Any) -> None:
        checks(*args, **kwargs)
        path.write_text(new)

    with monkeypatch.context() as patched:
        patched.setattr(_checks, "check_all", check_then_edit)
        assert subject(load(root)) == (ORDER, "FULL")  # what it read
    schema, level = subject(load(root))
    assert (schema, level) == ((new, "FULL") if edited.startswith("schemas") else (ORDER, "NONE"))


def test_a_schema_file_read_twice_with_other_bytes_is_not_cached(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two subjects share a file edited between their reads, then edited back: no
    single key describes specs holding both texts, so none is written."""
    root = write(
        {
            **PROJECT,
            "specs/app.yaml": "registry: local\nsubjects:\n"
            "  a-value: {schema: ../schemas/order.avsc}\n"
            "  b-value: {schema: ../schemas/order.avsc}\n",
        }
    )
    path = root / "schemas/order.avsc"
    read_bytes, edits = _schemas.read_bytes, [WIDER, ORDER]

    def read_then_edit(name: str, size: int = 0) -> bytes:
        data = read_bytes(name, size)
        if name == str(path) and edits:
            path.write_text(edits.pop(0))
        return data

    with monkeypatch.context() as patched:
        patched.setattr(_schemas, "read_bytes", read_then_edit)
        first = load(root).specs[0].subjects
    assert [first[name].schema for name in ("a-value", "b-value")] == [ORDER, WIDER]
    assert not (root / PROJECT_CACHE_FILE).exists()
    again = load(root).specs[0].subjects
    assert [again[name].schema for name in ("a-value", "b-value")] == [ORDER, ORDER]


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_a_spec_file_reached_through_a_symlink_is_not_cached(write: Write) -> None:
    root = write(PROJECT)
    (root / "app.yaml").write_text((root / "specs/app.yaml").read_text())
    (root / "specs/app.yaml").unlink()
    (root / "specs/app.yaml").symlink_to("../app.yaml")
    assert subject(load(root)) == (ORDER, "FULL")
    assert not (root / PROJECT_CACHE_FILE).exists()


def test_paths_come_back_from_the_payload_as_they_went_in(tmp_path: Path) -> None:
    """Paths are written as parent and name (``_PayloadPickler``): any path, root,
    relative or not, comes back equal and of its type."""
    paths = [tmp_path / "schemas" / "a.avsc", tmp_path / "schemas" / "b.avsc", tmp_path]
    paths += [Path(tmp_path.anchor), Path("."), Path("relative/c.avsc"), Path("d")]
    back = pickle.loads(cache._dumps(paths))
    assert back == paths
    assert [type(path) for path in back] == [type(path) for path in paths]
    assert [str(path) for path in back] == [str(path) for path in paths]


def test_spec_objects_come_back_from_the_payload_as_they_went_in(tmp_path: Path) -> None:
    """Spec objects are written without their default fields (``_reduce_spec``): every
    field reads back as it was, defaults included, and the objects compare and hash equal."""
    at = Location(tmp_path / "specs" / "a.yaml", 3, 5, tmp_path)
    version = VersionSpec("{}", version=2, delete="soft", metadata={"k": "v"}, location=at)
    subjects = {
        "plain": SubjectSpec("plain", schema='"string"', location=at),
        "full": SubjectSpec(
            "full",
            type="PROTOBUF",
            versions=(version, VersionSpec("{}", type="JSON")),
            references=(ReferenceSpec("r", "other", "latest", at),),
            compatibility="FULL",
            normalize=True,
            schema_path=tmp_path / "schemas" / "full.proto",
        ),
    }
    spec = ContextSpec(tmp_path / "specs" / "a.yaml", ("main",), ".ctx", subjects=subjects)
    back = pickle.loads(cache._dumps(spec))
    assert back == spec
    assert hash(back.subjects["full"].references) == hash(spec.subjects["full"].references)
    for name, subject in spec.subjects.items():
        assert astuple_shallow(back.subjects[name]) == astuple_shallow(subject)
    assert back.subjects["plain"].type == "AVRO"
    assert back.subjects["plain"].location.root == tmp_path  # compare=False: checked apart


def astuple_shallow(obj: Any) -> tuple[Any, ...]:
    return tuple((field.name, getattr(obj, field.name)) for field in fields(obj))


# --- the project file's settings (.reconcile/cache/settings.bin) ----------------------

TWO_REGISTRIES = (
    "version: 1\nmax_deletes: 3\nregistries:\n  local:\n    url: http://localhost:8081\n"
    "    timeout: ${TIMEOUT}\n"
    "    auth:\n      basic: {username: svc, password: '${REGISTRY_PASSWORD}'}\n"
    "  other:\n    url: ${OTHER_URL}\n    proxy: http://proxy-user:proxy-pass@127.0.0.1:3128\n"
    "lint:\n  skip: [naming]\n"
)


def test_a_second_load_takes_the_project_settings_from_the_cache(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unchanged bytes and variables: the settings are not validated again (no pydantic),
    and the project is the same, down to the locations and the deferred warnings."""
    root = write({**PROJECT, "reconcile.yaml": TWO_REGISTRIES})
    environ = {**ENV, "TIMEOUT": "5"}
    first = load(root, environ)
    assert any("OTHER_URL" in str(warning) for warning in first.warnings)

    def refuse(*args: Any) -> None:
        raise AssertionError("the project file was validated again")

    monkeypatch.setattr(_load, "settings", refuse)
    second = load(root, environ)
    assert second == first
    assert second.warnings == first.warnings
    assert second.registries["local"].location == first.registries["local"].location
    assert second.registries["local"].timeout == 5.0


def test_the_settings_follow_the_project_files_variables(write: Write) -> None:
    root = write({**PROJECT, "reconcile.yaml": TWO_REGISTRIES})
    load(root, {**ENV, "TIMEOUT": "5"})
    local = load(root, {**ENV, "TIMEOUT": "7", "REGISTRY_PASSWORD": "p2"}).registries["local"]
    assert (local.timeout, local.auth) == (7.0, BasicAuth("svc", "p2"))


@pytest.mark.parametrize(
    "edit",
    [
        ("    auth:", "    tiemout: 3\n    auth:"),
        ("http://localhost", "ftp://localhost"),
        ("    auth:", "    timeout: -1\n    auth:"),
    ],
    ids=["unknown key", "bad url", "bad value"],
)
def test_errors_in_the_project_file_are_reported_as_without_a_cache(
    write: Write, edit: tuple[str, str]
) -> None:
    root = write(PROJECT)
    load(root)  # valid settings kept
    project_file = root / "reconcile.yaml"
    project_file.write_text(project_file.read_text().replace(*edit))
    with pytest.raises(SpecErrors) as cached:
        load(root)
    with pytest.raises(SpecErrors) as fresh:
        load_project(root, ENV)
    assert [str(e) for e in cached.value.errors] == [str(e) for e in fresh.value.errors]
    assert "reconcile.yaml:" in str(cached.value)


def test_settings_with_tls_files_are_not_kept(write: Write) -> None:
    """Whether a TLS file exists is no part of the key: such settings are made each time."""
    root = write(
        {
            **PROJECT,
            "reconcile.yaml": "version: 1\nregistries:\n  local:\n    url: https://h:8081\n"
            "    tls: {ca_file: ca.pem}\n",
            "ca.pem": "not read at load",
        }
    )
    load(root)
    assert not (root / SETTINGS_CACHE_FILE).exists()
    (root / "ca.pem").unlink()
    with pytest.raises(SpecErrors, match=r"file not found: ca\.pem"):
        load(root)


def test_no_cache_file_holds_a_credential_a_url_or_a_variable_value(write: Write) -> None:
    root = write({**PROJECT, "reconcile.yaml": TWO_REGISTRIES})
    load(root, {**ENV, "TIMEOUT": "5", "OTHER_URL": "http://other-host:8081"})
    files = sorted((root / PROJECT_CACHE_FILE).parent.iterdir())
    assert root / SETTINGS_CACHE_FILE in files
    for path in files:
        data = path.read_bytes()
        for secret in (b"s3cr3t-password-value", b"svc", b"localhost:8081", b"proxy-pass"):
            assert secret not in data, (path.name, secret)
        assert b"other-host" not in data


# Project files whose strings are read back from where they are written, each with the
# variables of its loads.
WRITTEN = {
    "plain": ("url: http://localhost:8081", {}),
    "plain, a comment": ("url: http://localhost:8081   # the test registry", {}),
    "double-quoted": ('url: "http://localhost:8081"', {}),
    "single-quoted": ("url: 'http://localhost:8081'", {}),
    "a variable": ("url: ${URL}", {"URL": "http://from-the-environment:1"}),
    "a variable among words": ("url: http://${HOST}:8081/", {"HOST": "h"}),
    "a fallback": ("url: ${URL:-http://fallback:2}", {}),
    "a fallback not taken": ("url: ${URL:-http://fallback:2}", {"URL": "http://set:3"}),
    "an escaped reference": ("url: http://h:1/$${x}", {}),
    "a dollar alone": ("url: http://h:1/$x", {}),
    "a trailing space": ("url: 'http://h:1 '", {}),
}
# Strings a span cannot give back: read from the document, parsed again.
PARSED = {
    "an escape": ('url: "http://local\\x68ost:8081"', {}),
    "a doubled quote": ("url: 'http://h:1/''q'''", {}),
    "a folded line": ("url: http://localhost:8081\n      /path", {}),
    "a flow sequence": ("url: http://localhost:8081\n    allow: [register, config]", {}),
    "a block scalar": ("url: >-\n      http://localhost:8081", {}),
}


def settings_file(registry: str) -> str:
    return f"version: 1\nregistries:\n  local:\n    {registry}\n    timeout: 5\n"


@pytest.mark.parametrize(("registry", "environ"), WRITTEN.values(), ids=WRITTEN.keys())
def test_the_settings_strings_are_read_back_from_where_they_are_written(
    write: Write, monkeypatch: pytest.MonkeyPatch, registry: str, environ: dict[str, str]
) -> None:
    """A warm load reads each string of the settings from its span of the project file's
    bytes (the key), interpolated again when it was: no YAML parse, and no YAML library
    imported by a warm plan (tests/cli/test_imports.py)."""
    root = write({**PROJECT, "reconcile.yaml": settings_file(registry)})
    first = load(root, {**ENV, **environ})

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the project file was parsed again")

    with monkeypatch.context() as patch:
        patch.setattr(_yaml, "_load_text", refuse)
        second = load(root, {**ENV, **environ})
    assert second == first
    assert second.registries["local"].url == first.registries["local"].url
    assert second.warnings == first.warnings


def test_an_unset_variable_is_read_back_with_its_warning(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write({**PROJECT, "reconcile.yaml": settings_file("url: http://h:1/${NOT_SET}")})
    first = load(root)
    assert any("NOT_SET" in str(warning) for warning in first.warnings)
    with monkeypatch.context() as patch:
        patch.setattr(_yaml, "_load_text", None)  # not called
        second = load(root)
    assert (second, second.warnings) == (first, first.warnings)


@pytest.mark.parametrize(("registry", "environ"), PARSED.values(), ids=PARSED.keys())
def test_a_string_a_span_cannot_give_back_is_read_from_the_document(
    write: Write, monkeypatch: pytest.MonkeyPatch, registry: str, environ: dict[str, str]
) -> None:
    root = write({**PROJECT, "reconcile.yaml": settings_file(registry)})
    first = load(root, {**ENV, **environ})
    parsed: list[str] = []
    parse = _yaml._load_text

    def counted(path: Path, *args: Any, **kwargs: Any) -> Any:
        parsed.append(path.name)
        return parse(path, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(_yaml, "_load_text", counted)
        second = load(root, {**ENV, **environ})
    assert second == first
    local, was = second.registries["local"], first.registries["local"]
    assert (local.url, local.allow) == (was.url, was.allow)
    assert parsed == ["reconcile.yaml"]  # for the settings' strings; the specs are cached


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbfversion: 1\nregistries:\n  local:\n    url: http://h:1\n",
        b"version: 1\r\nregistries:\r\n  local:\r\n    url: 'http://h:1'\r\n",
        b"version: 1\rregistries:\r  local:\r    url: http://h:1 # old Mac\r",
    ],
    ids=["a byte order mark", "CRLF", "CR"],
)
def test_spans_are_of_the_text_as_decoded(write: Write, data: bytes) -> None:
    root = write(PROJECT)
    (root / "reconcile.yaml").write_bytes(data)
    first = load(root)
    second = load(root)
    assert second == first
    assert second.registries["local"].url == "http://h:1"


def test_an_edit_that_moves_a_string_is_a_new_key(write: Write) -> None:
    """A span is an offset into the bytes of the key: other bytes, other settings."""
    root = write({**PROJECT, "reconcile.yaml": settings_file("url: http://a:1")})
    load(root)
    (root / "reconcile.yaml").write_text(settings_file("url:   http://b:22"))
    assert load(root).registries["local"].url == "http://b:22"
    (root / "reconcile.yaml").write_text(settings_file("url: http://c:1"))  # same size
    assert load(root).registries["local"].url == "http://c:1"


@pytest.mark.parametrize(
    "library", ["avro", "jsonschema", "protobuf", "PyYAML", "pydantic", "no-such"]
)
def test_library_versions_are_read_as_importlib_metadata_reads_them(library: str) -> None:
    """The code digest's library versions come from the ``.dist-info`` folders' names
    (``_version``), importing no ``importlib.metadata``: the same versions."""
    from importlib import metadata

    try:
        expected = metadata.version(library)
    except metadata.PackageNotFoundError:
        expected = ""
    assert cache._version(library) == expected


def test_the_cache_file_does_not_hold_the_schema_files_texts_again(write: Write) -> None:
    """A schema text read from a file is written as that file's place among the key's
    inputs, and read back from the file the load has just checked: 100,000 schema
    files were 80 MB of the cache file, read, authenticated and unpickled again."""
    root = write(PROJECT)
    load(root)
    data = (root / PROJECT_CACHE_FILE).read_bytes()
    assert b'"name": "Order"' in ORDER.encode()
    assert b'"name": "Order"' not in data
    assert subject(load(root)) == (ORDER, "FULL")


def test_a_text_that_is_not_its_files_text_stays_in_the_payload(tmp_path: Path) -> None:
    """Only a text equal to its file's (decoded) bytes is left out of the payload."""
    path = tmp_path / "schemas" / "a.avsc"
    same = SubjectSpec("same", schema="{}\n", schema_path=path)
    other = SubjectSpec("other", schema="{ }", schema_path=path)
    inputs = {str(path): (0, b"{}\r\n")}
    payload = io.BytesIO(cache._dumps((same, other), inputs=inputs))
    back = cache._loads(payload, texts=[decode(b"{}\r\n")])
    assert back == (same, other)
    with pytest.raises(pickle.UnpicklingError):  # the texts are not in it
        pickle.loads(cache._dumps((same, other), inputs=inputs))


def test_a_schema_file_is_read_to_its_end_when_checked(write: Write) -> None:
    """A file the cache knew at exactly one read's size (64 KiB) and grown since is
    seen: its first read alone matches the key."""
    padded = '{"type": "string"' + " " * (65536 - 18) + "}"
    assert len(padded) == 65536
    root = write({**PROJECT, "schemas/order.avsc": padded})
    load(root)
    (root / "schemas/order.avsc").write_text(padded + "\n")
    assert subject(load(root))[0] == padded + "\n"


def test_files_of_several_reads_come_back_whole(write: Write) -> None:
    """A spec file and a schema file longer than one read (the first 64 KiB, then the
    rest in one piece) load warm as they load cold, and an edit past the first read
    is seen."""
    doc = "d" * 150_000
    schema = ORDER.replace('"Order", ', f'"Order", "doc": "{doc}", ')
    padding = "".join(f"# {n:06d} {'-' * 60}\n" for n in range(2_000))  # ~140 KB
    spec = PROJECT["specs/app.yaml"] + padding + "# end\n"
    root = write({**PROJECT, "schemas/order.avsc": schema, "specs/app.yaml": spec})
    cold = load(root)
    before = stamp(root)
    warm = load(root)
    assert stamp(root) == before  # reused
    assert warm == cold
    assert subject(warm) == (schema, "FULL")
    (root / "schemas/order.avsc").write_text(schema.replace(doc, doc[:-1] + "e"))
    assert subject(load(root))[0] == schema.replace(doc, doc[:-1] + "e")
    before = stamp(root)
    (root / "specs/app.yaml").write_text(spec.replace("# end", "# End"))
    load(root)
    assert stamp(root) != before  # the spec file's tail is in the key: written anew
