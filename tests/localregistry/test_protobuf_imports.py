"""Imports Confluent resolves without references (issue 12, item 3).

Confluent's ``ProtobufSchema.KNOWN_DEPENDENCIES`` bundles Google's well-known
types, the ``google/type`` common types and Confluent's own files; a schema
may import them without a reference. Files outside that list need one.
"""

from __future__ import annotations

import httpx
import pytest

from reconciler.compatibility import check, parse

from .helpers import error_code, register

# Each bundled file with one type it defines (Confluent's list, in its order).
BUNDLED = {
    "confluent/meta.proto": "confluent.Meta",
    "confluent/type/decimal.proto": "confluent.type.Decimal",
    "confluent/type/variant.proto": "confluent.type.Variant",
    "google/type/calendar_period.proto": "google.type.CalendarPeriod",
    "google/type/color.proto": "google.type.Color",
    "google/type/date.proto": "google.type.Date",
    "google/type/datetime.proto": "google.type.DateTime",
    "google/type/dayofweek.proto": "google.type.DayOfWeek",
    "google/type/decimal.proto": "google.type.Decimal",
    "google/type/expr.proto": "google.type.Expr",
    "google/type/fraction.proto": "google.type.Fraction",
    "google/type/interval.proto": "google.type.Interval",
    "google/type/latlng.proto": "google.type.LatLng",
    "google/type/money.proto": "google.type.Money",
    "google/type/month.proto": "google.type.Month",
    "google/type/phone_number.proto": "google.type.PhoneNumber",
    "google/type/postal_address.proto": "google.type.PostalAddress",
    "google/type/quaternion.proto": "google.type.Quaternion",
    "google/type/timeofday.proto": "google.type.TimeOfDay",
    "google/protobuf/any.proto": "google.protobuf.Any",
    "google/protobuf/api.proto": "google.protobuf.Api",
    "google/protobuf/descriptor.proto": "google.protobuf.FileDescriptorProto",
    "google/protobuf/duration.proto": "google.protobuf.Duration",
    "google/protobuf/empty.proto": "google.protobuf.Empty",
    "google/protobuf/field_mask.proto": "google.protobuf.FieldMask",
    "google/protobuf/source_context.proto": "google.protobuf.SourceContext",
    "google/protobuf/struct.proto": "google.protobuf.Struct",
    "google/protobuf/timestamp.proto": "google.protobuf.Timestamp",
    "google/protobuf/type.proto": "google.protobuf.Type",
    "google/protobuf/wrappers.proto": "google.protobuf.StringValue",
}


def _using(path: str, type_name: str, extra: str = "") -> str:
    return (
        f'syntax = "proto3";\npackage acme;\nimport "{path}";\n'
        f"message Uses {{\n  {type_name} value = 1;\n{extra}}}\n"
    )


@pytest.mark.parametrize(("path", "type_name"), BUNDLED.items())
def test_a_bundled_file_is_imported_without_a_reference(
    sr: httpx.Client, path: str, type_name: str
) -> None:
    schema_id = register(sr, "s", _using(path, type_name), schemaType="PROTOBUF")["id"]
    assert f'import "{path}";' in sr.get(f"/schemas/ids/{schema_id}/schema").text
    # compatibility checks and the engine's offline checks resolve it the same way
    update = _using(path, type_name, "  string note = 2;\n")
    response = sr.post(
        "/compatibility/subjects/s/versions/latest",
        json={"schema": update, "schemaType": "PROTOBUF"},
    )
    assert response.status_code == 200 and response.json()["is_compatible"], response.text
    assert check("PROTOBUF", update, [_using(path, type_name)], "BACKWARD").compatible


def test_postal_address_from_the_issue(sr: httpx.Client) -> None:
    schema = _using("google/type/postal_address.proto", "google.type.PostalAddress")
    register(sr, "addresses", schema, schemaType="PROTOBUF")


@pytest.mark.parametrize(
    ("path", "type_name"),
    [
        ("google/type/localized_text.proto", "google.type.LocalizedText"),  # googleapis only
        ("google/protobuf/compiler/plugin.proto", "google.protobuf.compiler.CodeGeneratorRequest"),
    ],
)
def test_files_confluent_does_not_bundle_need_a_reference(
    sr: httpx.Client, path: str, type_name: str
) -> None:
    response = sr.post(
        "/subjects/s/versions",
        json={"schema": _using(path, type_name), "schemaType": "PROTOBUF"},
    )
    assert response.status_code == 422 and error_code(response) == 42201, response.text


def test_a_reference_of_a_bundled_name_wins(sr: httpx.Client) -> None:
    """A schema's own reference named like a bundled file is the file it imports."""
    own = 'syntax = "proto3";\npackage google.type;\nmessage Money { string amount = 1; }\n'
    register(sr, "money", own, schemaType="PROTOBUF")
    schema = _using("google/type/money.proto", "google.type.Money")
    refs = [{"name": "google/type/money.proto", "subject": "money", "version": 1}]
    register(sr, "s", schema, schemaType="PROTOBUF", references=refs)
    parsed = parse("PROTOBUF", schema, {"google/type/money.proto": own})
    money = parsed.native.types["google.type.Money"].descriptor  # type: ignore[attr-defined]
    assert [f.name for f in money.field] == ["amount"]
