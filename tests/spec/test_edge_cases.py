"""Less common inputs: other schema types, references, names, globs, URLs."""

from __future__ import annotations

from pathlib import Path

from reconciler.spec import _schemas

from .conftest import ORDER, Write, errors, load

PROJECT = {"reconcile.yaml": "version: 1\n"}
PROTO = 'syntax = "proto3";\nmessage Payment {\n  string id = 1;\n}\n'


def test_protobuf_and_json_schemas(write: Write) -> None:
    root = write(
        {
            **PROJECT,
            "specs/a.yaml": """
                subjects:
                  payments-value:
                    type: PROTOBUF
                    schema: |
                      syntax = "proto3";
                      message Payment { string id = 1; }
                  file-value: {type: PROTOBUF, schema: payment.proto}
                  json-value:
                    type: JSON
                    schema: {type: object, properties: {id: {type: string}}}
            """,
            "specs/payment.proto": PROTO,
        }
    )
    subjects = load(root).specs[0].subjects
    assert subjects["payments-value"].schema.startswith('syntax = "proto3";\nmessage Payment')
    assert subjects["file-value"].schema == PROTO
    assert '"properties"' in (subjects["json-value"].schema or "")


def test_invalid_protobuf_and_json(write: Write) -> None:
    root = write(
        {
            **PROJECT,
            "specs/a.yaml": """
                subjects:
                  p-value:
                    type: PROTOBUF
                    schema: |
                      syntax = "proto3";
                      message P { strin id = 1; }
                  j-value: {type: JSON, schema: {type: 3}}
                  m-value: {type: PROTOBUF, schema: {type: record}}
            """,
        }
    )
    messages = errors(root)
    assert [m.split(": ")[0] for m in messages] == [
        "specs/a.yaml:4:13",
        "specs/a.yaml:7:33",
        "specs/a.yaml:8:37",
    ]
    assert messages[0].startswith("specs/a.yaml:4:13: subject 'p-value': invalid Protobuf")
    assert messages[1].startswith("specs/a.yaml:7:33: subject 'j-value': invalid JSON Schema")
    assert messages[2].endswith("an inline PROTOBUF schema must be text (use a '|' block)")


def test_reference_across_files_and_contexts(write: Write) -> None:
    address = '{"type": "record", "name": "Address", "fields": []}'
    root = write(
        {
            **PROJECT,
            "specs/common.yaml": "context: common\nsubjects:\n"
            f"  address: {{schema: '{address}'}}\n",
            "specs/orders.yaml": """
                subjects:
                  orders-value:
                    schema: |
                      {"type": "record", "name": "O", "fields": [{"name": "a", "type": "Address"}]}
                    references: [{name: Address, subject: ":.common:address"}]
            """,
        }
    )
    assert load(root).warnings == ()


def test_invalid_schema_detected_through_a_reference(write: Write) -> None:
    address = '{"type": "record", "name": "Address", "fields": []}'
    root = write(
        {
            **PROJECT,
            "specs/a.yaml": f"""
                subjects:
                  address: {{schema: '{address}'}}
                  orders-value:
                    schema: |
                      {{"type": "record", "name": "O",
                        "fields": [{{"name": "a", "type": "Adress"}}]}}
                    references: [{{name: Address, subject: address}}]
            """,
        }
    )
    [message] = errors(root)
    assert message.startswith("specs/a.yaml:4:13: subject 'orders-value': invalid Avro schema")


def test_reference_cycle(write: Write) -> None:
    root = write(
        {
            **PROJECT,
            "specs/a.yaml": """
                subjects:
                  a: {schema: '"string"', references: [{name: B, subject: b}]}
                  b: {schema: '"string"', references: [{name: A, subject: a}]}
            """,
        }
    )
    # One cycle, one error (not one from each member).
    assert errors(root) == ["specs/a.yaml:3:40: reference cycle: a -> b -> a"]


def test_version_history_rules(write: Write) -> None:
    root = write(
        {
            **PROJECT,
            "specs/a.yaml": f"""
                subjects:
                  a:
                    references: []
                    versions:
                      - {{version: 2, id: 5, schema: '{ORDER}'}}
                      - {{version: 2, id: 5, schema: '{ORDER}'}}
                      - {{version: 1, schema: '{ORDER}'}}
            """,
        }
    )
    assert errors(root) == [
        "specs/a.yaml:3:5: references applies to a schema: give it on each version",
        "specs/a.yaml:6:19: version numbers must increase down the list",
        "specs/a.yaml:6:26: id 5 is pinned twice in this subject",
        "specs/a.yaml:7:19: version numbers must increase down the list",
    ]


