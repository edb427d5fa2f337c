"""The house is as docs/architecture.md draws it: which room imports which, through doors.

Each sub-package of ``reconciler`` (a room) may import the rooms the doc's
table lists for it, and every listed import is used (the doc stays true).
Another room is entered through its package (``from reconciler.engine import
Plan``), for names in its ``__all__``; only ``reconciler.spec.model``, the
spec's data model, is imported as a module.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "reconciler"
DOC = ROOT / "docs" / "architecture.md"
PUBLIC_MODULES = {("spec", "model")}
ENTRY_POINT = "__main__"  # ``python -m reconciler`` runs the CLI: the one importer of cli
ROW = re.compile(r"^\| `(?P<room>[\w]+)` \| (?P<allowed>.*) \|$")


def _table() -> dict[str, set[str]]:
    rooms = {}
    for line in DOC.read_text().splitlines():
        match = ROW.match(line)
        if match:
            rooms[match["room"]] = set(re.findall(r"`(\w+)`", match["allowed"]))
    return rooms


def _imports() -> Iterator[tuple[str, Path, ast.ImportFrom | ast.Import]]:
    """(room, file, node) of every import statement of the package, lazy ones too."""
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        room = parts[0]
        if room in ("__init__", ENTRY_POINT):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                yield room, path, node


def _modules(node: ast.Import | ast.ImportFrom) -> list[list[str]]:
    if isinstance(node, ast.ImportFrom):
        return [node.module.split(".")] if node.level == 0 and node.module else []
    return [alias.name.split(".") for alias in node.names]


def test_every_room_imports_what_the_doc_says() -> None:
    table = _table()
    rooms = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()}
    rooms = {r for r in rooms if not r.startswith("__") and r not in ("py",)}
    rooms = {r for r in rooms if (PACKAGE / r).is_dir() or (PACKAGE / f"{r}.py").is_file()}
    assert set(table) == rooms, "docs/architecture.md must have one row per room"
    used: dict[str, set[str]] = defaultdict(set)
    for room, _path, node in _imports():
        for module in _modules(node):
            if module[0] == "reconciler" and len(module) > 1 and module[1] != room:
                used[room].add(module[1])
    wrong = {
        room: {
            "not in the doc": sorted(used[room] - allowed),
            "unused": sorted(allowed - used[room]),
        }
        for room, allowed in table.items()
        if used[room] != allowed
    }
    assert not wrong, f"update the imports or docs/architecture.md: {wrong}"


def test_other_rooms_are_entered_through_their_door() -> None:
    """No import reaches past another room's ``__init__`` or takes a name outside its
    ``__all__``."""
    reaching: list[str] = []
    for room, path, node in _imports():
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        for module in _modules(node):
            if module[0] != "reconciler" or len(module) < 2 or module[1] == room:
                continue
            if len(module) > 2 and tuple(module[1:3]) not in PUBLIC_MODULES:
                reaching.append(f"{where} imports {'.'.join(module)}")
            elif len(module) == 2 and isinstance(node, ast.ImportFrom):
                package = importlib.import_module(".".join(module))
                public = getattr(package, "__all__", None)
                if public is None:
                    continue  # a module room (errors, _gc): everything it defines is its door
                hidden = [a.name for a in node.names if a.name not in public]
                if hidden:
                    reaching.append(f"{where} imports {hidden} not in {'.'.join(module)}.__all__")
    assert not reaching, "\n".join(reaching)


def test_one_reference_type_per_reason() -> None:
    """A class of exactly ``name``/``subject``/``version`` fields is a schema reference:
    only the ones docs/architecture.md explains exist (the wire form and the YAML model)."""
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                fields = {
                    s.target.id
                    for s in node.body
                    if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                }
                if fields == {"name", "subject", "version"}:
                    found.add(f"{path.relative_to(PACKAGE)}:{node.name}")
    assert found == {"confluent/references.py:Reference", "spec/_raw.py:ReferenceRaw"}


def test_code_that_differs_by_action_kind_dispatches_on_the_type() -> None:
    """``Kind`` only names an action type (its JSON form, messages): no code outside
    engine/plan.py reads a ``Kind`` member to decide what to do."""
    branching = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "engine" / "plan.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Kind"
    ]
    assert not branching, branching


# Other spellings of "the JSON-ready dict of this object" (and of reading one back).
OTHER_JSON_NAMES = re.compile(
    r"^(to|as|from)_?(dict|mapping|payload|json_dict|jsonable|serializable)$|^(dict|json|as_json)$"
)


def test_one_method_name_for_the_json_form() -> None:
    """An object's JSON-ready dict is ``to_json()`` and reading one back ``from_json()``
    (docs/architecture.md): no class of ours spells either another way."""
    other = [
        f"{path.relative_to(ROOT)}:{item.lineno} {node.name}.{item.name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.ClassDef)
        for item in node.body
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
        and OTHER_JSON_NAMES.match(item.name)
    ]
    assert not other, f"name it to_json / from_json: {other}"


def test_every_room_has_its_paragraph() -> None:
    """docs/architecture.md says what each room of the table owns, in a paragraph
    that starts with its name in bold."""
    text = DOC.read_text()
    missing = [room for room in _table() if f"**`{room}`**" not in text]
    assert not missing, f"docs/architecture.md: no paragraph for {missing}"
