"""Input limits: a schema over ``limits.schema_bytes`` (default 1 MiB) is refused.

A Confluent registry cannot store a schema that large anyway; reading a 64
MiB file cost 710 MB of memory before anything refused it.
"""

from __future__ import annotations

import json

from .conftest import Write, errors, load
from .test_validate_cli import reconcile

MIB = 1024 * 1024


def _padded(size: int) -> str:
    text = json.dumps({"type": "record", "name": "Big", "fields": []})
    return text + " " * (size - len(text))


def test_a_schema_file_over_the_default_limit_is_refused_naming_it(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\n",
            "specs/a.yaml": "subjects:\n  big: {schema: ../schemas/big.avsc}\n",
            "schemas/big.avsc": _padded(MIB + 1),
        }
    )
    assert errors(root) == [
        "specs/a.yaml:2:17: schema file schemas/big.avsc is 1048577 bytes, over the limit of "
        "1048576 (limits.schema_bytes in reconcile.yaml)"
    ]
    result = reconcile("validate", cwd=root)
    assert result.returncode == 1 and "schemas/big.avsc is 1048577 bytes" in result.stderr


def test_the_limit_is_set_in_the_project_file(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": f"version: 1\nlimits: {{schema_bytes: {2 * MIB}}}\n",
            "specs/a.yaml": "subjects:\n  big: {schema: ../schemas/big.avsc}\n",
            "schemas/big.avsc": _padded(MIB + 1),
        }
    )
    assert load(root).specs[0].subjects["big"].schema is not None


def test_an_inline_schema_over_the_limit_is_refused(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\nlimits: {schema_bytes: 100}\n",
            "specs/a.yaml": f"subjects:\n  big: {{schema: '{_padded(150)}'}}\n",
        }
    )
    assert errors(root) == [
        "specs/a.yaml:2:17: inline schema is 150 bytes, over the limit of 100 "
        "(limits.schema_bytes in reconcile.yaml)"
    ]


def test_the_limit_must_be_positive(write: Write) -> None:
    root = write({"reconcile.yaml": "version: 1\nlimits: {schema_bytes: 0}\n"})
    (message,) = errors(root)
    assert message.startswith("reconcile.yaml:2:24: limits.schema_bytes")
