"""export: a loadable project whose plan against the same registry is empty."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from reconciler.spec import SpecErrors, load_project
from reconciler.spec._cache import CACHE_FILE, PROJECT_CACHE_FILE
from reconciler.workflows import check_exported

from .conftest import (
    EXAMPLES,
    Registries,
    cli,
    exported_once,
    output,
    register_record,
    with_registry,
)


@pytest.mark.parametrize("history", [False, True], ids=["latest", "history"])
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_export_of_an_applied_example_plans_empty(
    example: Path,
    history: bool,
    registries: Registries,
    copy_example: Callable[[Path], Path],
    tmp_path: Path,
) -> None:
    env = {"SR_URL": registries.start("source")}
    root = copy_example(example)
    with_registry(root, "test", "SR_URL")
    applied = cli("apply", root, "--auto-approve", env=env)
    assert applied.exit_code == 0, output(applied)

    out = tmp_path / "exported"
    args = ["export", root, "--registry", "test", "--out", out]
    exported = cli(*args, *(["--history"] if history else []), env=env)
    assert exported.exit_code == 0, output(exported)

    planned = cli("plan", out, "--detailed-exitcode", env=env)
    assert planned.exit_code == 0, output(planned)
    assert "No changes" in planned.stdout
    # The registry entry is copied as written: the variable, not its value.
    assert yaml.safe_load((out / "reconcile.yaml").read_text())["registries"] == {
        "test": {"url": "${SR_URL}"}
    }


def test_export_of_a_generated_500_subject_registry_plans_empty(
    registries: Registries, generated_db: Path, tmp_path: Path
) -> None:
    """The whole history with ids pinned: the strictest comparison the engine makes."""
    url = registries.start("generated", generated_db)
    out = tmp_path / "exported"
    exported = cli("export", "--url", url, "--registry", "big", "--out", out, "--history")
    assert exported.exit_code == 0, output(exported)
    assert "Read 500 subjects" in exported.stderr

    project = load_project(out)
    assert sorted(s.context for s in project.specs) == [".", ".billing", ".sales"]
    assert sum(len(s.subjects) for s in project.specs) == 500

    planned = cli("plan", out, "--detailed-exitcode")
    assert planned.exit_code == 0, output(planned)
    assert "No changes" in planned.stdout


def test_export_pins_only_levels_set_at_that_level(registries: Registries, tmp_path: Path) -> None:
    url = registries.start("source")
    httpx.put(url + "/config", json={"compatibility": "FULL"}).raise_for_status()
    for subject in ("a-value", "b-value", ":.ctx:c-value", ":.ctx:d-value"):
        schema = json.dumps({"type": "record", "name": "R", "fields": []})
        httpx.post(f"{url}/subjects/{subject}/versions", json={"schema": schema}).raise_for_status()
    httpx.put(url + "/config/a-value", json={"compatibility": "NONE"}).raise_for_status()
    httpx.put(url + "/mode/:.ctx:d-value", json={"mode": "READONLY"}).raise_for_status()
    httpx.put(url + "/config/:.ctx:", json={"compatibility": "FORWARD"}).raise_for_status()

    out = tmp_path / "exported"
    assert cli("export", "--url", url, "--out", out).exit_code == 0
    default = yaml.safe_load((out / "specs" / "default.yaml").read_text())
    ctx = yaml.safe_load((out / "specs" / "ctx.yaml").read_text())
    assert default["compatibility"] == "FULL"
    assert default["subjects"]["a-value"]["compatibility"] == "NONE"
    assert "compatibility" not in default["subjects"]["b-value"]
    assert ctx["context"] == ".ctx"
    assert ctx["compatibility"] == "FORWARD"
    assert "mode" not in ctx
    assert ctx["subjects"]["d-value"]["mode"] == "READONLY"
    assert ctx["subjects"]["c-value"] == {"type": "AVRO", "schema": "../schemas/ctx/c-value.avsc"}
    assert cli("plan", out, "--detailed-exitcode").exit_code == 0


def test_export_history_pins_versions_and_ids_one_file_each(
    registries: Registries, tmp_path: Path
) -> None:
    url = registries.start("source")
    for n in (1, 2):
        fields = [{"name": f"f{i}", "type": "int", "default": 0} for i in range(n)]
        schema = json.dumps({"type": "record", "name": "R", "fields": fields})
        httpx.post(f"{url}/subjects/r-value/versions", json={"schema": schema}).raise_for_status()
    out = tmp_path / "exported"
    assert cli("export", "--url", url, "--out", out, "--history").exit_code == 0
    spec = yaml.safe_load((out / "specs" / "default.yaml").read_text())
    versions = spec["subjects"]["r-value"]["versions"]
    assert [(v["version"], v["id"]) for v in versions] == [(1, 1), (2, 2)]
    assert [v["schema"] for v in versions] == [
        "../schemas/default/r-value.v1.avsc",
        "../schemas/default/r-value.v2.avsc",
    ]
    assert json.loads((out / "schemas/default/r-value.v2.avsc").read_text())["name"] == "R"


def test_export_never_writes_credentials(registries: Registries, tmp_path: Path) -> None:
    url = registries.start("source")
    with_secret = url.replace("http://", "http://alice:s3cret@")
    out = tmp_path / "exported"
    result = cli("export", "--url", with_secret, "--out", out)
    assert result.exit_code == 0, output(result)
    assert "s3cret" not in output(result)
    assert "s3cret" not in (out / "reconcile.yaml").read_text()


def test_export_bundle_is_one_json_file(registries: Registries, tmp_path: Path) -> None:
    url = registries.start("source")
    schema = json.dumps({"type": "string"})
    httpx.post(f"{url}/subjects/s-value/versions", json={"schema": schema}).raise_for_status()
    target = tmp_path / "registry.json"
    result = cli("export", "--url", url, "--format", "bundle", "--out", target)
    assert result.exit_code == 0, output(result)
    bundle = json.loads(target.read_text())
    assert bundle["format"] == "reconciler-bundle"
    (context,) = bundle["contexts"]
    assert context["subjects"][0]["versions"][0]["schema"] == '"string"'


def test_export_refuses_a_project_file_naming_other_registries(
    registries: Registries, tmp_path: Path
) -> None:
    url = registries.start("source")
    out = tmp_path / "exported"
    out.mkdir()
    (out / "reconcile.yaml").write_text("version: 1\nregistries:\n  other: {url: local:x.db}\n")
    result = cli("export", "--url", url, "--registry", "prod", "--out", out)
    assert result.exit_code == 1
    assert "does not name registry prod" in result.stderr


def test_export_into_a_project_that_declares_the_context_is_refused(
    registries: Registries, copy_example: Callable[[Path], Path]
) -> None:
    env = {"SR_URL": registries.start("source")}
    root = copy_example(EXAMPLES[0])
    with_registry(root, "test", "SR_URL")
    assert cli("apply", root, "--auto-approve", env=env).exit_code == 0
    result = cli("export", root, "--registry", "test", env=env)
    assert result.exit_code == 1
    assert "already declares context . of registry test" in result.stderr
    assert not (root / "specs" / "default.yaml").exists()


def test_export_one_context(registries: Registries, tmp_path: Path) -> None:
    url = registries.start("source")
    schema = json.dumps({"type": "string"})
    for subject in ("a-value", ":.sales:b-value"):
        httpx.post(f"{url}/subjects/{subject}/versions", json={"schema": schema}).raise_for_status()
    out = tmp_path / "exported"
    assert cli("export", "--url", url, "--context", "sales", "--out", out).exit_code == 0
    assert sorted(p.name for p in (out / "specs").iterdir()) == ["sales.yaml"]
    assert cli("plan", out, "--detailed-exitcode").exit_code == 0


def test_history_with_a_soft_deleted_version_keeps_numbers_and_migrates(
    registries: Registries, tmp_path: Path
) -> None:
    url = registries.start("source")
    for n in (1, 2, 3):
        fields = [{"name": f"f{i}", "type": "int", "default": 0} for i in range(n)]
        schema = json.dumps({"type": "record", "name": "R", "fields": fields})
        httpx.post(f"{url}/subjects/r-value/versions", json={"schema": schema}).raise_for_status()
    httpx.delete(f"{url}/subjects/r-value/versions/2").raise_for_status()

    out = tmp_path / "exported"
    assert cli("export", "--url", url, "--out", out, "--history").exit_code == 0
    spec = yaml.safe_load((out / "specs" / "default.yaml").read_text())
    assert [v["version"] for v in spec["subjects"]["r-value"]["versions"]] == [1, 3]
    assert cli("plan", out, "--detailed-exitcode").exit_code == 0

    target = registries.start("target")
    migrated = cli(
        "migrate", tmp_path, "--from", url, "--to", target, "--preserve-ids", "--auto-approve"
    )
    assert migrated.exit_code == 0, output(migrated)
    assert httpx.get(f"{target}/subjects/r-value/versions").json() == [1, 3]
    assert httpx.get(f"{target}/subjects/r-value/versions/3").json()["id"] == 3


def test_a_history_that_changed_schema_type_round_trips_and_migrates(
    registries: Registries, tmp_path: Path
) -> None:
    url = registries.start("source")
    httpx.put(f"{url}/config/events-value", json={"compatibility": "NONE"}).raise_for_status()
    first = {"type": "object", "properties": {"a": {"type": "string"}}}
    then = {"type": "record", "name": "E", "fields": [{"name": "a", "type": "string"}]}
    for schema_type, schema in (("JSON", first), ("AVRO", then)):
        body = {"schema": json.dumps(schema), "schemaType": schema_type}
        httpx.post(f"{url}/subjects/events-value/versions", json=body).raise_for_status()

    out = tmp_path / "exported"
    assert cli("export", "--url", url, "--out", out, "--history").exit_code == 0
    spec = yaml.safe_load((out / "specs" / "default.yaml").read_text())
    subject = spec["subjects"]["events-value"]
    assert subject["type"] == "AVRO"
    assert [(v.get("type"), Path(v["schema"]).suffix) for v in subject["versions"]] == [
        ("JSON", ".json"),
        (None, ".avsc"),
    ]
    assert cli("plan", out, "--detailed-exitcode").exit_code == 0

    target = registries.start("target")
    migrated = cli(
        "migrate", tmp_path, "--from", url, "--to", target, "--preserve-ids", "--auto-approve"
    )
    assert migrated.exit_code == 0, output(migrated)
    types = [
        httpx.get(f"{target}/subjects/events-value/versions/{n}").json().get("schemaType", "AVRO")
        for n in (1, 2)
    ]
    assert types == ["JSON", "AVRO"]


def test_reexport_refuses_to_overwrite_files_edited_by_hand(
    registries: Registries, tmp_path: Path
) -> None:
    url, out = exported_once(registries, tmp_path, "a-value", "b-value")
    spec, schema = out / "specs/default.yaml", out / "schemas/default/a-value.avsc"
    untouched = out / "schemas/default/b-value.avsc"
    spec.write_text(spec.read_text() + "    compatibility: FULL\n")
    schema.write_text(schema.read_text().replace('"f0"', '"renamed"'))
    edited = {p: p.read_text() for p in (spec, schema)}

    refused = cli("export", "--url", url, "--out", out)
    assert refused.exit_code == 1, output(refused)
    assert f"changed since the last export: {spec}" in refused.stderr
    assert f"changed since the last export: {schema}" in refused.stderr
    assert str(untouched) not in refused.stderr
    assert "2 files changed since the last export" in refused.stderr
    assert "--force" in refused.stderr
    assert {p: p.read_text() for p in edited} == edited  # nothing was written

    forced = cli("export", "--url", url, "--out", out, "--force")
    assert forced.exit_code == 0, output(forced)
    assert "renamed" not in schema.read_text()
    assert cli("plan", out, "--detailed-exitcode").exit_code == 0


def test_reexport_after_the_registry_changed_refreshes_untouched_files(
    registries: Registries, tmp_path: Path
) -> None:
    url, out = exported_once(registries, tmp_path, "a-value")
    register_record(url, "a-value", 2)
    register_record(url, "c-value", 1)
    again = cli("export", "--url", url, "--out", out)
    assert again.exit_code == 0, output(again)
    assert '"f1"' in (out / "schemas/default/a-value.avsc").read_text()
    assert "c-value" in (out / "specs/default.yaml").read_text()
    # ... and remembers what it wrote this time: a third export is as free.
    register_record(url, "a-value", 3)
    assert cli("export", "--url", url, "--out", out).exit_code == 0


def test_export_over_files_no_export_recorded_refuses_those_that_differ(
    registries: Registries, tmp_path: Path
) -> None:
    """In a fresh clone (no .reconcile/, which git ignores) only identical files are known."""
    url, out = exported_once(registries, tmp_path, "a-value", "b-value")
    (out / ".reconcile" / "export.json").unlink()
    assert cli("export", "--url", url, "--out", out).exit_code == 0  # identical: nothing lost
    (out / ".reconcile" / "export.json").unlink()
    register_record(url, "a-value", 2)
    refused = cli("export", "--url", url, "--out", out)
    assert refused.exit_code == 1
    assert "1 file changed since the last export" in refused.stderr
    assert "a-value.avsc" in refused.stderr


def test_an_exported_project_keeps_local_state_out_of_git(
    registries: Registries, tmp_path: Path
) -> None:
    url = registries.start("source")
    register_record(url, "a-value", 1)
    out = tmp_path / "exported"
    exported = cli("export", "--url", url, "--out", out)
    assert exported.exit_code == 0, output(exported)
    assert f"wrote {out / '.gitignore'}" in exported.stdout
    journal = out / ".reconcile" / "journal" / "20261205T000000Z-1.jsonl"
    journal.parent.mkdir(parents=True)
    journal.write_text("{}\n")
    subprocess.run(["git", "init", "-q", out], check=True)
    subprocess.run(["git", "-C", out, "add", "-A"], check=True)
    staged = subprocess.run(
        ["git", "-C", out, "diff", "--cached", "--name-only"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert sorted(staged) == [
        ".gitignore",
        "reconcile.yaml",
        "schemas/default/a-value.avsc",
        "specs/default.yaml",
    ]


def _delete_subject(url: str, subject: str) -> None:
    for permanent in ("false", "true"):
        httpx.delete(
            f"{url}/subjects/{subject}", params={"permanent": permanent}
        ).raise_for_status()


def test_reexport_removes_the_files_of_what_the_registry_no_longer_holds(
    registries: Registries, tmp_path: Path
) -> None:
    url, out = exported_once(registries, tmp_path, "a-value", "b-value")
    gone = out / "schemas/default/b-value.avsc"
    assert gone.is_file()
    _delete_subject(url, "b-value")

    again = cli("export", "--url", url, "--out", out, "--output", "json")
    assert again.exit_code == 0, output(again)
    assert not gone.exists()
    assert "b-value" not in (out / "specs/default.yaml").read_text()
    report = json.loads(again.stdout)
    assert (report["format_version"], report["command"]) == (1, "export")
    assert report["removed"] == [str(gone)] and report["subjects"] == 1
    assert cli("plan", out, "--detailed-exitcode").exit_code == 0


def test_reexport_refuses_to_remove_an_edited_file_without_force(
    registries: Registries, tmp_path: Path
) -> None:
    url, out = exported_once(registries, tmp_path, "a-value", "b-value")
    edited = out / "schemas/default/b-value.avsc"
    edited.write_text(edited.read_text().replace('"f0"', '"mine"'))
    _delete_subject(url, "b-value")

    refused = cli("export", "--url", url, "--out", out)
    assert refused.exit_code == 1, output(refused)
    assert f"changed since the last export: {edited}" in refused.stderr
    assert "overwritten or removed; nothing was written" in refused.stderr
    assert edited.is_file() and "b-value" in (out / "specs/default.yaml").read_text()

    forced = cli("export", "--url", url, "--out", out, "--force")
    assert forced.exit_code == 0, output(forced)
    assert not edited.exists()
    assert f"removed {edited} (no longer in the registry)" in forced.stdout


def test_an_export_of_one_context_leaves_the_files_of_the_others(
    registries: Registries, tmp_path: Path
) -> None:
    url, out = exported_once(registries, tmp_path, "a-value", ":.billing:b-value")
    billing = sorted((out / "schemas").rglob("b-value*"))
    assert billing
    again = cli("export", "--url", url, "--out", out, "--context", ".")
    assert again.exit_code == 0, output(again)
    assert all(path.is_file() for path in billing)


def test_an_export_that_would_not_load_back_is_reported_as_a_failure(
    registries: Registries, tmp_path: Path
) -> None:
    """The registry holds what the written project refuses: a schema over the default
    ``limits.schema_bytes`` (1 MiB). Export writes it but never reports success: the
    check that the project loads back is what tells."""
    url = registries.start("big")
    schema = {"type": "record", "name": "R", "doc": "x" * (1024 * 1024), "fields": []}
    response = httpx.post(f"{url}/subjects/big-value/versions", json={"schema": json.dumps(schema)})
    response.raise_for_status()
    register_record(url, "small-value", 1)
    out = tmp_path / "exported"

    for history in ([], ["--history"]):
        exported = cli("export", "--url", url, "--out", out, "--force", *history)
        assert exported.exit_code == 1, output(exported)
        assert f"the exported project in {out} does not load (1 error)" in exported.stderr
        assert "schemas/default/big-value" in exported.stderr
        assert "over the limit of 1048576" in exported.stderr


def test_the_first_plan_after_an_export_parses_nothing_the_export_checked(
    registries: Registries, tmp_path: Path
) -> None:
    """The check that the written project loads back keeps its verdicts in the project's
    parse cache (not the loaded specs: no project.bin), so a plan's load of the export
    finds every schema there and parses none (the cache file is not rewritten)."""
    url = registries.start("source")
    for subject, fields in (("a-value", 1), ("a-value", 2), ("b-value", 3)):
        register_record(url, subject, fields)
    out = tmp_path / "exported"
    exported = cli("export", "--url", url, "--out", out, "--history")
    assert exported.exit_code == 0, output(exported)
    cache = out / CACHE_FILE
    assert len(json.loads(cache.read_text())["valid"]) == 3
    assert not (out / PROJECT_CACHE_FILE).exists()
    before = cache.stat()
    load_project(out, parse_cache=True)  # as plan loads it
    after = cache.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert cli("plan", out, "--detailed-exitcode").exit_code == 0


def test_the_check_loads_the_bytes_written_and_still_looks_each_file_up(
    registries: Registries, tmp_path: Path
) -> None:
    """``check_exported(out, written)`` takes the bytes export wrote instead of reading
    them back: what it checks is those bytes, and each file must still be where its
    spec says."""
    _, out = exported_once(registries, tmp_path, "a-value", "b-value")
    written = _written(out)
    check_exported(out, written)

    # The given bytes are what is checked (not what the disk holds)...
    broken = dict(written, **{"schemas/default/a-value.avsc": b'{"type": "nope"}'})
    with pytest.raises(SpecErrors) as refused:
        check_exported(out, broken)
    assert [e.location.file.name for e in refused.value.errors if e.location] == ["default.yaml"]
    assert "a-value" in str(refused.value.errors[0])

    # ... and a file given but gone from the disk is still missing.
    (out / "schemas/default/b-value.avsc").unlink()
    with pytest.raises(SpecErrors) as missing:
        check_exported(out, written)
    assert "schema file not found: schemas/default/b-value.avsc" in str(missing.value.errors[0])


def _written(out: Path) -> dict[str, bytes]:
    """Every spec and schema file of the export in ``out``, as ``write_specs`` gives them."""
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for folder in ("specs", "schemas")
        for path in (out / folder).rglob("*")
        if path.is_file()
    }


def test_the_check_refuses_a_file_given_that_is_a_symlink_out_of_the_project(
    registries: Registries, tmp_path: Path
) -> None:
    """The bytes given are taken without an ``lstat`` per file, but only once a listing
    of their folders shows each a regular file: a symlink there (to outside the
    project) is found as the load's own lookup finds it."""
    _, out = exported_once(registries, tmp_path, "a-value", "b-value")
    written = _written(out)
    outside = tmp_path / "elsewhere.avsc"
    outside.write_bytes(written["schemas/default/a-value.avsc"])
    (out / "schemas/default/a-value.avsc").unlink()
    (out / "schemas/default/a-value.avsc").symlink_to(outside)
    with pytest.raises(SpecErrors) as refused:
        check_exported(out, written)
    assert "'../schemas/default/a-value.avsc' resolves outside the project directory" in str(
        refused.value.errors[0]
    )


