"""Protobuf schema text as the registry stores and serves it (issue 12, item 1).

protoc reports source columns with tabs expanded to multiples of 8 and counts
bytes, not characters; the stored text once took type names from the source
by those columns and so came back corrupted for tab-indented schemas.
"""

from __future__ import annotations

import logging
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from reconciler.compatibility import parse
from reconciler.localregistry import create_app

from .helpers import register

TAB_INDENTED = (
    'syntax = "proto3";\npackage t;\nmessage X {\n\tint32 a = 1;\n\tY y = 2;\n}\n'
    "message Y {\n\tint32 b = 1;\n}\n"
)
SPACE_INDENTED = TAB_INDENTED.replace("\t", "  ")


def _read_paths(sr: httpx.Client, subject: str, schema_id: int) -> list[str]:
    """The schema text from every read path."""
    texts = [
        sr.get(f"/schemas/ids/{schema_id}").json()["schema"],
        sr.get(f"/schemas/ids/{schema_id}/schema").text,
        sr.get(f"/subjects/{subject}/versions/latest").json()["schema"],
        sr.get(f"/subjects/{subject}/versions/1/schema").text,
    ]
    texts += [s["schema"] for s in sr.get("/schemas").json() if s["id"] == schema_id]
    return texts


def test_tab_indented_schema_reads_back_as_text_that_compiles(sr: httpx.Client) -> None:
    schema_id = register(sr, "s1", TAB_INDENTED, schemaType="PROTOBUF")["id"]
    for text in _read_paths(sr, "s1", schema_id):
        assert "  Y y = 2;\n" in text, text
        parse("PROTOBUF", text)  # compiles
    # the subject takes another version, and the layout of the source does not matter
    assert register(sr, "s2", SPACE_INDENTED, schemaType="PROTOBUF")["id"] == schema_id
    v2 = TAB_INDENTED.replace("\tint32 b = 1;\n", "\tint32 b = 1;\n\tY next = 2;\n")
    assert register(sr, "s1", v2, schemaType="PROTOBUF")["id"] == schema_id + 1


@pytest.mark.parametrize(
    ("line", "stored"),
    [
        ("\t\tY y = 2;", "Y y = 2;"),  # two tabs
        (" \t Y y = 2;", "Y y = 2;"),  # a tab after a space: to column 8, not 9
        ("\t/* é ü */ Y y = 2;", "Y y = 2;"),  # protoc counts bytes, not characters
        ("\tmap<string,\t.t.Y> y = 2;", "map<string, .t.Y> y = 2;"),  # a tab inside the type
        ("\tt\t.\tY y = 2;", "t.Y y = 2;"),  # a qualified name spread by tabs
        ("\tt./* x */Y y = 2;", "t.Y y = 2;"),  # ... and by a comment
        ("\f\tY y = 2; // \r \x0b \x85 \u2028", "Y y = 2;"),  # breaks only for Python
    ],
)
def test_type_names_survive_tabs_and_multibyte_text(
    sr: httpx.Client, line: str, stored: str
) -> None:
    schema = TAB_INDENTED.replace("\tY y = 2;", line)
    schema_id = register(sr, "s", schema, schemaType="PROTOBUF")["id"]
    text = sr.get(f"/schemas/ids/{schema_id}/schema").text
    assert f"\n  {stored}\n" in text, text
    parse("PROTOBUF", text)


def _corrupt_row(db_path: Path, schema_id: int) -> None:
    """What the registry wrote for tab-indented schemas before the fix."""
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "UPDATE schemas SET schema = replace(schema, '  Y y = 2;', '  ; y = 2;') WHERE id = ?",
            (schema_id,),
        )


def test_corrupted_rows_of_an_existing_database_are_named_on_open(
    sr: httpx.Client, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    register(sr, "avro", '"string"')
    first = register(sr, "p1", SPACE_INDENTED, schemaType="PROTOBUF")["id"]
    clean = 'syntax = "proto3";\nmessage Z { int32 z = 1; }\n'
    register(sr, "p2", clean, schemaType="PROTOBUF")
    register(sr, ":.ctx:a", '"int"')
    other = register(sr, ":.ctx:p3", SPACE_INDENTED, schemaType="PROTOBUF")["id"]
    _corrupt_row(db_path, first)  # both contexts' rows with that id (both are 2)
    assert other == first
    with caplog.at_level(logging.WARNING):
        create_app(db_path)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, warnings
    named = dict(re.findall(r"context (\S+): ids? ([\d, ]+)", warnings[0]))
    assert named == {"'.'": f"{first}", "'.ctx'": f"{other}"}, warnings[0]


def test_a_clean_database_opens_without_warnings(
    sr: httpx.Client, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    register(sr, "p1", SPACE_INDENTED, schemaType="PROTOBUF")
    with caplog.at_level(logging.WARNING):
        create_app(db_path)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_cli_server_names_damaged_rows_on_stderr(
    sr: httpx.Client, db_path: Path, tmp_path: Path
) -> None:
    first = register(sr, "p1", SPACE_INDENTED, schemaType="PROTOBUF")["id"]
    _corrupt_row(db_path, first)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = "from reconciler.cli import main; main()"
    args = ["registry", "serve", "--port", str(port), "--data", str(db_path)]
    proc = subprocess.Popen(
        [sys.executable, "-c", command, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("local registry listening on")
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert f"context '.': id {first}" in stderr, stderr


def test_healthy_printed_forms_are_not_compiled_on_open() -> None:
    """Opening a store compiles only texts with a line the printers cannot have written."""
    from reconciler.localregistry._protobuf_rows import _printer_could_have_written

    schema = (
        'syntax = "proto3";\npackage t;\nmessage X {\n  reserved 5;\n  map<string, Y> m = 1;\n'
        "  oneof o {\n    Y y = 2;\n    string s = 3;\n  }\n"
        "  message Z {\n    int32 z = 1;\n  }\n}\n"
        "message Y {\n  enum E {\n    A = 0;\n  }\n}\n"
        "service S {\n  rpc Get (X) returns (stream Y) {\n    option deprecated = true;\n  }\n}\n"
    )
    parsed = parse("PROTOBUF", schema)
    assert _printer_could_have_written(parsed.canonical), parsed.canonical
    assert _printer_could_have_written(parsed.normalized), parsed.normalized
    assert not _printer_could_have_written(parsed.canonical.replace("  Y y = 2;", "  ; y = 2;"))


def test_multi_line_options_are_not_compiled_on_open() -> None:
    """Confluent's layout writes a field's several options and an aggregate value one per
    line: such texts are known printed forms too (else every open compiles each of them)."""
    from reconciler.localregistry._protobuf_rows import _printer_could_have_written

    from .test_protobuf_canonical import CONFLUENT, RICH

    texts = [parse("PROTOBUF", RICH).canonical, parse("PROTOBUF", RICH).normalized]
    texts += [parse("PROTOBUF", source).canonical for source, _, _ in CONFLUENT.values()]
    for text in texts:
        assert _printer_could_have_written(text), text
