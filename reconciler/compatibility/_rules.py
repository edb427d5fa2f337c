"""Every compatibility rule: its ID, the change it names, where it stays compatible, why, the fix.

Like buf's breaking-change rules (and reconciler/lint/_catalog.py for lint),
each difference or finding the checkers emit names one record here, and the
record is the only place that says whether the change is compatible:
``COMPATIBLE_CHANGES`` of the JSON Schema and Protobuf walkers are read from
it, the explanations in ``Message.message`` and the fixes in ``Message.fix``
come from it, and the rule section of docs/compatibility.md is generated from
it (``python -m reconciler.compatibility.rules_doc``).

Directions. JSON Schema and Protobuf name *changes* from the original to the
update, as Confluent's ``SchemaDiff`` does: a change is BACKWARD compatible
(consumers on the update read data written with the original) when
Confluent's ``COMPATIBLE_CHANGES`` holds it, and FORWARD compatible
(consumers on the original read data written with the update) when the
reverse change is, since a FORWARD check diffs the two the other way round.
Where the reverse change varies (removing a property from an open content model
has two reverses: adding one with the empty schema, or with any other), the
record says that the FORWARD verdict depends on it. Avro names *findings* of
the reader/writer check instead: each breaks the pair of schemas it is found
in, in whichever direction that pair was checked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._types import SchemaType

# (BACKWARD, FORWARD): whether the change alone keeps each direction; None where the
# FORWARD verdict depends on what the reverse change is (see ``Rule.forward``).
Directions = tuple[bool, bool | None]
_BOTH: Directions = (True, True)
_B: Directions = (True, False)
_F: Directions = (False, True)
_NONE: Directions = (False, False)
_B_MAYBE_F: Directions = (True, None)
_MAYBE_F: Directions = (False, None)


@dataclass(frozen=True)
class Rule:
    """One rule ID: the change (or finding) it names and what to do about it.

    ``compatible`` says whether this change alone keeps a schema BACKWARD and
    FORWARD compatible (FULL needs both); the FORWARD half is None where it
    depends on the reverse change (a property removed from an open content
    model is FORWARD compatible when its schema was ``true``, not otherwise).
    ``why`` says, in readers' and writers' terms, why the change is
    (in)compatible; ``fix`` says what to do instead when the level in force
    forbids it.
    """

    id: str
    schema_type: SchemaType
    change: str
    compatible: Directions
    why: str
    fix: str

    @property
    def backward(self) -> bool:
        return self.compatible[0]

    @property
    def forward(self) -> bool | None:
        return self.compatible[1]


def _json(rule_id: str, change: str, compatible: Directions, why: str, fix: str) -> Rule:
    return Rule(rule_id, "JSON", change, compatible, why, fix)


def _proto(rule_id: str, change: str, compatible: Directions, why: str, fix: str) -> Rule:
    return Rule(rule_id, "PROTOBUF", change, compatible, why, fix)


def _avro(rule_id: str, change: str, why: str, fix: str) -> Rule:
    return Rule(rule_id, "AVRO", change, _NONE, why, fix)


def _bounds(prefix: str, keyword: str, what: str, upper: bool) -> Iterator[Rule]:
    """ADDED / REMOVED / INCREASED / DECREASED of one numeric bound.

    A bound added, or moved to accept less (an upper bound decreased, a lower
    bound increased), rejects values the writer allowed: FORWARD only.
    """
    tighter, looser = ("DECREASED", "INCREASED") if upper else ("INCREASED", "DECREASED")
    yield _json(
        f"{prefix}_ADDED",
        f"`{keyword}` added",
        _F,
        f"the reader bounds {what}, which the writer left unbounded",
        f"leave `{keyword}` out, or use a new subject (or the level FORWARD) for the stricter "
        "contract",
    )
    yield _json(
        f"{prefix}_REMOVED",
        f"`{keyword}` removed",
        _B,
        f"the reader accepts any {what}; readers of the earlier version still bound it",
        f"keep `{keyword}` when consumers on earlier versions must read new data (FORWARD)",
    )
    yield _json(
        f"{prefix}_{tighter}",
        f"`{keyword}` made stricter",
        _F,
        f"the reader's `{keyword}` rejects {what} the writer's allowed",
        f"keep `{keyword}` at the writer's value or looser",
    )
    yield _json(
        f"{prefix}_{looser}",
        f"`{keyword}` made looser",
        _B,
        f"the reader accepts every {what} the writer's `{keyword}` allowed, and more",
        f"keep `{keyword}` when consumers on earlier versions must read new data (FORWARD)",
    )


_CLOSE_MODEL = (
    "close the content model first (`additionalProperties: false`), then add the property as "
    "optional"
)

_JSON_RULES: tuple[Rule, ...] = (
    _json("ID_CHANGED", "`$id` changed", _BOTH, "`$id` does not constrain documents", ""),
    _json("TITLE_CHANGED", "`title` changed", _BOTH, "`title` does not constrain documents", ""),
    _json(
        "DESCRIPTION_CHANGED",
        "`description` changed",
        _BOTH,
        "`description` does not constrain documents",
        "",
    ),
    _json(
        "DEFAULT_CHANGED", "`default` changed", _BOTH, "`default` does not constrain documents", ""
    ),
    _json(
        "SCHEMA_ADDED",
        "a schema where there was none",
        _F,
        "the reader constrains a value the writer left unconstrained",
        "leave the value unconstrained, or register the constraint in a new subject",
    ),
    _json(
        "SCHEMA_REMOVED",
        "a schema removed",
        _B,
        "the reader accepts any value where the writer constrained it",
        "keep the schema when consumers on earlier versions must read new data (FORWARD)",
    ),
    _json(
        "TYPE_EXTENDED",
        "`integer` widened to `number`",
        _B,
        "every integer is a number",
        "keep `integer` when consumers on earlier versions must read new data (FORWARD)",
    ),
    _json(
        "TYPE_NARROWED",
        "`number` narrowed to `integer`",
        _F,
        "the reader accepts only integers where the writer allowed any number",
        "keep `number`",
    ),
    _json(
        "TYPE_CHANGED",
        "the type changed",
        _MAYBE_F,
        "the type differs from the writer's",
        "keep the type; add a new property of the new type (optional) and deprecate the old one",
    ),
    *_bounds("MAX_LENGTH", "maxLength", "string length", upper=True),
    *_bounds("MIN_LENGTH", "minLength", "string length", upper=False),
    _json(
        "PATTERN_ADDED",
        "`pattern` added",
        _F,
        "the reader requires strings to match a pattern the writer did not",
        "leave `pattern` out, or validate in the producer",
    ),
    _json(
        "PATTERN_REMOVED",
        "`pattern` removed",
        _B,
        "the reader accepts any string where the writer required a pattern",
        "keep `pattern` when consumers on earlier versions must read new data (FORWARD)",
    ),
    _json(
        "PATTERN_CHANGED",
        "`pattern` changed",
        _NONE,
        "the pattern differs from the writer's",
        "keep the writer's pattern",
    ),
    *_bounds("MAXIMUM", "maximum", "number", upper=True),
    *_bounds("MINIMUM", "minimum", "number", upper=False),
    *_bounds("EXCLUSIVE_MAXIMUM", "exclusiveMaximum", "number", upper=True),
    *_bounds("EXCLUSIVE_MINIMUM", "exclusiveMinimum", "number", upper=False),
    _json(
        "MULTIPLE_OF_ADDED",
        "`multipleOf` added",
        _F,
        "the reader accepts only multiples of a step the writer did not require",
        "leave `multipleOf` out",
    ),
    _json(
        "MULTIPLE_OF_REMOVED",
        "`multipleOf` removed",
        _B,
        "the reader accepts any number where the writer required multiples of a step",
        "keep `multipleOf` when consumers on earlier versions must read new data (FORWARD)",
    ),
    _json(
        "MULTIPLE_OF_EXPANDED",
        "`multipleOf` set to a multiple of the old step",
        _F,
        "multipleOf is a multiple of the writer's",
        "keep the writer's step, or a divisor of it",
    ),
    _json(
        "MULTIPLE_OF_REDUCED",
        "`multipleOf` set to a divisor of the old step",
        _B,
        "every multiple of the writer's step is a multiple of the reader's",
        "keep the writer's step when consumers on earlier versions must read new data (FORWARD)",
    ),
    _json(
        "MULTIPLE_OF_CHANGED",
        "`multipleOf` changed otherwise",
        _NONE,
        "multipleOf is not a divisor of the writer's",
        "keep the writer's step, or a divisor of it",
    ),
    _json(
        "REQUIRED_ATTRIBUTE_ADDED",
        "an existing property made required",
        _F,
        "the reader requires a property the writer made optional",
        "keep the property optional, or give it a `default`",
    ),
    _json(
        "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED",
        "an existing property with a default made required",
        _BOTH,
        "the property has a default, which readers use when it is absent",
        "",
    ),
    _json(
        "REQUIRED_ATTRIBUTE_REMOVED",
        "a property no longer required",
        _B,
        "the reader accepts documents without the property; readers of the earlier version "
        "require it",
        "keep the property required (or give it a default) when consumers on earlier versions "
        "must read new data (FORWARD)",
    ),
    *_bounds("MAX_PROPERTIES", "maxProperties", "number of properties", upper=True),
    *_bounds("MIN_PROPERTIES", "minProperties", "number of properties", upper=False),
    _json(
        "ADDITIONAL_PROPERTIES_ADDED",
        "`additionalProperties` opened (no longer `false`)",
        _B,
        "the reader accepts properties the writer forbade",
        "keep `additionalProperties: false` when consumers on earlier versions must read new "
        "data (FORWARD)",
    ),
    _json(
        "ADDITIONAL_PROPERTIES_REMOVED",
        "`additionalProperties: false` added",
        _F,
        "the reader forbids properties the writer allowed",
        "keep the content model open, or list every property the writer's documents may have",
    ),
    _json(
        "ADDITIONAL_PROPERTIES_EXTENDED",
        "the `additionalProperties` schema removed",
        _B,
        "unlisted properties may have any value now",
        "keep the `additionalProperties` schema when consumers on earlier versions must read new "
        "data (FORWARD)",
    ),
    _json(
        "ADDITIONAL_PROPERTIES_NARROWED",
        "an `additionalProperties` schema added",
        _F,
        "unlisted properties must match a schema now",
        "leave `additionalProperties` open",
    ),
    _json(
        "DEPENDENCY_ARRAY_ADDED",
        "a property dependency (`dependencies` array) added",
        _F,
        "the reader requires properties together that the writer did not",
        "leave the dependency out",
    ),
    _json(
        "DEPENDENCY_ARRAY_REMOVED",
        "a property dependency (`dependencies` array) removed",
        _B,
        "the reader no longer requires properties together",
        "keep the dependency when consumers on earlier versions must read new data (FORWARD)",
    ),
    _json(
        "DEPENDENCY_ARRAY_EXTENDED",
        "a property dependency lists more properties",
        _F,
        "a property depends on more properties than the writer required",
        "keep the writer's list of dependent properties",
    ),
    _json(
        "DEPENDENCY_ARRAY_NARROWED",
        "a property dependency lists fewer properties",
        _B,
        "a property depends on fewer properties than the writer required",
        "keep the list when consumers on earlier versions must read new data (FORWARD)",
    ),
    _json(
        "DEPENDENCY_ARRAY_CHANGED",
        "a property dependency lists other properties",
        _NONE,
        "the property dependencies differ from the writer's",
        "keep the writer's list of dependent properties",
    ),
    _json(
        "DEPENDENCY_SCHEMA_ADDED",
        "a schema dependency added",
        _F,
        "the reader applies a schema when a property is present, which the writer did not",
        "leave the dependency out",
    ),
    _json(
        "DEPENDENCY_SCHEMA_REMOVED",
        "a schema dependency removed",
        _B,
        "the reader no longer applies a schema when a property is present",
        "keep the dependency when consumers on earlier versions must read new data (FORWARD)",
    ),
    _json(
        "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
        "a required property added to an open content model",
        _F,
        "a required property is added where the writer's open content model allowed it with "
        "any value, or not at all",
        _CLOSE_MODEL + " (or with a `default`)",
    ),
    _json(
        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL",
        "a required property with a default added to an open content model",
        _F,
        "a property is added where the writer's open content model allowed it with any value",
        _CLOSE_MODEL,
    ),
    _json(
        "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
        "an optional property added to an open content model",
        _F,
        "a property is added where the writer's open content model allowed it with any value",
        _CLOSE_MODEL,
    ),
    _json(
        "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        "a property with an empty schema (`{}`) added to an open content model",
        _BOTH,
        "the property accepts any value, as the open content model did",
        "",
    ),
    _json(
        "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
        "a required property added to a closed content model",
        _NONE,
        "a required property without a default is added; the writer's documents do not have it",
        "add the property as optional (not in `required`), or give it a `default`",
    ),
    _json(
        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL",
        "a required property with a default added to a closed content model",
        _B,
        "readers fill in the default where the writer's documents lack the property; readers "
        "of the earlier version reject it",
        "under FORWARD, open the content model before adding properties",
    ),
    _json(
        "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
        "an optional property added to a closed content model",
        _B_MAYBE_F,
        "the writer's documents cannot have the property, and the reader does not require it; "
        "readers of the earlier version reject it",
        "under FORWARD, open the content model before adding properties",
    ),
    _json(
        "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
        "a property removed from an open content model",
        _B_MAYBE_F,
        "the reader's open content model still accepts the property with any value",
        "under FORWARD, keep the property (deprecate it in its `description`)",
    ),
    _json(
        "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "a property whose schema is `false` removed from a closed content model",
        _BOTH,
        "the writer's documents could not have the property",
        "",
    ),
    _json(
        "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "a property removed from a closed content model",
        _F,
        "a property is removed from a closed content model; the writer's documents that have "
        "it are rejected",
        "keep the property (deprecate it in its `description`), or set its schema to `false` "
        "once no producer writes it",
    ),
    _json(
        "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "a property removed whose values the reader's `patternProperties` or "
        "`additionalProperties` accept",
        _BOTH,
        "the reader's partially open content model accepts the removed property's values",
        "",
    ),
    _json(
        "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "a property removed whose values the reader's `patternProperties` or "
        "`additionalProperties` reject",
        _NONE,
        "a removed property's values are not accepted by the reader's "
        "patternProperties/additionalProperties",
        "keep the property, or widen the matching `patternProperties` / `additionalProperties` "
        "schema to accept its values",
    ),
    _json(
        "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "a property added whose values the writer's `patternProperties` or "
        "`additionalProperties` accepted",
        _BOTH,
        "the added property accepts every value the writer's partially open content model "
        "allowed for it",
        "",
    ),
    _json(
        "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "a property added that rejects values the writer's `patternProperties` or "
        "`additionalProperties` allowed",
        _NONE,
        "an added property rejects values the writer's patternProperties/additionalProperties "
        "allowed",
        "give the property a schema that accepts what the matching `patternProperties` / "
        "`additionalProperties` schema accepts",
    ),
    _json(
        "UNEVALUATED_PROPERTIES_ADDED",
        "`unevaluatedProperties` opened (no longer `false`)",
        _B,
        "the reader accepts unevaluated properties the writer forbade",
        "keep `unevaluatedProperties: false` when consumers on earlier versions must read new "
        "data (FORWARD)",
    ),
    _json(
        "UNEVALUATED_PROPERTIES_REMOVED",
        "`unevaluatedProperties: false` added",
        _F,
        "the reader forbids unevaluated properties",
        "leave `unevaluatedProperties` open",
    ),
    _json(
        "UNEVALUATED_PROPERTIES_EXTENDED",
        "the `unevaluatedProperties` schema removed",
        _B,
        "unevaluated properties may have any value now",
        "keep the schema when consumers on earlier versions must read new data (FORWARD)",
    ),
    _json(
        "UNEVALUATED_PROPERTIES_NARROWED",
        "an `unevaluatedProperties` schema added",
        _F,
        "unevaluated properties must match a schema now",
        "leave `unevaluatedProperties` open",
    ),
    *_bounds("MAX_ITEMS", "maxItems", "array length", upper=True),
    *_bounds("MIN_ITEMS", "minItems", "array length", upper=False),
    *_bounds("MAX_CONTAINS", "maxContains", "number of matching items", upper=True),
    *_bounds("MIN_CONTAINS", "minContains", "number of matching items", upper=False),
    _json(
        "UNIQUE_ITEMS_ADDED",
        "`uniqueItems: true` added",
        _F,
        "the reader rejects arrays with repeated items, which the writer allowed",
        "leave `uniqueItems` out",
    ),
    _json(
        "UNIQUE_ITEMS_REMOVED",
        "`uniqueItems: true` removed",
        _B,
        "the reader accepts repeated items where the writer forbade them",
        "keep `uniqueItems` when consumers on earlier versions must read new data (FORWARD)",
    ),
    _json(
        "ADDITIONAL_ITEMS_ADDED",
        "`additionalItems` opened (no longer `false`)",
        _B,
        "the reader accepts items beyond the tuple, which the writer forbade",
        "keep `additionalItems: false` when consumers on earlier versions must read new data "
        "(FORWARD)",
    ),
    _json(
        "ADDITIONAL_ITEMS_REMOVED",
        "`additionalItems: false` added",
        _F,
        "the reader forbids items the writer allowed",
        "leave `additionalItems` open",
    ),
    _json(
        "ADDITIONAL_ITEMS_EXTENDED",
        "the `additionalItems` schema removed",
        _B,
        "items beyond the tuple may have any value now",
        "keep the schema when consumers on earlier versions must read new data (FORWARD)",
    ),
    _json(
        "ADDITIONAL_ITEMS_NARROWED",
        "an `additionalItems` schema added",
        _F,
        "extra items must match a schema now",
        "leave `additionalItems` open",
    ),
    _json(
        "UNEVALUATED_ITEMS_ADDED",
        "`unevaluatedItems` opened (no longer `false`)",
        _B,
        "the reader accepts unevaluated items the writer forbade",
        "keep `unevaluatedItems: false` when consumers on earlier versions must read new data "
        "(FORWARD)",
    ),
    _json(
        "UNEVALUATED_ITEMS_REMOVED",
        "`unevaluatedItems: false` added",
        _F,
        "the reader forbids unevaluated items",
        "leave `unevaluatedItems` open",
    ),
    _json(
        "UNEVALUATED_ITEMS_EXTENDED",
        "the `unevaluatedItems` schema removed",
        _B,
        "unevaluated items may have any value now",
        "keep the schema when consumers on earlier versions must read new data (FORWARD)",
    ),
    _json(
        "UNEVALUATED_ITEMS_NARROWED",
        "an `unevaluatedItems` schema added",
        _F,
        "unevaluated items must match a schema now",
        "leave `unevaluatedItems` open",
    ),
    _json(
        "ITEM_ADDED_TO_OPEN_CONTENT_MODEL",
        "a tuple item added where any item was allowed",
        _F,
        "a tuple item is added where the writer allowed any item",
        "close the array first (`additionalItems: false`), then add the item",
    ),
    _json(
        "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        "a tuple item with an empty schema added where any item was allowed",
        _BOTH,
        "the item accepts any value, as the open array did",
        "",
    ),
    _json(
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
        "a tuple item added to a closed array",
        _B_MAYBE_F,
        "the writer's arrays cannot have the item; readers of the earlier version reject it",
        "under FORWARD, leave the array open before adding items",
    ),
    _json(
        "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
        "a tuple item removed from an open array",
        _B_MAYBE_F,
        "the reader's open array still accepts the item with any value",
        "under FORWARD, keep the item",
    ),
    _json(
        "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "a tuple item whose schema is `false` removed from a closed array",
        _BOTH,
        "the writer's arrays could not have the item",
        "",
    ),
    _json(
        "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "a tuple item removed from a closed array",
        _F,
        "a tuple item is removed from a closed array; the writer's arrays that have it are "
        "rejected",
        "keep the item, or set its schema to `false` once no producer writes it",
    ),
    _json(
        "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "a tuple item removed whose values the reader's `additionalItems` accept",
        _BOTH,
        "the reader's `additionalItems` accepts the removed item's values",
        "",
    ),
    _json(
        "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "a tuple item removed whose values the reader's `additionalItems` reject",
        _NONE,
        "a removed tuple item's values are not accepted by the reader's additionalItems",
        "keep the item, or widen `additionalItems` to accept its values",
    ),
    _json(
        "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "a tuple item added whose values the writer's `additionalItems` accepted",
        _BOTH,
        "the added item accepts every value the writer's `additionalItems` allowed",
        "",
    ),
    _json(
        "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "a tuple item added that rejects values the writer's `additionalItems` allowed",
        _NONE,
        "an added tuple item rejects values the writer's additionalItems allowed",
        "give the item a schema that accepts what `additionalItems` accepts",
    ),
    _json(
        "ENUM_ARRAY_EXTENDED",
        "`enum` values added",
        _B,
        "the reader accepts every value the writer allowed, and more",
        "under FORWARD, add values in a new property, or only once every consumer accepts them",
    ),
    _json(
        "ENUM_ARRAY_NARROWED",
        "`enum` values removed",
        _F,
        "the reader allows fewer values than the writer",
        "keep the values (document them as deprecated)",
    ),
    _json(
        "ENUM_ARRAY_CHANGED",
        "`enum` or `const` values changed",
        _NONE,
        "the allowed values differ from the writer's",
        "keep the writer's values; add new ones only (BACKWARD)",
    ),
    _json(
        "COMBINED_TYPE_EXTENDED",
        "the combination loosened (to `anyOf`, or a one-schema combination to `oneOf`)",
        _B_MAYBE_F,
        "the reader's combination accepts whatever the writer's did",
        "under FORWARD, keep the writer's combination keyword",
    ),
    _json(
        "COMBINED_TYPE_CHANGED",
        "the combination keyword changed (`allOf`, `anyOf`, `oneOf`)",
        _MAYBE_F,
        "the combination (allOf/anyOf/oneOf) is stricter than the writer's",
        "keep the combination keyword, or change it to `anyOf`",
    ),
    _json(
        "PRODUCT_TYPE_EXTENDED",
        "`allOf` subschemas added",
        _F,
        "allOf has more subschemas than the writer's: more constraints",
        "keep the writer's `allOf` subschemas",
    ),
    _json(
        "PRODUCT_TYPE_NARROWED",
        "`allOf` subschemas removed",
        _B,
        "allOf has fewer subschemas: fewer constraints",
        "keep them when consumers on earlier versions must read new data (FORWARD)",
    ),
    _json(
        "SUM_TYPE_EXTENDED",
        "`oneOf` / `anyOf` alternatives added",
        _B,
        "the reader accepts every alternative the writer allowed, and more",
        "under FORWARD, keep the writer's alternatives only",
    ),
    _json(
        "SUM_TYPE_NARROWED",
        "`oneOf` / `anyOf` alternatives removed",
        _F,
        "oneOf/anyOf has fewer alternatives than the writer's",
        "keep every alternative the writer's documents may use",
    ),
    _json(
        "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
        "a combination's subschemas changed incompatibly",
        _NONE,
        "not every subschema of the writer's combination has a compatible counterpart",
        "keep each of the writer's subschemas, changed only compatibly",
    ),
    _json(
        "NOT_TYPE_EXTENDED",
        "`not` made to exclude more",
        _F,
        "'not' excludes values the writer allowed",
        "keep the writer's `not` schema, or exclude less",
    ),
    _json(
        "NOT_TYPE_NARROWED",
        "`not` made to exclude less",
        _B,
        "'not' excludes fewer values than the writer's",
        "keep the writer's `not` schema when consumers on earlier versions must read new data "
        "(FORWARD)",
    ),
)

_PROTOBUF_RULES: tuple[Rule, ...] = (
    _proto(
        "PACKAGE_CHANGED",
        "the package changed",
        _NONE,
        "the package changed, so every message type has a new full name",
        "keep the package; put the new types in a new subject",
    ),
    _proto(
        "MESSAGE_ADDED",
        "a message type added",
        _B,
        "new types do not change how existing data decodes",
        "under FORWARD, a message type once added cannot be removed: add it when it is needed",
    ),
    _proto(
        "MESSAGE_REMOVED",
        "a message type removed",
        _F,
        "a message type the writer's data may use was removed",
        "keep the message type (deprecate it: `option deprecated = true;`)",
    ),
    _proto(
        "MESSAGE_MOVED",
        "message types reordered",
        _BOTH,
        "types are decoded by name, not by position",
        "",
    ),
    _proto("ENUM_ADDED", "an enum type added", _BOTH, "enums are decoded by number", ""),
    _proto(
        "ENUM_REMOVED",
        "an enum type removed",
        _BOTH,
        "a field's enum values decode as numbers whatever the type",
        "",
    ),
    _proto(
        "ENUM_CONST_ADDED",
        "an enum value added",
        _BOTH,
        "unknown enum numbers are kept as numbers by readers",
        "",
    ),
    _proto(
        "ENUM_CONST_CHANGED",
        "an enum value renamed",
        _BOTH,
        "enum values are encoded by number",
        "",
    ),
    _proto(
        "ENUM_CONST_REMOVED",
        "an enum value removed",
        _BOTH,
        "unknown enum numbers are kept as numbers by readers",
        "",
    ),
    _proto(
        "FIELD_ADDED",
        "a field added",
        _BOTH,
        "readers skip unknown field numbers and use the default for missing ones",
        "",
    ),
    _proto(
        "FIELD_REMOVED",
        "a field removed",
        _BOTH,
        "readers skip unknown field numbers and use the default for missing ones",
        'reserve the removed number and name (`reserved 3; reserved "name";`) so no later '
        "field reuses them",
    ),
    _proto(
        "FIELD_NAME_CHANGED",
        "a field renamed",
        _BOTH,
        "fields are encoded by number (JSON encodings use the name: check JSON consumers)",
        "",
    ),
    _proto(
        "FIELD_KIND_CHANGED",
        "a field changed between scalar, message and map",
        _NONE,
        "the field changed between scalar, message and map",
        "keep the field; add a new field with a new number and deprecate the old one",
    ),
    _proto(
        "FIELD_SCALAR_KIND_CHANGED",
        "a field's scalar type changed across wire encodings",
        _NONE,
        "the field's type has another wire encoding than the writer's",
        "keep the type, or change it within its wire group (int32/int64/uint32/uint64/bool/enum, "
        "sint32/sint64, string/bytes, fixed32/sfixed32, fixed64/sfixed64); otherwise add a new "
        "field",
    ),
    _proto(
        "FIELD_NAMED_TYPE_CHANGED",
        "a field's message or enum type changed",
        _NONE,
        "the field's message type is another type, or changed incompatibly",
        "keep the type and change it only compatibly, or add a new field with a new number",
    ),
    _proto(
        "FIELD_NUMERIC_LABEL_CHANGED",
        "a numeric field changed between singular and repeated",
        _NONE,
        "a numeric field changed between singular and repeated (packed encoding differs)",
        "keep the label; add a new repeated field with a new number",
    ),
    _proto(
        "FIELD_STRING_OR_BYTES_LABEL_CHANGED",
        "a string or bytes field changed between singular and repeated",
        _BOTH,
        "strings and bytes are encoded the same, singular or repeated",
        "",
    ),
    _proto(
        "REQUIRED_FIELD_ADDED",
        "a required field added (proto2)",
        _NONE,
        "a required field was added; the writer's data does not have it",
        "add the field as optional",
    ),
    _proto(
        "REQUIRED_FIELD_REMOVED",
        "a required field removed (proto2)",
        _NONE,
        "a required field was removed",
        "keep the field",
    ),
    _proto(
        "ONEOF_ADDED",
        "a oneof added",
        _B_MAYBE_F,
        "a oneof of new fields changes no data",
        "under FORWARD, add new fields to the new oneof, not existing ones",
    ),
    _proto(
        "ONEOF_REMOVED",
        "a oneof removed",
        _BOTH,
        "its fields' numbers decode as before, or are skipped",
        "",
    ),
    _proto(
        "ONEOF_FIELD_ADDED",
        "a field added to a oneof",
        _B,
        "the reader knows every member the writer may set",
        "under FORWARD, add the field outside the oneof",
    ),
    _proto(
        "ONEOF_FIELD_REMOVED",
        "a field removed from a oneof",
        _F,
        "a oneof member was removed; data that set it loses its value",
        "keep the member (deprecate it: `[deprecated = true]`)",
    ),
    _proto(
        "ONEOF_FIELD_MOVED_TO_TOP_LEVEL",
        "a oneof member moved out of its oneof",
        _B_MAYBE_F,
        "the field's number and encoding are unchanged",
        "under FORWARD, leave the field in its oneof",
    ),
    _proto(
        "MULTIPLE_FIELDS_MOVED_TO_ONEOF",
        "several existing fields moved into one oneof",
        _F,
        "several existing fields were moved into one oneof, but the writer may set them together",
        "leave the fields outside the oneof; add new fields to a new oneof instead",
    ),
    _proto(
        "FIELD_MOVED_TO_EXISTING_ONEOF",
        "an existing field moved into an existing oneof",
        _MAYBE_F,
        "fields the writer may set together are now in one oneof",
        "leave the field where it is; add a new field to the oneof instead",
    ),
)

_AVRO_RULES: tuple[Rule, ...] = (
    _avro(
        "READER_FIELD_MISSING_DEFAULT_VALUE",
        "the reader has a field without a default that the writer's data lacks",
        "the reader cannot fill in the field for data written without it",
        'give the field a default (for an optional field: a union with "null" first and '
        '`"default": null`)',
    ),
    _avro(
        "TYPE_MISMATCH",
        "the reader's type cannot read the writer's",
        "Avro promotes only int to long, float or double; long to float or double; float to "
        "double; string to and from bytes",
        "keep the type or promote it as Avro allows; otherwise add a new field with a default and "
        "deprecate the old one",
    ),
    _avro(
        "MISSING_UNION_BRANCH",
        "the reader's union lacks a branch of the writer's",
        "data written with that branch has no reader type",
        "keep every branch of the writer's union (add branches, do not remove them)",
    ),
    _avro(
        "NAME_MISMATCH",
        "a named type's name differs from the writer's",
        "records, enums and fixed types are matched by full name",
        "keep the name, or add the writer's full name to the reader's `aliases`",
    ),
    _avro(
        "MISSING_ENUM_SYMBOLS",
        "the reader's enum lacks symbols of the writer's",
        "data written with those symbols has no reader symbol",
        "keep the symbols, or give the reader's enum a `default` symbol (Avro 1.9+)",
    ),
    _avro(
        "FIXED_SIZE_MISMATCH",
        "a fixed type's size differs from the writer's",
        "fixed values are read by their size",
        "keep the size; use a new fixed type (new name) in a new field",
    ),
)

RULES: tuple[Rule, ...] = (*_AVRO_RULES, *_JSON_RULES, *_PROTOBUF_RULES)
"""Every rule the checkers emit, Avro, JSON Schema and Protobuf, in the walkers' order."""

BY_ID: Mapping[str, Rule] = {rule.id: rule for rule in RULES}


def rule(rule_id: str) -> Rule:
    """The record of ``rule_id``; ``KeyError`` for an ID no checker emits."""
    return BY_ID[rule_id]


def backward_compatible(schema_type: SchemaType) -> frozenset[str]:
    """The IDs of ``schema_type`` whose change keeps BACKWARD (Confluent's COMPATIBLE_CHANGES)."""
    return frozenset(r.id for r in RULES if r.schema_type == schema_type and r.backward)
