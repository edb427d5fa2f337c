"""Data contracts: schema metadata and rule sets, as Confluent Platform 7.4+ handles them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from reconciler.localregistry import create_app
from reconciler.localregistry._store import _LAYOUT_VERSION as LAYOUT_VERSION

from .conftest import _CurrentApp
from .helpers import avro_record, error_code, register

V1 = avro_record("User", ("name", "string"))
V2 = avro_record("User", ("name", "string"), ("age", "int", 0))
V3 = avro_record("User", ("name", "string"), ("age", "int", 0), ("city", "string", ""))

OWNER = {"properties": {"owner": "team-a"}}
PII = {"tags": {"User.name": ["PII"]}, "sensitive": ["name"]}
RULE = {"name": "checkName", "kind": "CONDITION", "type": "CEL", "expr": "size(message.name) > 0"}
RULES = {"domainRules": [RULE]}
# RULE as Confluent writes it back: defaults filled in, ``disabled`` always present
RULE_OUT = {
    "name": "checkName",
    "kind": "CONDITION",
    "mode": "WRITEREAD",
    "type": "CEL",
    "expr": "size(message.name) > 0",
    "disabled": False,
}
RULES_OUT = {"domainRules": [RULE_OUT]}


def versions(sr: httpx.Client, subject: str) -> list[int]:
    return sr.get(f"/subjects/{subject}/versions").json()


def version(sr: httpx.Client, subject: str, number: int | str) -> dict:
    response = sr.get(f"/subjects/{subject}/versions/{number}")
    assert response.status_code == 200, response.text
    return response.json()


# -- registration and reads -----------------------------------------------------


def test_registration_stores_metadata_and_rule_set(sr: httpx.Client) -> None:
    body = register(sr, "users-value", V1, metadata=OWNER, ruleSet=RULES)
    # Confluent answers the whole registered schema when it has a data contract
    assert body == {
        "id": 1,
        "version": 1,
        "metadata": OWNER,
        "ruleSet": RULES_OUT,
        "schema": body["schema"],
    }
    got = version(sr, "users-value", 1)
    assert (got["metadata"], got["ruleSet"]) == (OWNER, RULES_OUT)
    assert list(got) == ["subject", "version", "id", "metadata", "ruleSet", "schema"]
    by_id = sr.get("/schemas/ids/1").json()
    assert (by_id["metadata"], by_id["ruleSet"]) == (OWNER, RULES_OUT)
    listed = sr.get("/schemas").json()
    assert [(s["metadata"], s["ruleSet"]) for s in listed] == [(OWNER, RULES_OUT)]
    looked_up = sr.post(
        "/subjects/users-value", json={"schema": V1, "metadata": OWNER, "ruleSet": RULES}
    )
    assert looked_up.status_code == 200
    assert (looked_up.json()["id"], looked_up.json()["metadata"]) == (1, OWNER)


def test_without_a_contract_nothing_is_added(sr: httpx.Client) -> None:
    assert register(sr, "users-value", V1) == {"id": 1}
    for body in (
        version(sr, "users-value", 1),
        sr.get("/schemas/ids/1").json(),
        sr.get("/schemas").json()[0],
        sr.post("/subjects/users-value", json={"schema": V1}).json(),
    ):
        assert "metadata" not in body and "ruleSet" not in body


def test_contracts_are_stored_in_confluents_canonical_form(sr: httpx.Client) -> None:
    metadata = {
        "tags": {"b": ["y", "x", "x"], "a": ["z"]},
        "properties": {"k2": "2", "k1": "1"},
        "sensitive": ["s2", "s1"],
        "unknown": "ignored",
    }
    rule_set = {
        "migrationRules": [],
        "domainRules": [{**RULE, "tags": ["T2", "T1"], "params": {"p2": "b", "p1": "a"}}],
    }
    register(sr, "users-value", V1, metadata=metadata, ruleSet=rule_set)
    got = version(sr, "users-value", 1)
    assert got["metadata"] == {
        "tags": {"a": ["z"], "b": ["x", "y"]},
        "properties": {"k1": "1", "k2": "2"},
        "sensitive": ["s1", "s2"],
    }
    assert list(got["metadata"]["tags"]) == ["a", "b"]
    assert got["ruleSet"] == {
        "domainRules": [{**RULE_OUT, "tags": ["T1", "T2"], "params": {"p1": "a", "p2": "b"}}]
    }
    # empty collections are left out, but an empty object is still a (set) contract
    register(sr, "other-value", V1, metadata={"tags": {}, "properties": {}, "sensitive": []})
    assert version(sr, "other-value", 1)["metadata"] == {}


# -- identity: versions and IDs -------------------------------------------------


def test_same_schema_and_contract_is_the_same_version(sr: httpx.Client) -> None:
    register(sr, "users-value", V1, metadata=OWNER, ruleSet=RULES)
    # key order and rule defaults do not matter: the canonical forms are equal
    again = register(sr, "users-value", V1, metadata=OWNER, ruleSet={"domainRules": [RULE_OUT]})
    assert again == {"id": 1}
    assert versions(sr, "users-value") == [1]


def test_other_metadata_is_a_new_version_with_a_new_id(sr: httpx.Client) -> None:
    register(sr, "users-value", V1, metadata=OWNER)
    second = register(sr, "users-value", V1, metadata={"properties": {"owner": "team-b"}})
    assert (second["id"], second["version"]) == (2, 2)
    third = register(sr, "users-value", V1, metadata=OWNER, ruleSet=RULES)
    assert (third["id"], third["version"]) == (3, 3)
    assert versions(sr, "users-value") == [1, 2, 3]
    assert sr.get("/schemas/ids/1").json()["metadata"] == OWNER
    assert sr.get("/schemas/ids/3/versions").json() == [{"subject": "users-value", "version": 3}]


def test_same_schema_and_contract_in_another_subject_shares_the_id(sr: httpx.Client) -> None:
    register(sr, "a-value", V1, metadata=OWNER)
    assert register(sr, "b-value", V1, metadata=OWNER)["id"] == 1
    assert register(sr, "c-value", V1)["id"] == 2  # no contract: another schema
    assert sr.get("/schemas/ids/1/subjects").json() == ["a-value", "b-value"]


def test_a_schema_without_contract_is_not_found_with_one(sr: httpx.Client) -> None:
    register(sr, "users-value", V1)
    response = sr.post("/subjects/users-value", json={"schema": V1, "metadata": OWNER})
    assert response.status_code == 404
    assert error_code(response) == 40403


# -- inheritance from the latest version ----------------------------------------


def test_left_out_contract_is_inherited_from_the_latest_version(sr: httpx.Client) -> None:
    register(sr, "users-value", V1, metadata=OWNER, ruleSet=RULES)
    body = register(sr, "users-value", V2)
    assert (body["version"], body["metadata"], body["ruleSet"]) == (2, OWNER, RULES_OUT)
    got = version(sr, "users-value", 2)
    assert (got["metadata"], got["ruleSet"]) == (OWNER, RULES_OUT)


def test_metadata_and_rule_set_are_inherited_each_on_its_own(sr: httpx.Client) -> None:
    register(sr, "users-value", V1, metadata=OWNER, ruleSet=RULES)
    register(sr, "users-value", V2, metadata=PII)
    got = version(sr, "users-value", 2)
    assert (got["metadata"], got["ruleSet"]) == (PII, RULES_OUT)  # replaced, not merged
    register(sr, "users-value", V3, ruleSet={"migrationRules": []})
    got = version(sr, "users-value", 3)
    assert (got["metadata"], got["ruleSet"]) == (PII, {})


def test_an_empty_object_clears_what_would_be_inherited(sr: httpx.Client) -> None:
    register(sr, "users-value", V1, metadata=OWNER)
    register(sr, "users-value", V2, metadata={})
    assert version(sr, "users-value", 2)["metadata"] == {}


def test_reregistering_without_contract_finds_the_version_that_inherited_it(
    sr: httpx.Client,
) -> None:
    register(sr, "users-value", V1, metadata=OWNER)
    assert register(sr, "users-value", V1) == {"id": 1}
    assert versions(sr, "users-value") == [1]
    looked_up = sr.post("/subjects/users-value", json={"schema": V1})
    assert looked_up.status_code == 200
    assert (looked_up.json()["version"], looked_up.json()["metadata"]) == (1, OWNER)


def test_inheritance_comes_from_the_latest_live_version_only(sr: httpx.Client) -> None:
    register(sr, "users-value", V1, metadata=OWNER)
    register(sr, "users-value", V2, metadata=PII)
    # V1 without metadata inherits PII from version 2: a new schema, version 3
    body = register(sr, "users-value", V1)
    assert (body["id"], body["version"], body["metadata"]) == (3, 3, PII)
    sr.delete("/subjects/users-value/versions/3")
    sr.delete("/subjects/users-value/versions/2")
    # version 1 is the latest live one again: V2 inherits OWNER
    assert register(sr, "users-value", V2)["metadata"] == OWNER


def test_empty_schema_reregisters_the_latest_with_new_metadata(sr: httpx.Client) -> None:
    register(sr, "users-value", V2, metadata=OWNER, ruleSet=RULES)
    response = sr.post("/subjects/users-value/versions", json={"metadata": PII})
    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["metadata"], body["ruleSet"]) == (2, PII, RULES_OUT)
    assert version(sr, "users-value", 2)["schema"] == version(sr, "users-value", 1)["schema"]


def test_confluent_version_property_tracks_the_new_version(sr: httpx.Client) -> None:
    # an explicit version adds the property; once present it follows each new version
    body = register(sr, "users-value", V1, version=1, metadata=OWNER)
    assert body["metadata"] == {"properties": {"confluent:version": "1", "owner": "team-a"}}
    register(sr, "users-value", V2)
    assert version(sr, "users-value", 2)["metadata"]["properties"]["confluent:version"] == "2"
    register(sr, "users-value", V3, metadata={"properties": {"confluent:version": "9"}})
    assert version(sr, "users-value", 3)["metadata"] == {"properties": {"confluent:version": "3"}}


# -- IMPORT mode, compatibility endpoints, errors -------------------------------


def test_import_stores_the_contract_as_sent_without_inheritance(sr: httpx.Client) -> None:
    sr.put("/mode", json={"mode": "IMPORT"})
    assert register(sr, "users-value", V1, id=10, version=1, metadata=OWNER) == {"id": 10}
    assert register(sr, "users-value", V2, id=11, version=2) == {"id": 11}
    assert version(sr, "users-value", 1)["metadata"] == OWNER
    assert "metadata" not in version(sr, "users-value", 2)
    # the same ID with another contract is another schema
    response = sr.post(
        "/subjects/other-value/versions",
        json={"schema": V1, "id": 10, "version": 1, "metadata": PII},
    )
    assert response.status_code == 422
    assert error_code(response) == 42205


def test_compatibility_endpoints_accept_a_contract(sr: httpx.Client) -> None:
    register(sr, "users-value", V1, metadata=OWNER)
    body = {"schema": V2, "metadata": PII, "ruleSet": RULES}
    for path in (
        "/compatibility/subjects/users-value/versions/latest",
        "/compatibility/subjects/users-value/versions",
    ):
        response = sr.post(path, json=body)
        assert response.status_code == 200, response.text
        assert response.json() == {"is_compatible": True}


def test_invalid_rule_sets_are_42210(sr: httpx.Client) -> None:
    cases = [
        ({"domainRules": [{"type": "CEL"}]}, "Missing rule name"),
        ({"domainRules": [{"name": "1x", "type": "CEL"}]}, "Illegal initial character"),
        ({"domainRules": [{"name": "ok"}]}, "Missing rule type"),
        ({"domainRules": [{**RULE, "mode": "UPGRADE"}]}, "Domain rules can only be"),
        ({"migrationRules": [{**RULE, "mode": "WRITE"}]}, "Migration rules can only be"),
        ({"domainRules": [RULE, RULE]}, "duplicate name 'checkName'"),
        (
            {"domainRules": [{**RULE, "mode": "WRITE", "onFailure": "ERROR,NONE"}]},
            "Multiple actions only valid",
        ),
    ]
    for rule_set, message in cases:
        response = sr.post(
            "/subjects/users-value/versions", json={"schema": V1, "ruleSet": rule_set}
        )
        assert response.status_code == 422, rule_set
        assert error_code(response) == 42210
        assert message in response.json()["message"]
    assert sr.get("/subjects").json() == []


def test_wrongly_shaped_contracts_are_400(sr: httpx.Client) -> None:
    for extra in (
        {"metadata": []},
        {"metadata": {"properties": {"a": 1}}},
        {"metadata": {"tags": {"a": "PII"}}},
        {"metadata": {"sensitive": "x"}},
        {"ruleSet": {"domainRules": {}}},
        {"ruleSet": {"domainRules": [{**RULE, "kind": "OTHER"}]}},
        {"ruleSet": {"domainRules": [{**RULE, "disabled": "no"}]}},
    ):
        for path in ("/subjects/users-value/versions", "/subjects/users-value"):
            response = sr.post(path, json={"schema": V1, **extra})
            assert response.status_code == 400, (path, extra)
            assert error_code(response) == 400


# -- storage --------------------------------------------------------------------

# The ``schemas`` table as files written before data contracts have it.
_OLD_SCHEMAS = """
CREATE TABLE schemas (
    context     TEXT    NOT NULL,
    id          INTEGER NOT NULL,
    schema_type TEXT    NOT NULL,
    schema      TEXT    NOT NULL,
    refs        TEXT    NOT NULL,
    identity    TEXT    NOT NULL,
    PRIMARY KEY (context, id)
)
"""


def test_files_without_contract_columns_are_migrated(
    _shared_server: tuple[str, _CurrentApp], _client: httpx.Client, tmp_path: Path
) -> None:
    _url, current = _shared_server
    path = tmp_path / "old.db"
    current.app = create_app(path)
    try:
        assert register(_client, "users-value", V1) == {"id": 1}
        with sqlite3.connect(path) as conn:
            # turn the file back into the old layout, keeping its rows
            rows = conn.execute(
                "SELECT context, id, schema_type, schema, refs, identity FROM schemas"
            ).fetchall()
            conn.execute("DROP TABLE schemas")
            conn.execute(_OLD_SCHEMAS)
            conn.executemany("INSERT INTO schemas VALUES (?, ?, ?, ?, ?, ?)", rows)
            conn.execute("PRAGMA user_version=0")
        current.app = create_app(path)
        assert version(_client, "users-value", 1)["id"] == 1
        assert register(_client, "users-value", V1) == {"id": 1}  # identity unchanged
        assert register(_client, "users-value", V2, metadata=OWNER)["id"] == 2
        assert version(_client, "users-value", 2)["metadata"] == OWNER
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == LAYOUT_VERSION
        current.app = create_app(path)  # opening a migrated file again changes nothing
        assert version(_client, "users-value", 2)["metadata"] == OWNER
    finally:
        current.app = None


# -- config defaults and overrides ----------------------------------------------


def test_config_default_and_override_metadata_are_merged_in(sr: httpx.Client) -> None:
    put = sr.put("/config/users-value", json={"defaultMetadata": OWNER})
    assert put.status_code == 200
    assert put.json() == {"defaultMetadata": OWNER}
    assert sr.get("/config/users-value").json() == {
        "compatibilityLevel": "BACKWARD",
        "defaultMetadata": OWNER,
    }
    assert register(sr, "users-value", V1)["metadata"] == OWNER
    body = register(sr, "users-value", V2, metadata=PII)
    assert body["metadata"] == {**PII, **OWNER}  # the default under the request's
    override = {"properties": {"owner": "platform"}}
    sr.put("/config/users-value", json={"overrideMetadata": override})
    # the earlier field is kept: a config update replaces only the fields it names
    assert sr.get("/config/users-value").json()["defaultMetadata"] == OWNER
    body = register(sr, "users-value", V3, metadata={"properties": {"owner": "me"}})
    assert body["metadata"] == override


def test_config_rule_sets_merge_by_rule_name(sr: httpx.Client) -> None:
    other = {"name": "other", "kind": "CONDITION", "type": "CEL", "expr": "true"}
    sr.put(
        "/config/users-value",
        json={"defaultRuleSet": {"domainRules": [RULE, other]}},
    )
    replaced = {**RULE, "expr": "false"}
    body = register(sr, "users-value", V1, ruleSet={"domainRules": [replaced]})
    names_and_exprs = [(r["name"], r["expr"]) for r in body["ruleSet"]["domainRules"]]
    assert names_and_exprs == [("other", "true"), ("checkName", "false")]
    sr.put("/config/users-value", json={"overrideRuleSet": {"domainRules": [RULE]}})
    body = register(sr, "users-value", V2, ruleSet={"domainRules": [replaced]})
    names_and_exprs = [(r["name"], r["expr"]) for r in body["ruleSet"]["domainRules"]]
    assert names_and_exprs == [("other", "true"), ("checkName", "size(message.name) > 0")]


def test_with_config_contracts_a_repeat_is_still_the_same_version(sr: httpx.Client) -> None:
    sr.put("/config/users-value", json={"defaultMetadata": OWNER})
    first = register(sr, "users-value", V1)
    # no shortcut through lookup: the registration path answers the whole schema
    assert register(sr, "users-value", V1) == first
    assert versions(sr, "users-value") == [1]


def test_invalid_config_rule_set_is_42210(sr: httpx.Client) -> None:
    for key in ("defaultRuleSet", "overrideRuleSet"):
        response = sr.put("/config", json={key: {"domainRules": [{"name": "x"}]}})
        assert response.status_code == 422
        assert error_code(response) == 42210
    response = sr.put("/config", json={"defaultMetadata": {"sensitive": 1}})
    assert response.status_code == 400
    assert sr.get("/config").json() == {"compatibilityLevel": "BACKWARD"}