def test_protected_subject_cannot_be_deleted(write: Write) -> None:
    root = write(
        {**PROJECT, "specs/a.yaml": "protected: [core-*]\nsubjects:\n  core-x: {delete: hard}\n"}
    )
    assert errors(root) == [
        "specs/a.yaml:3:20: subject 'core-x' matches protected pattern 'core-*': "
        "it cannot be deleted"
    ]


def test_names(write: Write) -> None:
    root = write(
        {
            **PROJECT,
            "specs/a.yaml": "context: 'bad:ctx'\nsubjects:\n  ':.x:a': {}\n",
            "specs/b.yaml": "registry: 'no good'\n",
        }
    )
    assert errors(root) == [
        "specs/a.yaml:1:10: invalid context name 'bad:ctx': use letters, digits, '_', '.', '-'",
        "specs/a.yaml:3:3: invalid subject name ':.x:a'; write the context in 'context:'",
        "specs/b.yaml:1:11: registry: invalid name 'no good': use letters, digits, '_', '.', '-'",
    ]


def test_file_shapes(write: Write) -> None:
    root = write(
        {
            **PROJECT,
            "specs/empty.yaml": "# nothing\n",
            "specs/list.yaml": "- a\n",
            "specs/two.yaml": "subjects: {}\n---\nsubjects: {}\n",
            "specs/key.yaml": "subjects:\n  1: {}\n",
        }
    )
    messages = errors(root)
    assert messages[0] == "specs/empty.yaml:1:1: file is empty: expected a mapping"
    assert messages[1] == "specs/key.yaml:2:3: key 1 must be a string (quote it)"
    assert messages[2] == "specs/list.yaml:1:1: expected a mapping"
    assert messages[3].startswith("specs/two.yaml:2:1: YAML syntax error: but found another")


