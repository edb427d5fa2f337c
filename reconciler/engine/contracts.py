"""Data contracts (``metadata``, ``ruleSet``) compared as a registry stores them.

A registry keeps both in a canonical form: sets and map keys sorted, empty
parts left out, a rule's ``kind``/``mode`` defaulted (TRANSFORM, WRITEREAD)
and ``disabled`` always present; it writes ``confluent:version`` into the
metadata itself. A spec is compared in that form, so writing ``tags: {}`` or
leaving out a rule's ``mode`` is not a change.

A spec that leaves a contract out has no opinion: a registry registering a
version without one inherits the latest version's (Confluent's
``maybePopulateFromPrevious``), so whatever the live version holds matches.
``{}`` is a contract (no metadata), distinct from none.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

CONFLUENT_VERSION = "confluent:version"
_RULE_LISTS = ("migrationRules", "domainRules", "encodingRules")
_RULE_DEFAULTS = {"kind": "TRANSFORM", "mode": "WRITEREAD", "disabled": False}


def _rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in rule.items() if v not in (None, "", [], {})}
    for key, default in _RULE_DEFAULTS.items():
        out.setdefault(key, default)
    if "tags" in out:
        out["tags"] = sorted(set(out["tags"]))
    return out


def canonical_metadata(metadata: Mapping[str, Any] | None) -> str | None:
    if metadata is None:
        return None
    out: dict[str, Any] = {}
    tags = {k: sorted(set(v)) for k, v in (metadata.get("tags") or {}).items()}
    if tags:
        out["tags"] = tags
    properties = {
        k: v for k, v in (metadata.get("properties") or {}).items() if k != CONFLUENT_VERSION
    }
    if properties:
        out["properties"] = properties
    if metadata.get("sensitive"):
        out["sensitive"] = sorted(set(metadata["sensitive"]))
    return json.dumps(out, sort_keys=True)


def canonical_rule_set(rule_set: Mapping[str, Any] | None) -> str | None:
    if rule_set is None:
        return None
    out = {key: [_rule(r) for r in rule_set[key]] for key in _RULE_LISTS if rule_set.get(key)}
    return json.dumps(out, sort_keys=True)


def contract_matches(
    desired_metadata: Mapping[str, Any] | None,
    desired_rule_set: Mapping[str, Any] | None,
    live_metadata: Mapping[str, Any] | None,
    live_rule_set: Mapping[str, Any] | None,
) -> bool:
    """Whether a live version satisfies the spec's contract (None: no opinion)."""
    if desired_metadata is not None and canonical_metadata(desired_metadata) != (
        canonical_metadata(live_metadata)
    ):
        return False
    return desired_rule_set is None or canonical_rule_set(desired_rule_set) == (
        canonical_rule_set(live_rule_set)
    )
