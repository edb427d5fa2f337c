"""What one registration does inside the store: the work counted, not timed.

Under 50 writers a write's latency is about 50 times the server's CPU per
registration (docs/performance.md, local registry), so the work each one does
is held here: the config chain is read once per request and the request's
schema is parsed once (it was read three times and parsed twice).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.localregistry import _schemas
from reconciler.localregistry._contexts import parse_subject
from reconciler.localregistry._registry import Registry
from reconciler.localregistry._requests import SchemaRequest
from reconciler.localregistry._store import Store


def _schema(serial: int) -> str:
    fields = [{"name": "id", "type": "long"}, {"name": "n", "type": "int", "default": serial}]
    return json.dumps({"type": "record", "name": "R", "fields": fields})


def _traced(db: Store, log: list[str]) -> None:
    """Every statement the store's connections run from now on goes to ``log``."""
    with db.read():  # the pool holds at least one connection
        pass
    for conn in db._idle:  # the store's own pool, traced in place
        conn.set_trace_callback(log.append)


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    registry = Registry(Store(tmp_path / "registry.db"))
    registry.register(parse_subject("s-value"), SchemaRequest(_schema(0)), normalize=False)
    return registry


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    texts: list[str] = []
    real: Callable[..., object] = _schemas.parse

    def counting(schema_type: str, text: str, refs: dict[str, str]) -> object:
        texts.append(text)
        return real(schema_type, text, refs)

    monkeypatch.setattr(_schemas, "parse", counting)
    return texts


def test_a_registration_reads_the_config_chain_once_and_parses_its_schema_once(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    log: list[str] = []
    _traced(registry.store, log)
    parsed = _parses(monkeypatch)
    sent = _schema(1)
    answer = registry.register(parse_subject("s-value"), SchemaRequest(sent), normalize=False)
    assert answer == {"id": 2}
    config_reads = [q for q in log if "FROM config" in q]
    # subject, default context, global: each level once
    assert len(config_reads) == 3, config_reads
    assert parsed.count(sent) == 1, parsed
    assert len(parsed) == 2, parsed  # the request's schema, then the version it is checked against


def test_a_registration_with_inherited_metadata_still_parses_once(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The contract taken from the latest version changes the identity, not the parse:
    the schema registered with it is the one looked up (same ID when registered again)."""
    subject = parse_subject("m-value")
    first = SchemaRequest(_schema(0), metadata={"properties": {"owner": "a"}})
    registry.register(subject, first, normalize=False)
    parsed = _parses(monkeypatch)
    sent = _schema(1)
    answer = registry.register(subject, SchemaRequest(sent), normalize=False)
    assert parsed.count(sent) == 1, parsed
    assert answer["metadata"] == {"properties": {"owner": "a"}}
    again = registry.register(subject, SchemaRequest(sent), normalize=False)
    assert again == {"id": answer["id"]}


def test_a_new_version_reads_the_latest_version_and_a_new_ids_row_once(
    registry: Registry,
) -> None:
    """The latest version and its schema serve the repeat check, the registration and
    the compatibility check; the probe for a free ID is the only read of the new
    ID's row; a version above all others has nothing to replace."""
    log: list[str] = []
    _traced(registry.store, log)
    answer = registry.register(parse_subject("s-value"), SchemaRequest(_schema(1)), normalize=False)
    assert answer == {"id": 2}
    latest_reads = [q for q in log if "ORDER BY version DESC LIMIT 1" in q]
    assert len(latest_reads) == 1, latest_reads
    schema_rows = [q for q in log if q.startswith("SELECT context, id, schema_type")]
    assert [q.rsplit("id=", 1)[1] for q in schema_rows] == ["1", "2"], schema_rows
    assert not [q for q in log if q.startswith("DELETE")], log
    assert not [q for q in log if "FROM versions WHERE context=" in q and "schema_id=" in q], log
    assert len(log) == 20, log  # BEGIN ... COMMIT; 27 before