def test_interpolation_forms(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": """
                version: 1
                registries:
                  dev: {url: "${URL:-http://localhost:8081}", timeout: "${T}"}
                  bad: {url: "http://${not-a-name}"}
            """
        }
    )
    assert errors(root, {"T": "5"}) == [
        "reconcile.yaml:4:22: invalid variable reference ${not-a-name}",
    ]


def test_urls_and_tls(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": """
                version: 1
                registries:
                  a: {url: "ftp://h"}
                  b: {url: "https://user:${PW}@h"}
                  c: {url: "local:"}
                  d: {url: "https://h", tls: {ca_file: ca.pem, key_file: k.pem}}
                  e: {url: "local:data/reg.db", tls: {ca_file: ok.pem, verify: false}}
            """,
            "ok.pem": "pem",
        }
    )
    messages = errors(root, {"PW": "hunter2"})
    assert messages == [
        "reconcile.yaml:3:12: registries.a.url: expected http(s)://HOST[:PORT] or local:PATH",
        "reconcile.yaml:4:12: registries.b.url: put credentials in auth, not in the URL",
        "reconcile.yaml:5:12: registries.c.url: local: needs a database path",
        "reconcile.yaml:6:40: tls.ca_file: file not found: ca.pem",
        "reconcile.yaml:6:58: tls.key_file: file not found: k.pem",
        "reconcile.yaml:6:58: tls.key_file needs tls.cert_file",
    ]


def test_tls_paths_resolved_from_the_project(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\nregistries:\n  a:\n    url: https://h\n"
            "    tls: {ca_file: certs/ca.pem, cert_file: certs/c.pem, key_file: certs/k.pem}\n",
            "certs/ca.pem": "x",
            "certs/c.pem": "x",
            "certs/k.pem": "x",
        }
    )
    tls = load(root).registries["a"].tls
    assert tls is not None
    assert (tls.ca_file, tls.verify) == ((root / "certs/ca.pem").resolve(), True)


def test_spec_globs(write: Write, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "x.yaml").write_text("subjects: {}\n")
    root = write(
        {
            "reconcile.yaml": "version: 1\n"
            "specs: ['teams/**/*.yaml', 'none/*.yaml', 'teams/a.yaml']\n",
            "teams/a.yaml": "subjects: {a: {}}\n",
            "teams/deep/b.yaml": "subjects: {b: {}}\n",
        }
    )
    project = load(root)
    assert [spec.path.relative_to(root) for spec in project.specs] == [
        Path("teams/a.yaml"),
        Path("teams/deep/b.yaml"),
    ]
    assert [str(w) for w in project.warnings] == [
        "reconcile.yaml:2:28: spec glob 'none/*.yaml' matches no file"
    ]
    (root / "teams" / "link.yaml").symlink_to(outside / "x.yaml")
    assert errors(root) == [
        "reconcile.yaml:2:9: spec glob 'teams/**/*.yaml' matches teams/link.yaml, "
        "which resolves outside the project directory"
    ]


def test_broken_project_file_still_checks_spec_files(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 2\n",
            "specs/a.yaml": "subjects: {a: {typ: AVRO}}\n",
        }
    )
    messages = errors(root)
    assert [m.split(": ")[0] for m in messages] == ["reconcile.yaml:1:10", "specs/a.yaml:1:16"]


def test_reference_to_a_subject_marked_delete(write: Write) -> None:
    root = write(
        {
            **PROJECT,
            "specs/a.yaml": """
                subjects:
                  old: {delete: soft}
                  new: {schema: '"string"', references: [{name: Old, subject: old}]}
            """,
        }
    )
    assert errors(root) == ["specs/a.yaml:3:42: reference 'Old': subject 'old' is marked delete"]


def test_schema_paths_resolve_as_path_resolve(tmp_path: Path) -> None:
    """The spec loader resolves a directory once per spec file, with the same result."""
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "a.avsc").write_text("{}")
    (tmp_path / "dirlink").symlink_to(tmp_path / "real" / "sub")
    (tmp_path / "real" / "filelink.avsc").symlink_to(tmp_path / "real" / "a.avsc")
    (tmp_path / "real" / "dangling.avsc").symlink_to(tmp_path / "nowhere")
    spec_dir = tmp_path / "specs"
    values = [
        "../real/a.avsc",
        "../real/filelink.avsc",
        "../real/dangling.avsc",
        "../dirlink/../a.avsc",
        "../dirlink/x.avsc",
        "../missing/dir/x.avsc",
        "../real/..",
        "..",
        str(tmp_path / "real" / "a.avsc"),
        "/",
    ]
    resolver = _schemas.Resolver()
    for value in [*values, *values]:  # the second time from the cache
        assert resolver.resolve(spec_dir / value) == (spec_dir / value).resolve(), value


def test_schema_files_are_checked_as_pathlib_does(tmp_path: Path) -> None:
    """``Resolver.schema_file``: resolved path, outside the root, not a file, as pathlib says."""
    root = tmp_path / "project"
    (root / "real" / "sub").mkdir(parents=True)
    (root / "specs").mkdir()
    (root / "real" / "a.avsc").write_text("{}")
    (tmp_path / "outside.avsc").write_text("{}")
    (root / "dirlink").symlink_to(root / "real" / "sub")
    (root / "outlink").symlink_to(tmp_path)
    (root / "real" / "filelink.avsc").symlink_to(root / "real" / "a.avsc")
    (root / "real" / "escape.avsc").symlink_to(tmp_path / "outside.avsc")
    (root / "real" / "dangling.avsc").symlink_to(root / "nowhere")
    spec_dir = root / "specs"
    values = [
        "../real/a.avsc",
        "../real//./a.avsc",
        "../real/filelink.avsc",
        "../real/escape.avsc",
        "../real/dangling.avsc",
        "../real/sub",
        "../real/a.avsc/",
        "../dirlink/../a.avsc",
        "../dirlink/x.avsc",
        "../outlink/outside.avsc",
        "../../outside.avsc",
        "../missing/dir/x.avsc",
        "../real/a.avsc/x.avsc",
        "../real/..",
        "../real/.",
        "..",
        str(root / "real" / "a.avsc"),
        str(tmp_path / "outside.avsc"),
        "/",
    ]
    resolver = _schemas.Resolver()
    for value in [*values, *values]:  # the second time from the cache
        expected = (spec_dir / value).resolve()
        problem = (
            "outside"
            if not expected.is_relative_to(root)
            else None
            if expected.is_file()
            else "missing"
        )
        path, text, found, size, data = resolver.schema_file(spec_dir, value, root)
        assert (path, text, found) == (expected, str(expected), problem), value
        assert size is None or size == expected.stat().st_size, value  # the lstat's, if any
        assert data is None, value  # bytes only when given (``Reads``)
