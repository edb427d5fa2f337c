"""Avro field defaults over HTTP, as Confluent (Avro Java 1.12's ``Schema.Parser``) takes them.

A registration parses with ``setValidateDefaults(true)``: ``isValidDefault``
wants a JSON value of the field's type (a union's: of any branch), and before
that ``parseField`` reads a ``float``/``double`` field's textual default with
``Double.parseDouble``, failing the parse when it cannot. What is stored is
Java's printer's text, doubles written by ``Double.toString``.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.localregistry import create_app
from reconciler.localregistry._schemas import identity

from .conftest import _CurrentApp
from .helpers import error_code, register

PRIMITIVES = ["null", "boolean", "int", "long", "float", "double", "string", "bytes"]
JSON_KINDS: list[object] = [
    None, True, 0, -(2**31), 2**31, 2**63, 1.5, 1e21,
    "1.5", "NaN", "abc", "", [], [1], {}, {"k": 1},
]  # fmt: skip
_BOUNDS = {"int": 2**31, "long": 2**63}
_subjects = itertools.count()


def _record(field_type: object, default: object, **extra: object) -> str:
    field = {"name": "f", "type": field_type, "default": default, **extra}
    return json.dumps({"type": "record", "name": "R", "fields": [field]})


def _stored(sr: httpx.Client, schema: str) -> str:
    schema_id = register(sr, f"s{next(_subjects)}-value", schema)["id"]
    return str(sr.get(f"/schemas/ids/{schema_id}").json()["schema"])


def _java_accepts(kind: object, value: object, *, field_level: bool = False) -> bool:
    """Avro Java's verdict, from its rule table (Schema.isValidDefault and parseField)."""
    if isinstance(kind, list):
        return any(_java_accepts(branch, value) for branch in kind)
    if isinstance(kind, dict):
        if kind["type"] == "array":
            return isinstance(value, list) and all(_java_accepts(kind["items"], v) for v in value)
        return isinstance(value, dict) and all(
            _java_accepts(kind["values"], v) for v in value.values()
        )
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind in ("float", "double"):
        return number or (field_level and value in ("1.5", "NaN"))  # parseDouble reads these
    if kind in _BOUNDS:
        return type(value) is int and -_BOUNDS[kind] <= value < _BOUNDS[kind]
    if kind in ("string", "bytes"):
        return isinstance(value, str)
    return isinstance(value, bool) if kind == "boolean" else value is None


_primitive = st.sampled_from(PRIMITIVES)
_types = st.one_of(
    _primitive,
    st.lists(_primitive, min_size=2, max_size=3, unique=True),
    st.builds(lambda t: {"type": "array", "items": t}, _primitive),
    st.builds(lambda t: {"type": "map", "values": t}, _primitive),
)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(kind=_types, value=st.sampled_from(JSON_KINDS))
def test_a_default_is_refused_exactly_when_avro_java_refuses_it(
    sr: httpx.Client, kind: object, value: object
) -> None:
    answer = sr.post(
        f"/subjects/s{next(_subjects)}-value/versions", json={"schema": _record(kind, value)}
    )
    if _java_accepts(kind, value, field_level=True):
        assert answer.status_code == 200, answer.text
    else:
        assert answer.status_code == 422, answer.text
        assert error_code(answer) == 42201


@pytest.mark.parametrize(
    ("default", "written"),
    [("1.5", "1.5"), (" 2 ", "2.0"), ("1e21", "1.0E21"), ("0x1p3", "8.0"), ("NaN", '"NaN"')],
)
def test_a_float_default_given_as_text_is_stored_as_the_number_java_reads(
    sr: httpx.Client, default: str, written: str
) -> None:
    for kind in ("float", {"type": "double"}):
        text = _stored(sr, _record(kind, default))
        assert f'"default":{written}' in text, text


@pytest.mark.parametrize("default", ["abc", "", "1.5x", "0x1.8"])
def test_a_float_default_java_cannot_read_is_42201(sr: httpx.Client, default: str) -> None:
    answer = sr.post("/subjects/r-value/versions", json={"schema": _record("float", default)})
    assert error_code(answer) == 42201


