"""``reconcile compat`` through click's runner: exit codes, text and JSON output."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from .conftest import REPO


def _command() -> tuple[click.Command, list[str]]:
    """``reconcile compat`` as registered; alone if a sibling command is mid-change."""
    try:
        from reconciler.cli import main
    except ImportError:
        spec = importlib.util.spec_from_file_location(
            "_compat_cmd", REPO / "reconciler" / "cli" / "compat_cmd.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.compat, []
    return main, ["compat"]


COMMAND, PREFIX = _command()

V1 = '{"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false}'
V2 = '{"type": "object", "properties": {"a": {"type": "number"}}, "additionalProperties": false}'
PROTO_V1 = 'syntax = "proto3";\nmessage Order { int32 id = 1; }\n'
PROTO_V2 = 'syntax = "proto3";\nmessage Order { string id = 1; }\n'
AVRO_V1 = '{"type": "record", "name": "r", "fields": [{"name": "a", "type": "int"}]}'
AVRO_V2 = '{"type": "record", "name": "r", "fields": [{"name": "a", "type": "long"}]}'


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    contents = {
        "v1.json": V1,
        "v2.json": V2,
        "v1.proto": PROTO_V1,
        "v2.proto": PROTO_V2,
        "v1.avsc": AVRO_V1,
        "v2.avsc": AVRO_V2,
        "broken.json": '{"type": ',
    }
    for name, text in contents.items():
        (tmp_path / name).write_text(text)
    return {name: tmp_path / name for name in contents}


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(COMMAND, [*PREFIX, *map(str, args)])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("schema_type", "old", "new"),
    [("JSON", "v1.json", "v2.json"), ("PROTOBUF", "v1.proto", "v2.proto")],
)
def test_incompatible_exits_1_and_names_the_rule(
    files: dict[str, Path], schema_type: str, old: str, new: str
) -> None:
    code, out = run("--type", schema_type, "--level", "BACKWARD", files[old], files[new])
    assert code == 1
    assert "incompatible" in out
    assert (
        "TYPE_CHANGED #/properties/a" if schema_type == "JSON" else "FIELD_SCALAR_KIND_CHANGED"
    ) in out


def test_compatible_exits_0(files: dict[str, Path]) -> None:
    code, out = run("--type", "AVRO", "--level", "BACKWARD", files["v1.avsc"], files["v2.avsc"])
    assert (code, "compatible" in out) == (0, True)
    # int -> long is not readable the other way round.
    code, _ = run("--type", "AVRO", "--level", "FULL", files["v1.avsc"], files["v2.avsc"])
    assert code == 1


def test_json_output(files: dict[str, Path]) -> None:
    code, out = run(
        "--level", "FULL_TRANSITIVE", "--output", "json", files["v1.json"], files["v2.json"]
    )
    report = json.loads(out)
    assert code == 1 and report["compatible"] is False and report["type"] == "JSON"
    assert {(m["rule"], m["location"], m["against"]) for m in report["messages"]} == {
        ("TYPE_CHANGED", "#/properties/a", str(files["v1.json"]))
    }


def test_invalid_schema_names_the_file(files: dict[str, Path]) -> None:
    code, out = run("--type", "JSON", files["broken.json"], files["v2.json"])
    assert code == 1
    assert str(files["broken.json"]) in out and "not valid JSON" in out


def test_missing_file_names_the_file(files: dict[str, Path], tmp_path: Path) -> None:
    code, out = run("--type", "JSON", tmp_path / "gone.json", files["v2.json"])
    assert code == 1 and "gone.json" in out


def test_type_is_guessed_from_suffix_or_asked_for(files: dict[str, Path]) -> None:
    code, out = run(files["v1.json"], files["v1.proto"])
    assert code == 64 and "--type" in out


def test_references(files: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "money.proto").write_text(
        'syntax = "proto3"; package m; message Money { int64 c = 1; }'
    )
    order = 'syntax = "proto3"; import "money.proto"; message Order { m.Money total = 1; }'
    (tmp_path / "order.proto").write_text(order)
    code, _ = run(
        "--reference",
        f"money.proto={tmp_path / 'money.proto'}",
        tmp_path / "order.proto",
        tmp_path / "order.proto",
    )
    assert code == 0


async def _register(url: str, subject: str, versions: list[str], schema_type: str) -> None:
    from reconciler.registry import RegistryClient

    async with RegistryClient(url) as client:
        await client.set_config("NONE", subject)
        for text in versions:
            await client.register(subject, text, schema_type)
        await client.set_config("FULL_TRANSITIVE", subject)


def test_against_a_registry_subject(files: dict[str, Path], tmp_path: Path) -> None:
    import asyncio

    url = f"local:{tmp_path / 'registry.db'}"
    asyncio.run(_register(url, "orders-value", [V1, V2], "JSON"))
    # The subject's own level (FULL_TRANSITIVE) applies: v1 -> v2 broke it.
    code, out = run(
        "--subject", "orders-value", "--registry", url, "--output", "json", files["v2.json"]
    )
    report = json.loads(out)
    assert code == 1 and report["level"] == "FULL_TRANSITIVE"
    assert report["previous"] == ["orders-value version 1", "orders-value version 2"]
    assert {m["against"] for m in report["messages"]} == {"orders-value version 1"}
    # An explicit non-transitive level looks at the latest version only.
    code, out = run(
        "--subject", "orders-value", "--registry", url, "--level", "FULL", files["v2.json"]
    )
    assert code == 0, out
    # A subject the registry does not hold yet accepts anything.
    code, _ = run("--subject", "payments-value", "--registry", url, files["v1.json"])
    assert code == 0


def test_json_reports_the_registrys_version_numbers(files: dict[str, Path], tmp_path: Path) -> None:
    """A non-transitive level compares with the latest version only: version 2, not
    the first (and only) position of the list compared."""
    import asyncio

    url = f"local:{tmp_path / 'registry.db'}"
    asyncio.run(_register(url, "orders-value", [V1, V2], "JSON"))
    args = ["--subject", "orders-value", "--registry", url, "--level", "FULL"]
    code, out = run(*args, "--output", "json", files["v1.json"])
    report = json.loads(out)
    assert code == 1 and report["previous"] == ["orders-value version 2"]
    assert {(m["version"], m["against"]) for m in report["messages"]} == {
        (2, "orders-value version 2")
    }
    assert all(m["fix"] for m in report["messages"])
    code, out = run(*args, files["v1.json"])
    assert "Fix: keep the type" in out and "(vs orders-value version 2)" in out
    code, out = run(*args, "--output", "markdown", files["v1.json"])
    assert "Fix: keep the type" in out and "(vs orders-value version 2)" in out


def test_subject_and_registry_go_together(files: dict[str, Path]) -> None:
    code, out = run("--subject", "orders-value", files["v1.json"])
    assert code == 64 and "--registry" in out


async def _register_with_import(url: str) -> None:
    from reconciler.registry import Reference, RegistryClient

    money = 'syntax = "proto3"; package m; message Money { int64 cents = 1; }'
    order = 'syntax = "proto3"; import "m/money.proto"; message Order { m.Money total = 1; }'
    async with RegistryClient(url) as client:
        await client.register("money", money, "PROTOBUF")
        refs = [Reference("m/money.proto", "money", 1)]
        await client.register("orders-value", order, "PROTOBUF", references=refs)


def test_registry_references_are_fetched(tmp_path: Path) -> None:
    import asyncio

    asyncio.run(_register_with_import(f"local:{tmp_path / 'registry.db'}"))
    (tmp_path / "reconcile.yaml").write_text(
        "version: 1\nregistries:\n  dev: {url: 'local:registry.db'}\n"
    )
    (tmp_path / "money.proto").write_text(
        'syntax = "proto3"; package m; message Money { int64 cents = 1; string currency = 2; }'
    )
    new = tmp_path / "order.proto"
    new.write_text(
        'syntax = "proto3"; import "m/money.proto";\n'
        "message Order { m.Money total = 1; string note = 2; }"
    )
    args = ["--subject", "orders-value", "--registry", "dev", "--dir", tmp_path]
    code, out = run(*args, "--reference", f"m/money.proto={tmp_path / 'money.proto'}", new)
    assert code == 0, out
    code, out = run(*args, "--registry", "prod", new)
    assert code == 1 and "known: dev" in out


def test_installed_command_as_a_subprocess(files: dict[str, Path]) -> None:
    import subprocess
    import sys

    reconcile = Path(sys.executable).with_name("reconcile")
    done = subprocess.run(
        [reconcile, "compat", "--output", "json", files["v1.proto"], files["v2.proto"]],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    (message,) = json.loads(done.stdout)["messages"]
    assert (message["rule"], message["location"]) == ("FIELD_SCALAR_KIND_CHANGED", "#/Order/1")
    assert done.stderr == ""  # protoc's own output never leaks
