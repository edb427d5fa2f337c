"""Malformed inputs: each error names the exact file, line and column."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

from reconciler.spec import _checks, _yaml

from .conftest import ORDER, Write, errors, load

PROJECT = {"reconcile.yaml": "version: 1\n"}


def test_missing_project_file(project_dir: Path) -> None:
    assert errors(project_dir) == ["reconcile.yaml: project file not found"]


def test_yaml_syntax_error_in_project_file(write: Write) -> None:
    root = write({"reconcile.yaml": "version: 1\nregistries:\n  dev: {url: x\n"})
    [message] = errors(root)
    assert message.startswith("reconcile.yaml:4:1: YAML syntax error: ")


def test_yaml_syntax_error_in_spec_file(write: Write) -> None:
    root = write({**PROJECT, "specs/a.yaml": "subjects:\n  a: [1\n  b: 2\n"})
    [message] = errors(root)
    assert message.startswith("specs/a.yaml:3:4: YAML syntax error: ")


def test_unknown_key_at_top_level(write: Write) -> None:
    root = write({**PROJECT, "specs/a.yaml": "subjects: {}\nregistyr: local\n"})
    assert errors(root) == ["specs/a.yaml:2:1: unknown key 'registyr'; did you mean 'registry'?"]


def test_unknown_key_lists_the_allowed_ones(write: Write) -> None:
    root = write({"reconcile.yaml": "version: 1\nregistries:\n  dev: {url: 'http://h', zzz: 1}\n"})
    assert errors(root) == [
        "reconcile.yaml:3:26: unknown key 'zzz' in registries.dev; allowed: allow, auth, "
        "compatibility, mode, proxy, readonly, timeout, tls, url, urls"
    ]


def test_unknown_key_in_project_file(write: Write) -> None:
    root = write(
        {"reconcile.yaml": "version: 1\nregistries:\n  dev:\n    url: http://h\n    rdonly: true\n"}
    )
    assert errors(root) == [
        "reconcile.yaml:5:5: unknown key 'rdonly' in registries.dev; did you mean 'readonly'?"
    ]


def test_unknown_key_in_subject(write: Write) -> None:
    root = write(
        {
            **PROJECT,
            "specs/a.yaml": f"""
                subjects:
                  orders-value:
                    schema: '{ORDER}'
                    compatibilty: FULL
            """,
        }
    )
    assert errors(root) == [
        "specs/a.yaml:4:5: unknown key 'compatibilty' in subjects.orders-value; "
        "did you mean 'compatibility'?"
    ]


def test_wrong_type(write: Write) -> None:
    root = write({**PROJECT, "specs/a.yaml": "prune: sometimes\nsubjects: {}\n"})
    assert errors(root) == [
        "specs/a.yaml:1:8: prune: Input should be a valid boolean, unable to interpret input"
    ]


def test_invalid_compatibility_level(write: Write) -> None:
    root = write({**PROJECT, "specs/a.yaml": "subjects:\n  a:\n    compatibility: BACKWARDS\n"})
    [message] = errors(root)
    assert message.startswith(
        "specs/a.yaml:3:20: subjects.a.compatibility: invalid value 'BACKWARDS'; expected 'NONE', "
    )


def test_invalid_mode(write: Write) -> None:
    root = write(
        {"reconcile.yaml": "version: 1\nregistries:\n  dev: {url: 'http://h', mode: RW}\n"}
    )
    [message] = errors(root)
    assert message.startswith("reconcile.yaml:3:32: registries.dev.mode: invalid value 'RW'")


def test_missing_required_key(write: Write) -> None:
    root = write({"reconcile.yaml": "version: 1\nregistries:\n  dev:\n    readonly: true\n"})
    assert errors(root) == ["reconcile.yaml:4:5: registries.dev.url: required key is missing"]


def test_missing_schema_file(write: Write) -> None:
    root = write({**PROJECT, "specs/a.yaml": "subjects:\n  a:\n    schema: schemas/a.avsc\n"})
    assert errors(root) == ["specs/a.yaml:3:13: schema file not found: specs/schemas/a.avsc"]


def test_schema_path_escaping_with_dotdot(write: Write, tmp_path: Path) -> None:
    (tmp_path / "outside.avsc").write_text(ORDER)
    root = write({**PROJECT, "specs/a.yaml": "subjects:\n  a:\n    schema: ../../outside.avsc\n"})
    assert errors(root) == [
        "specs/a.yaml:3:13: schema path '../../outside.avsc' resolves outside the project directory"
    ]


def test_schema_path_escaping_via_symlink(write: Write, tmp_path: Path) -> None:
    (tmp_path / "outside.avsc").write_text(ORDER)
    root = write({**PROJECT, "specs/a.yaml": "subjects:\n  a:\n    schema: link.avsc\n"})
    (root / "specs" / "link.avsc").symlink_to(tmp_path / "outside.avsc")
    assert errors(root) == [
        "specs/a.yaml:3:13: schema path 'link.avsc' resolves outside the project directory"
    ]


def test_spec_glob_leaving_the_project(write: Write) -> None:
    root = write({"reconcile.yaml": "version: 1\nspecs:\n  - specs/*.yaml\n  - ../other/*.yaml\n"})
    assert errors(root) == [
        "reconcile.yaml:4:5: spec glob '../other/*.yaml' leaves the project directory"
    ]


def test_missing_environment_variable(write: Write) -> None:
    """A registry's unset variable is an error only where the registry is used
    (tests/cli/test_registry_secrets.py); loading warns and records it."""
    root = write({"reconcile.yaml": "version: 1\nregistries:\n  dev:\n    url: ${SR_DEV_URL}\n"})
    project = load(root)
    message = "reconcile.yaml:4:10: environment variable SR_DEV_URL is not set"
    assert project.registries["dev"].unresolved == (message,)
    assert [str(w) for w in project.warnings] == [f"{message} (needed when registry 'dev' is used)"]


def test_every_missing_variable_of_a_value(write: Write) -> None:
    root = write({"reconcile.yaml": "version: 1\nregistries:\n  dev: {url: 'http://${H}:${P}'}\n"})
    assert load(root).registries["dev"].unresolved == (
        "reconcile.yaml:3:22: environment variable H is not set",
        "reconcile.yaml:3:27: environment variable P is not set",
    )


def test_a_missing_variable_outside_the_registries_is_an_error(write: Write) -> None:
    root = write({"reconcile.yaml": "version: 1\nmax_deletes: ${N}\n"})
    assert errors(root) == ["reconcile.yaml:2:14: environment variable N is not set"]


def test_invalid_avro(write: Write) -> None:
    bad = '{"type": "record", "name": "A", "fields": [{"name": "x", "type": "strin"}]}'
    root = write({**PROJECT, "specs/a.yaml": f"subjects:\n  a-value:\n    schema: '{bad}'\n"})
    [message] = errors(root)
    assert message.startswith("specs/a.yaml:3:13: subject 'a-value': invalid Avro schema: ")


def test_a_schema_used_twice_is_parsed_once_and_reported_at_each_use(write: Write) -> None:
    bad = '{"type": "record", "name": "A", "fields": [{"name": "x", "type": "strin"}]}'
    root = write(
        {
            **PROJECT,
            "specs/a.yaml": "subjects:\n  a-value: {schema: a.avsc}\n  b-value: {schema: a.avsc}\n",
            "specs/b.yaml": f"context: b\nsubjects:\n  a-value:\n    schema: '{bad}'\n",
            "specs/a.avsc": bad,
        }
    )
    with mock.patch.object(_checks, "validate", wraps=_checks.validate) as parse:
        messages = [message.split(": invalid Avro schema: ")[0] for message in errors(root)]
    assert messages == [
        "specs/a.yaml:2:21: subject 'a-value'",
        "specs/a.yaml:3:21: subject 'b-value'",
        "specs/b.yaml:4:13: subject 'a-value'",
    ]
    assert parse.call_count == 4  # once per YAML composer, once with later locations (conftest)


def test_invalid_json_in_avro_file(write: Write) -> None:
    root = write(
        {
            **PROJECT,
            "specs/a.yaml": "subjects:\n  a-value: {schema: a.avsc}\n",
            "specs/a.avsc": '{"type": "record",',
        }
    )
    [message] = errors(root)
    assert message.startswith("specs/a.yaml:2:21: subject 'a-value': not valid JSON")


def test_schema_and_versions_both(write: Write) -> None:
    root = write(
        {
            **PROJECT,
            "specs/a.yaml": f"""
                subjects:
                  a:
                    schema: '{ORDER}'
                    versions:
                      - schema: '{ORDER}'
            """,
        }
    )
    assert errors(root) == ["specs/a.yaml:4:5: schema and versions are mutually exclusive"]


def test_delete_with_schema(write: Write) -> None:
    root = write(
        {**PROJECT, "specs/a.yaml": f"subjects:\n  a:\n    delete: soft\n    schema: '{ORDER}'\n"}
    )
    assert errors(root) == ["specs/a.yaml:4:5: a subject marked delete has no schema"]


def test_unknown_registry(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\nregistries:\n  dev: {url: 'http://h'}\n  prod: {url: 'https://p'}\n",
            "specs/a.yaml": "registries: [dev, staging]\nsubjects: {}\n",
        }
    )
    assert errors(root) == [
        "specs/a.yaml:1:19: unknown registry 'staging'; the project file defines: dev, prod"
    ]


def test_registry_required_when_several(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\nregistries:\n  dev: {url: 'http://h'}\n  prod: {url: 'https://p'}\n",
            "specs/a.yaml": "subjects: {}\n",
        }
    )
    assert errors(root) == [
        "specs/a.yaml:1:1: no registry given and the project has 2: dev, prod; add 'registry: NAME'"
    ]


def test_duplicate_subject_across_files(write: Write) -> None:
    root = write(
        {
            **PROJECT,
            "specs/a.yaml": "subjects:\n  shared: {compatibility: FULL}\n",
            "specs/b.yaml": "compatibility: NONE\nsubjects:\n  other: {}\n  shared: {}\n",
        }
    )
    assert errors(root) == [
        "specs/b.yaml:4:3: subject 'shared' (registry 'local', context '.') "
        "is already declared at specs/a.yaml:2:3"
    ]


def test_same_subject_in_other_context_is_fine(write: Write) -> None:
    root = write(
        {
            **PROJECT,
            "specs/a.yaml": "subjects:\n  shared: {}\n",
            "specs/b.yaml": "context: other\nsubjects:\n  shared: {}\n",
        }
    )
    from .conftest import load

    assert [s.context for s in load(root).specs] == [".", ".other"]


def test_duplicate_yaml_key(write: Write) -> None:
    root = write({**PROJECT, "specs/a.yaml": "subjects:\n  a: {}\n  a: {}\n"})
    assert errors(root) == ["specs/a.yaml:3:3: duplicate key 'a' (first at line 2, column 3)"]


def test_context_config_conflicts_with_global(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\nregistries:\n  dev: {url: 'http://h', mode: IMPORT,"
            " compatibility: FULL}\n",
            "specs/a.yaml": "compatibility: BACKWARD\nsubjects: {}\n",
        }
    )
    assert errors(root) == [
        "specs/a.yaml:1:16: compatibility BACKWARD conflicts with the global compatibility FULL "
        "of registry 'dev': in the default context both are the global config"
    ]


def test_context_config_conflicts_across_files(write: Write) -> None:
    root = write(
        {
            **PROJECT,
            "specs/a.yaml": "context: shop\nmode: READWRITE\n",
            "specs/b.yaml": "context: .shop\nmode: READONLY\n",
        }
    )
    assert errors(root) == [
        "specs/b.yaml:2:7: mode READONLY conflicts with mode READWRITE for context '.shop' "
        "of registry 'local' at specs/a.yaml:2:7"
    ]


def test_secret_never_echoed(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": """
                version: 1
                registries:
                  dev:
                    url: http://h
                    auth: {bearer: "${TOKEN}", basic: {username: u, password: "${PW}"}}
            """
        }
    )
    messages = errors(root, {"TOKEN": "s3cr3t-token", "PW": "hunter2"})
    assert messages == [
        "reconcile.yaml:5:11: registries.dev.auth: give exactly one of basic, bearer, oauth"
    ]
    assert not any("s3cr3t" in m or "hunter2" in m for m in messages)


def test_wrong_type_under_auth_does_not_echo_value(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\nregistries:\n  dev:\n    url: http://h\n"
            "    auth: {basic: {username: u, password: [s3cr3t]}}\n"
        }
    )
    [message] = errors(root)
    assert (
        message
        == "reconcile.yaml:5:43: registries.dev.auth.basic.password: Input should be a valid string"
    )


def test_many_errors_reported_together(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\nregistries:\n  dev: {url: '${URL}'}\n",
            "specs/a.yaml": "subjects:\n  a: {schema: missing.avsc}\n",
            "specs/b.yaml": "subjects:\n  b: {type: XML}\n",
            "specs/c.yaml": "subjects: [\n",
        }
    )
    assert errors(root) == [
        "specs/a.yaml:2:15: schema file not found: specs/missing.avsc",
        "specs/b.yaml:2:13: subjects.b.type: invalid value 'XML'; "
        "expected 'AVRO', 'JSON' or 'PROTOBUF'",
        "specs/c.yaml:2:1: YAML syntax error: expected the node content, but found '<stream end>'",
    ]


def test_other_subjects_still_checked_after_a_broken_one(write: Write) -> None:
    root = write(
        {
            **PROJECT,
            "specs/a.yaml": """
                subjects:
                  a: {typ: AVRO, mode: RW}
                  b: {schema: nope.avsc}
            """,
        }
    )
    messages = errors(root)
    assert [m.split(": ")[0] for m in messages] == [
        "specs/a.yaml:2:7",
        "specs/a.yaml:2:24",
        "specs/a.yaml:3:15",
    ]


def test_missing_variable_inside_a_block_scalar(write: Write) -> None:
    root = write(
        {
            **PROJECT,
            "specs/a.yaml": """
                subjects:
                  a:
                    schema: |
                      {"type": "record", "name": "A",
                       "doc": "${DOC}", "fields": []}
            """,
        }
    )
    assert errors(root) == ["specs/a.yaml:5:16: environment variable DOC is not set"]


def test_alias_bombs_are_refused(write: Write) -> None:
    laughs = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    laughs += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    root = write(
        {
            **PROJECT,
            "specs/bomb.yaml": "subjects:\n  " + "\n  ".join(laughs) + "\n",
            "specs/loop.yaml": "subjects: &s\n  a: *s\n",
            "specs/deep.yaml": "subjects: " + "[" * 1200 + "]" * 1200 + "\n",
        }
    )
    assert errors(root) == [
        "specs/bomb.yaml:1:1: aliases expand the document by over 1000000 nodes",
        "specs/deep.yaml:1:1: document nests too deeply",
        "specs/loop.yaml:1:11: recursive alias",
    ]


def test_only_the_nodes_aliases_add_are_limited(write: Write) -> None:
    """The limit is on what aliases add, not on a document's own size: the spec file
    ``reconcile export`` writes for 100,000 subjects x 5 versions has ~3,000,000
    nodes and must load."""
    big = "subjects:\n  a: [" + "x, " * 30 + "x]\n"  # two mappings, two keys, a list, 31 items
    with_alias = "subjects:\n  a: [&x x, " + "x, " * 29 + "*x]\n"  # one alias: 1 node more
    # 13 nodes of its own; each alias adds the 7 of the list it names: 42 more
    bomb = "subjects:\n  a: &l [x, x, x, x, x, x]\n  b: [" + "*l, " * 5 + "*l]\n"
    root = write(
        {**PROJECT, "specs/big.yaml": big, "specs/alias.yaml": with_alias, "specs/bomb.yaml": bomb}
    )
    with mock.patch.object(_yaml, "MAX_NODES", 35):
        assert [e for e in errors(root) if "expand" in e] == [
            "specs/bomb.yaml:1:1: aliases expand the document by over 35 nodes"
        ]
    with mock.patch.object(_yaml, "MAX_NODES", 42):
        assert not any("expand" in e for e in errors(root))


def test_empty_credentials(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": """
                version: 1
                registries:
                  a: {url: "http://h", auth: {basic: {username: "${U}", password: ""}}}
                  b: {url: "http://h", auth: {bearer: "${T:-}"}}
            """
        }
    )
    assert errors(root) == [
        "reconcile.yaml:3:67: registries.a.auth.basic.password: empty",
        "reconcile.yaml:4:39: registries.b.auth.bearer: empty token",
    ]