def test_numbers_are_written_as_javas_printer_writes_them(sr: httpx.Client) -> None:
    text = _stored(sr, _record("double", 1e21, precision=1e-5, big=12345678.0, n=12345678901))
    assert '"default":1.0E21' in text
    assert '"precision":1.0E-5,"big":1.2345678E7,"n":12345678901' in text


def test_a_union_default_may_fit_any_branch(sr: httpx.Client) -> None:
    # Avro 1.12 (Confluent 8); Avro 1.11 (Confluent 7.x) wanted the first branch.
    assert '"default":"x"' in _stored(sr, _record(["null", "string"], "x"))
    refused = sr.post("/subjects/r-value/versions", json={"schema": _record(["null", "int"], "x")})
    assert error_code(refused) == 42201


def test_files_with_python_numbers_or_textual_float_defaults_keep_their_ids(
    _shared_server: tuple[str, _CurrentApp], _client: httpx.Client, tmp_path: Path
) -> None:
    """Rows stored before (``1e+21``, a float default kept as ``"1.5"``) are rewritten in
    Java's form when the file is opened, keeping their IDs; the same schema finds them."""
    _url, current = _shared_server
    schemas = {
        _record("double", 1e21): '"default":1e+21',
        _record("float", "1.5"): '"default":"1.5"',
    }
    path = tmp_path / "old.db"
    current.app = create_app(path)
    try:
        ids = {schema: register(_client, f"s{n}", schema)["id"] for n, schema in enumerate(schemas)}
        with sqlite3.connect(path) as conn:
            for schema, old_default in schemas.items():
                stored = conn.execute("SELECT schema FROM schemas WHERE id=?", (ids[schema],))
                new = stored.fetchone()[0]
                old = re.sub(r'"default":[^}]*', old_default, new)
                conn.execute(
                    "UPDATE schemas SET schema=?, identity=? WHERE id=?",
                    (old, identity("AVRO", old, []), ids[schema]),
                )
            conn.execute("PRAGMA user_version=3")
        current.app = create_app(path)
        for n, schema in enumerate(schemas):
            text = _client.get(f"/schemas/ids/{ids[schema]}/schema").text
            assert schemas[schema] not in text
            assert register(_client, f"s{n}", schema)["id"] == ids[schema]
            assert register(_client, f"other{n}", schema)["id"] == ids[schema]
    finally:
        current.app = None


def test_the_smallest_doubles_are_written_with_javas_two_digits(sr: httpx.Client) -> None:
    # Double.toString(Double.MIN_VALUE) is "4.9E-324": when one digit would do, Java
    # writes the two-digit decimal nearest the double, not that digit and a zero.
    text = _stored(sr, _record("double", 5e-324, twice=1e-323))
    assert '"default":4.9E-324' in text and '"twice":9.9E-324' in text


def test_files_with_the_old_text_of_the_smallest_doubles_keep_their_ids(
    _shared_server: tuple[str, _CurrentApp], _client: httpx.Client, tmp_path: Path
) -> None:
    """Rows of layout 5 wrote ``5.0E-324``: opening the file rewrites the number (not the
    same characters inside a string), keeping IDs; the same schema registered again finds them."""
    _url, current = _shared_server
    schema = _record("double", 5e-324, doc="5.0E-324", low=-1e-323)
    path = tmp_path / "old.db"
    current.app = create_app(path)
    try:
        schema_id = register(_client, "s", schema)["id"]
        with sqlite3.connect(path) as conn:
            new = conn.execute("SELECT schema FROM schemas WHERE id=?", (schema_id,)).fetchone()[0]
            old = new.replace(":4.9E-324", ":5.0E-324").replace(":-9.9E-324", ":-1.0E-323")
            assert old != new and '"doc":"5.0E-324"' in old
            conn.execute(
                "UPDATE schemas SET schema=?, identity=? WHERE id=?",
                (old, identity("AVRO", old, []), schema_id),
            )
            conn.execute("PRAGMA user_version=5")
        current.app = create_app(path)
        assert _client.get(f"/schemas/ids/{schema_id}").json()["schema"] == new
        assert register(_client, "s", schema)["id"] == schema_id
        assert register(_client, "other", schema)["id"] == schema_id
    finally:
        current.app = None