@pytest.mark.parametrize(
    "breaks",
    [
        lambda text: text.replace("\n      id: ", "\n       id: "),  # YAML refuses it
        lambda text: text.replace("../schemas/", "../schema/"),  # paths to no file
        lambda text: text.replace("type: AVRO", "type: avro"),  # a value the specs refuse
    ],
    ids=["indentation", "paths", "values"],
)
def test_an_export_whose_writer_is_broken_fails_its_check(
    registries: Registries, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, breaks: Any
) -> None:
    """The check loads the bytes the writer produced: a spec file written wrong is an
    error of the export, not a project that the next plan finds broken."""
    from reconciler.workflows import export, export_text

    url = registries.start("source")
    register_record(url, "a-value", 1)
    register_record(url, "a-value", 2)
    written, history = export.dump_yaml, export_text._history_text
    monkeypatch.setattr(export, "dump_yaml", lambda doc: breaks(written(doc)))
    # --history's spec text, written straight from the read
    monkeypatch.setattr(export_text, "_history_text", lambda *a: breaks(history(*a)))
    out = tmp_path / "exported"
    exported = cli("export", "--url", url, "--out", out, "--history")
    assert exported.exit_code == 1, output(exported)
    assert f"the exported project in {out} does not load" in exported.stderr


def test_the_schema_files_are_rendered_once_the_check_can_start(tmp_path: Path) -> None:
    """``before_schemas`` (where the CLI starts its check) comes before the schema files
    are rendered: an export into a new directory gives it the spec file's bytes and
    the paths to come, ``schemas_rendered`` every file's, before the schema files are
    written. A re-export compares the files already there first, so those are
    rendered before it."""
    from reconciler.workflows import export_files, write_specs

    from .test_yaml_writer import bench_spec

    spec = bench_spec(3, contracts=False)
    calls: list[tuple[str, list[str], list[str]]] = []

    def before(files: dict[str, bytes], types: dict[str, str], coming: list[str]) -> None:
        calls.append(("before", sorted(files), coming))

    def rendered(files: dict[str, bytes]) -> None:
        calls.append(("rendered", sorted(files), []))
        assert not any((tmp_path / relative).exists() for relative in coming)

    coming = sorted(
        f"schemas/default/topic{n}-value.v{v}.avsc" for n in range(3) for v in range(1, 6)
    )
    written = write_specs(
        export_files((spec,)), tmp_path, before_schemas=before, schemas_rendered=rendered
    )
    assert calls == [
        ("before", ["specs/default.yaml"], coming),
        ("rendered", sorted(written.files), []),
    ]
    assert {r: (tmp_path / r).read_bytes() for r in written.files} == written.files
    calls.clear()
    coming = []
    again = write_specs(
        export_files((spec,)), tmp_path, before_schemas=before, schemas_rendered=rendered
    )
    assert again.files == written.files
    assert calls == [("before", sorted(written.files), []), ("rendered", sorted(written.files), [])]
