"""What plan refuses without looking at a registry, validate reports as an error.

Each case here is one that ``reconcile plan`` rejects whatever the registry
holds; validate (which contacts nothing) must reject it too, once.
"""

from __future__ import annotations

from pathlib import Path

from reconciler.spec import Project, SpecErrors, load_project

from .conftest import Write
from .test_validate_cli import reconcile


def errors(root: Path) -> list[str]:
    """What validate reports: ``load_project`` with the checks plan makes offline."""
    try:
        load_project(root, {}, plan_checks=True)
    except SpecErrors as exc:
        return [str(error) for error in exc.errors]
    raise AssertionError("expected errors, the project loaded")


def load(root: Path) -> Project:
    return load_project(root, {}, plan_checks=True)


RECORD = '{{"type": "record", "name": "{name}", "fields": [{fields}]}}'


def _record(name: str, fields: str = '{"name": "a", "type": "int"}') -> str:
    return RECORD.format(name=name, fields=fields)


def test_an_invalid_avro_default_is_an_error(write: Write) -> None:
    bad = _record("Bad", '{"name": "x", "type": "int", "default": "nope"}')
    root = write(
        {
            "reconcile.yaml": "version: 1\n",
            "specs/a.yaml": f"subjects:\n  bad-value:\n    schema: '{bad}'\n",
        }
    )
    assert errors(root) == [
        "specs/a.yaml:3:13: subject 'bad-value': the registry refuses to register this schema: "
        'Invalid default for field x: "nope" not a "int"'
    ]
    result = reconcile("validate", cwd=root)
    assert result.returncode == 1 and "Invalid default for field x" in result.stderr


def test_an_invalid_default_in_a_version_imported_with_its_id_is_not_checked(
    write: Write,
) -> None:
    """Plan registers a pinned id under IMPORT mode, where defaults are not validated."""
    bad = _record("Bad", '{"name": "x", "type": "int", "default": "nope"}')
    root = write(
        {
            "reconcile.yaml": "version: 1\n",
            "specs/a.yaml": f"subjects:\n  bad-value:\n    versions:\n"
            f"      - {{version: 1, id: 7, schema: '{bad}'}}\n",
        }
    )
    load(root)


def test_a_reference_to_a_version_the_pinned_history_lacks_is_an_error(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\n",
            "specs/a.yaml": f"""
            subjects:
              money:
                versions:
                  - schema: '{_record("Money")}'
                  - schema: '{_record("Money", '{"name": "a", "type": "long"}')}'
              order:
                schema: '{_record("Order", '{"name": "m", "type": "Money"}')}'
                references:
                  - {{name: Money, subject: money, version: 3}}
              order2:
                schema: '{_record("Order2", '{"name": "m", "type": "Money"}')}'
                references:
                  - {{name: Money, subject: money, version: 2}}
            """,
        }
    )
    assert errors(root) == [
        "specs/a.yaml:9:9: reference 'Money': subject 'money' has no version 3 in its "
        "pinned history (versions 1, 2), and a registry would have to hold exactly those"
    ]


def test_a_reference_cycle_is_reported_once(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\n",
            "specs/a.yaml": f"""
            subjects:
              a:
                schema: '{_record("A", '{"name": "b", "type": "B"}')}'
                references: [{{name: B, subject: b, version: latest}}]
              b:
                schema: '{_record("B", '{"name": "a", "type": "A"}')}'
                references: [{{name: A, subject: a, version: latest}}]
            """,
        }
    )
    (message,) = errors(root)
    assert "reference cycle: " in message


def test_one_id_pinned_for_two_schemas_in_a_context_is_an_error(write: Write) -> None:
    root = write(
        {
            "reconcile.yaml": "version: 1\n",
            "specs/a.yaml": f"""
            subjects:
              a:
                versions: [{{version: 1, id: 100, schema: '{_record("A")}'}}]
              b:
                versions: [{{version: 1, id: 100, schema: '{_record("B")}'}}]
              same:
                versions: [{{version: 1, id: 100, schema: '{_record("A")}'}}]
            """,
            "specs/other.yaml": f"""
            context: other
            subjects:
              c:
                versions: [{{version: 1, id: 100, schema: '{_record("C")}'}}]
            """,
        }
    )
    assert errors(root) == [
        "specs/a.yaml:5:46: subject 'b': id 100 is also pinned by subject 'a' "
        "(specs/a.yaml:3:46) for another schema; one id names one schema in a context"
    ]


def test_validate_warns_once_per_registry_for_an_unknown_subject(write: Write) -> None:
    """A subject outside the specs may exist in the registry: a warning, not an error."""
    root = write(
        {
            "reconcile.yaml": "version: 1\n",
            "specs/a.yaml": f"""
            subjects:
              a:
                schema: '{_record("A", '{"name": "x", "type": "X"}')}'
                references: [{{name: X, subject: elsewhere, version: 1}}]
            """,
        }
    )
    project = load(root)
    assert [str(w) for w in project.warnings] == [
        "specs/a.yaml:4:18: reference 'X': subject 'elsewhere' is not in the specs of registry "
        "'local'; assumed to exist there, so the referring schema's content is not validated"
    ]
