"""Data contracts: schema ``metadata`` and ``ruleSet`` as Confluent reads, stores and merges them.

Both are kept in the form Confluent's Jackson entities write back
(``Metadata``, ``RuleSet``, ``Rule`` with ``@JsonInclude(NON_EMPTY)``): map keys
and sets sorted, empty collections left out, a rule's ``kind`` and ``mode``
filled with their defaults (TRANSFORM, WRITEREAD) and ``disabled`` always
present.  Equal contracts therefore have equal canonical forms, which is what
the schema identity (and so ID assignment) compares.
"""

from __future__ import annotations

from typing import Any

from . import _errors as errors

Contract = dict[str, Any]

CONFLUENT_VERSION = "confluent:version"
RULE_KINDS = ("TRANSFORM", "CONDITION")
RULE_MODES = ("UPGRADE", "DOWNGRADE", "UPDOWN", "WRITE", "READ", "WRITEREAD")
# each rule list with the modes Confluent's RuleSet.validate allows in it
RULE_LISTS = {
    "migrationRules": (("UPGRADE", "DOWNGRADE", "UPDOWN"), "Migration"),
    "domainRules": (("WRITE", "READ", "WRITEREAD"), "Domain"),
    "encodingRules": (("WRITE", "READ", "WRITEREAD"), "Encoding"),
}
_RULE_TEXT_FIELDS = ("doc", "type", "expr", "onSuccess", "onFailure")
_NAME_MAX_LENGTH = 64


def _java_order(text: str) -> bytes:
    """Java's String order (UTF-16 code units), which TreeMap and TreeSet use."""
    return text.encode("utf-16-be", "surrogatepass")


