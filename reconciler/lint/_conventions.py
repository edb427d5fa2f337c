"""A team's own conventions, in ``conventions.yaml`` beside ``reconcile.yaml``.

```yaml
required_fields:           # on the top-level record of every subject but keys
  - event_id
  - {name: occurred_at, type: {type: long, logicalType: timestamp-millis}}
field_docs: true           # every field documented (Avro doc, JSON Schema description)
```

Without the file neither rule runs: they are a team's choices, not the
format's. The file is read by ``lint`` only; a mistake in it (an unknown key,
a value of the wrong kind) is an error naming the file and line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reconciler.errors import ReconcilerError

FILE_NAME = "conventions.yaml"


class LintSettingsError(ReconcilerError, ValueError):
    """The lint settings are wrong: an unknown rule name, or a ``conventions.yaml`` that
    does not read. Commands report it as an error (exit 1), naming the file and line."""


class ConventionsError(LintSettingsError):
    """``conventions.yaml`` does not read, or holds something that is not a convention."""


@dataclass(frozen=True)
class RequiredField:
    name: str
    type: Any = None  # an Avro type for the fix, when the file gives one

    def avro(self) -> str:
        """The field to add, as Avro JSON."""
        field = {"name": self.name, "type": self.type if self.type is not None else "string"}
        return json.dumps(field)


@dataclass(frozen=True)
class Conventions:
    required_fields: tuple[RequiredField, ...] = ()
    field_docs: bool = False


def _where(path: Path, root: Path, node: yaml.Node) -> str:
    return f"{path.relative_to(root).as_posix()}:{node.start_mark.line + 1}"


def _required(path: Path, root: Path, node: yaml.Node) -> tuple[RequiredField, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise ConventionsError(f"{_where(path, root, node)}: required_fields is a list")
    found = []
    for item in node.value:
        value = yaml.safe_load(yaml.serialize(item))
        if isinstance(value, str) and value:
            found.append(RequiredField(value))
        elif (
            isinstance(value, dict)
            and isinstance(value.get("name"), str)
            and set(value) <= {"name", "type"}
        ):
            found.append(RequiredField(value["name"], value.get("type")))
        else:
            raise ConventionsError(
                f"{_where(path, root, item)}: a required field is a name, or "
                "{name: NAME, type: AVRO_TYPE}"
            )
    return tuple(found)


def load_conventions(root: Path) -> Conventions:
    """The project's conventions; none when it has no ``conventions.yaml``."""
    path = root / FILE_NAME
    if not path.is_file():
        return Conventions()
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConventionsError(f"{FILE_NAME}: cannot read: {exc}") from None
    if node is None:
        return Conventions()
    if not isinstance(node, yaml.MappingNode):
        raise ConventionsError(f"{_where(path, root, node)}: expected a mapping of conventions")
    required: tuple[RequiredField, ...] = ()
    docs = False
    for key, value in node.value:
        if key.value == "required_fields":
            required = _required(path, root, value)
        elif key.value == "field_docs":
            docs = yaml.safe_load(yaml.serialize(value))
            if not isinstance(docs, bool):
                raise ConventionsError(f"{_where(path, root, value)}: field_docs is true or false")
        else:
            raise ConventionsError(
                f"{_where(path, root, key)}: unknown convention {key.value!r} "
                "(known: required_fields, field_docs)"
            )
    return Conventions(required, docs)