def _object(value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise errors.bad_request(f"Field '{where}' must be an object")
    return value


def _text(value: object, where: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise errors.bad_request(f"Field '{where}' must be a string")
    return value


def _text_set(value: object, where: str) -> list[str]:
    """A JSON array read as Java's ``Set<String>``: duplicates dropped, sorted."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise errors.bad_request(f"Field '{where}' must be an array of strings")
    return sorted(set(value), key=_java_order)


def _text_map(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    doc = _object(value, where)
    if not all(isinstance(v, str) for v in doc.values()):
        raise errors.bad_request(f"Field '{where}' must map names to strings")
    return {k: str(doc[k]) for k in sorted(doc, key=_java_order)}


def _metadata(
    tags: dict[str, list[str]], properties: dict[str, str], sensitive: list[str]
) -> Contract:
    out: Contract = {}
    if tags:
        out["tags"] = {k: tags[k] for k in sorted(tags, key=_java_order)}
    if properties:
        out["properties"] = {k: properties[k] for k in sorted(properties, key=_java_order)}
    if sensitive:
        out["sensitive"] = sorted(set(sensitive), key=_java_order)
    return out


def parse_metadata(value: object) -> Contract | None:
    """``{"tags": {path: [tag]}, "properties": {k: v}, "sensitive": [k]}``; unknown keys ignored."""
    if value is None:
        return None
    doc = _object(value, "metadata")
    tags_doc = doc.get("tags")
    tags = {
        name: _text_set(tag_list, f"metadata.tags.{name}")
        for name, tag_list in (
            {} if tags_doc is None else _object(tags_doc, "metadata.tags")
        ).items()
    }
    return _metadata(
        tags,
        _text_map(doc.get("properties"), "metadata.properties"),
        _text_set(doc.get("sensitive"), "metadata.sensitive"),
    )


def _enum(value: object, allowed: tuple[str, ...], default: str, where: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str) or value not in allowed:
        raise errors.bad_request(f"Field '{where}' must be one of {', '.join(allowed)}")
    return value


def _rule(value: object, where: str) -> Contract:
    doc = _object(value, where)
    disabled = doc.get("disabled")
    if disabled is not None and not isinstance(disabled, bool):
        raise errors.bad_request(f"Field '{where}.disabled' must be a boolean")
    out: Contract = {}
    name = _text(doc.get("name"), f"{where}.name")
    if name is not None:
        out["name"] = name
    texts = {key: _text(doc.get(key), f"{where}.{key}") for key in _RULE_TEXT_FIELDS}
    if texts["doc"]:
        out["doc"] = texts["doc"]
    out["kind"] = _enum(doc.get("kind"), RULE_KINDS, "TRANSFORM", f"{where}.kind")
    out["mode"] = _enum(doc.get("mode"), RULE_MODES, "WRITEREAD", f"{where}.mode")
    if texts["type"]:
        out["type"] = texts["type"]
    tags = _text_set(doc.get("tags"), f"{where}.tags")
    if tags:
        out["tags"] = tags
    params = _text_map(doc.get("params"), f"{where}.params")
    if params:
        out["params"] = params
    for key in ("expr", "onSuccess", "onFailure"):
        if texts[key]:
            out[key] = texts[key]
    out["disabled"] = bool(disabled)
    return out


def parse_rule_set(value: object) -> Contract | None:
    """``{"migrationRules": [rule], "domainRules": [rule], "encodingRules": [rule]}``."""
    if value is None:
        return None
    doc = _object(value, "ruleSet")
    out: Contract = {}
    for key in RULE_LISTS:
        rules = doc.get(key)
        if rules is None:
            continue
        if not isinstance(rules, list):
            raise errors.bad_request(f"Field 'ruleSet.{key}' must be an array")
        if rules:
            out[key] = [_rule(rule, f"ruleSet.{key}") for rule in rules]
    return out


def _validate_name(name: str | None) -> None:
    if name is None:
        raise errors.invalid_rule_set("Missing rule name")
    if not name:
        raise errors.invalid_rule_set("Empty rule name")
    if len(name) > _NAME_MAX_LENGTH:
        raise errors.invalid_rule_set("Rule name too long")
    if not (name[0].isalpha() or name[0] == "_"):
        raise errors.invalid_rule_set(f"Illegal initial character in rule name: {name}")
    if not all(c.isalnum() or c in "_-" for c in name[1:]):
        raise errors.invalid_rule_set(f"Illegal character in rule name: {name}")


def validate_rule_set(rule_set: Contract) -> None:
    """Confluent's ``RuleSet.validate()``, answered 42210 as its REST layer does."""
    names: set[str | None] = set()
    for key, (modes, label) in RULE_LISTS.items():
        for rule in rule_set.get(key, []):
            name = rule.get("name")
            if name in names:
                raise errors.invalid_rule_set(f"Found rule with duplicate name '{name}'")
            names.add(name)
            _validate_name(name)
            if "type" not in rule:
                raise errors.invalid_rule_set("Missing rule type")
            for action in ("onSuccess", "onFailure"):
                if rule["mode"] not in ("WRITEREAD", "UPDOWN") and "," in rule.get(action, ""):
                    raise errors.invalid_rule_set(
                        "Multiple actions only valid with WRITEREAD and UPDOWN"
                    )
            if rule["mode"] not in modes:
                raise errors.invalid_rule_set(f"{label} rules can only be {', '.join(modes)}")


def merge_metadata(old: Contract | None, new: Contract | None) -> Contract | None:
    """Confluent's ``Metadata.mergeMetadata``: ``new`` wins per key, sensitive sets are joined."""
    if old is None:
        return new
    if new is None:
        return old
    tags = dict(old.get("tags", {}))
    tags.update(new.get("tags", {}))
    properties = dict(old.get("properties", {}))
    properties.update(new.get("properties", {}))
    return _metadata(tags, properties, [*old.get("sensitive", []), *new.get("sensitive", [])])


def merge_rule_sets(old: Contract | None, new: Contract | None) -> Contract | None:
    """Confluent's ``RuleSet.mergeRuleSets``: per list, new rules replace old same-named ones."""
    if old is None:
        return new
    if new is None:
        return old
    out: Contract = {}
    for key in RULE_LISTS:
        old_rules, new_rules = old.get(key, []), new.get(key, [])
        names = {rule.get("name") for rule in new_rules}
        merged = [rule for rule in old_rules if rule.get("name") not in names] + new_rules
        if merged:
            out[key] = merged
    return out


# config fields holding contracts, with the parser of each
CONFIG_CONTRACTS = {
    "defaultMetadata": parse_metadata,
    "overrideMetadata": parse_metadata,
    "defaultRuleSet": parse_rule_set,
    "overrideRuleSet": parse_rule_set,
}


def has_defaults_or_overrides(config: dict[str, object]) -> bool:
    return any(config.get(key) is not None for key in CONFIG_CONTRACTS)


def with_inherited(
    metadata: Contract | None,
    rule_set: Contract | None,
    previous: tuple[Contract | None, Contract | None] | None,
    config: dict[str, Any],
    new_version: int | None,
    *,
    explicit_version: bool,
) -> tuple[Contract | None, Contract | None]:
    """Confluent's ``maybeSetMetadataRuleSet``.

    ``metadata`` and ``rule_set`` left out of a registration (JSON null) are
    taken, each on its own, from ``previous``, the latest live version.  The
    result is merged between the config's ``default...`` (under it) and
    ``override...`` (over it).  With a ``new_version`` (registration, not
    lookup) the ``confluent:version`` property is set to it when the request
    named an explicit version or the merged metadata already has that property.
    """
    if previous is not None:
        metadata = previous[0] if metadata is None else metadata
        rule_set = previous[1] if rule_set is None else rule_set
    metadata = merge_metadata(
        merge_metadata(config.get("defaultMetadata"), metadata), config.get("overrideMetadata")
    )
    rule_set = merge_rule_sets(
        merge_rule_sets(config.get("defaultRuleSet"), rule_set), config.get("overrideRuleSet")
    )
    if new_version is not None and (
        explicit_version or CONFLUENT_VERSION in (metadata or {}).get("properties", {})
    ):
        metadata = merge_metadata(metadata, {"properties": {CONFLUENT_VERSION: str(new_version)}})
    return metadata, rule_set
