"""The house is as docs/architecture.md draws it: which room imports which, through doors.

Each sub-package of ``reconciler`` (a room) may import the rooms the doc's
table lists for it, and every listed import is used (the doc stays true).
Another room is entered through its package (``from reconciler.engine import
Plan``), for names in its ``__all__``; only ``reconciler.spec.model``, the
spec's data model, is imported as a module.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import re
import types
import typing
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

from reconciler.engine import (
    _import_mode,
    _latest_and_history,
    _one_registration,
    _registration_order,
    _registration_work,
    _version_matching,
    comparison,
    config,
    deletes,
    diff,
    modes,
    registrations,
)

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


# The phases of one registry's comparison, in the order engine/diff.py's compare runs them.
DIFF_PHASES: tuple[Callable[..., object], ...] = (
    config.plan_config,
    registrations.plan_registrations,
    config.plan_recovery,
    deletes.plan_deletes,
    diff.order,
    modes.guard_modes,
    diff.compare,
)
# The registration phase's parts (private modules beside registrations.py) count as its own.
REGISTRATION_PARTS = (
    _registration_work,
    _registration_order,
    _version_matching,
    _latest_and_history,
    _one_registration,
    _import_mode,
)
PHASE_MODULES = (comparison, config, registrations, *REGISTRATION_PARTS, deletes, modes, diff)
PHASE_MODULE_NAMES = {m.__name__ for m in PHASE_MODULES}
# Methods that change the list, dict or set they are called on.
MUTATORS = {"append", "extend", "insert", "remove", "pop", "popitem", "clear", "update"}
MUTATORS |= {"setdefault", "add", "discard", "sort", "reverse", "__setitem__"}


def _mutable_parts(hint: object, where: str) -> list[str]:
    """Where ``hint`` lets a mutable object cross a phase boundary: a list, dict or set;
    a class of the diff's modules other than the ``Comparison`` or a phase's result
    (``Found``); or one of those that is not frozen or has such a field."""
    origin = typing.get_origin(hint) or hint
    if origin in (list, dict, set):
        return [f"{where}: {hint}"]
    if origin in (typing.Union, types.UnionType):
        return [p for arg in typing.get_args(hint) for p in _mutable_parts(arg, where)]
    if not isinstance(origin, type) or origin.__module__ not in PHASE_MODULE_NAMES:
        return []
    if not (issubclass(origin, comparison.Found) or origin is comparison.Comparison):
        return [f"{where}: {origin.__name__} is neither the Comparison nor a phase's result"]
    if dataclasses.is_dataclass(origin):
        if not origin.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            return [f"{where}: {origin.__name__} is not frozen"]
        fields = typing.get_type_hints(origin)
        return [
            p
            for f in dataclasses.fields(origin)
            for p in _mutable_parts(fields[f.name], f"{where} -> {origin.__name__}.{f.name}")
        ]
    return [f"{where}: {origin.__name__} is not a frozen dataclass"]


def test_diff_phases_take_and_return_frozen_results() -> None:
    """Each phase of the diff takes the immutable ``Comparison`` and the frozen results
    of the phases before it, and returns its own: no phase hands another an object to
    fill in (as the 16 attributes of the ``RegistryDiff`` every phase wrote once were)."""
    found = [
        part
        for phase in DIFF_PHASES
        for name, hint in typing.get_type_hints(phase).items()
        for part in _mutable_parts(hint, f"{phase.__module__}.{phase.__qualname__} {name}")
    ]
    assert not found, found


def _root(node: ast.expr) -> str | None:
    """The name an attribute, subscript or call chain starts from."""
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _writes(function: ast.FunctionDef) -> Iterator[tuple[str, int]]:
    """(name, line) of each write through a name: to an attribute or item of it, or a
    call of a method that changes a collection reached from it."""
    for node in ast.walk(function):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign | ast.Delete):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in MUTATORS
        ):
            targets = [node.func.value]
        for target in targets:
            # Rebinding a name writes to nothing; a mutator call on the name itself does.
            if isinstance(node, ast.Call) or isinstance(target, ast.Attribute | ast.Subscript):
                name = _root(target)
                if name is not None:
                    yield name, node.lineno


def test_diff_phases_write_only_to_what_they_create() -> None:
    """No function of the diff's modules writes through an argument, except ``self`` and
    a phase's own working state (a private class of its modules, which the phase creates
    and drops): what a phase is given (the ``Comparison``, the results of the phases
    before it) is read, never filled in."""
    found: list[str] = []
    trees = {
        Path(m.__file__ or ""): ast.parse(Path(m.__file__ or "").read_text()) for m in PHASE_MODULES
    }
    # A phase's working state may be a module of its own (registrations' ``_Work``).
    private = {
        n.name
        for tree in trees.values()
        for n in tree.body
        if isinstance(n, ast.ClassDef) and n.name.startswith("_")
    }
    for path, tree in trees.items():
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            arguments = function.args.posonlyargs + function.args.args + function.args.kwonlyargs
            given = {
                a.arg
                for a in arguments
                if a.arg != "self"
                and not (isinstance(a.annotation, ast.Name) and a.annotation.id in private)
            }
            found += [
                f"{path.relative_to(ROOT)}:{line} {function.name} writes to its argument {name}"
                for name, line in _writes(function)
                if name in given
            ]
    assert not found, found


def test_every_room_has_its_paragraph() -> None:
    """docs/architecture.md says what each room of the table owns, in a paragraph
    that starts with its name in bold."""
    text = DOC.read_text()
    missing = [room for room in _table() if f"**`{room}`**" not in text]
    assert not missing, f"docs/architecture.md: no paragraph for {missing}"


def _doors() -> list[str]:
    """The rooms whose door is lazy: an ``__init__.pyi`` beside the ``__init__.py``."""
    return sorted(p.parent.name for p in PACKAGE.glob("*/__init__.pyi"))


def test_every_name_of_every_door_resolves() -> None:
    """Each name a lazy door lists is its module's (a submodule it lists is that module),
    even once every module of the room is imported: importing a submodule binds it on
    its package, and must not hide a door name (a function named as its own module,
    ``workflows.evolve``, stays the function)."""
    assert {"engine", "registry", "spec", "workflows"} <= set(_doors())
    wrong = []
    for room in _doors():
        door = importlib.import_module(f"reconciler.{room}")
        for path in sorted((PACKAGE / room).glob("*.py")):
            importlib.import_module(f"reconciler.{room}.{path.stem}")
        stub = ast.parse((PACKAGE / room / "__init__.pyi").read_text())
        for node in stub.body:
            if not isinstance(node, ast.ImportFrom):
                continue
            for alias in node.names:
                value = getattr(door, alias.name)
                if node.module is None:
                    expected: object = importlib.import_module(f"reconciler.{room}.{alias.name}")
                else:
                    module = importlib.import_module(f"reconciler.{room}.{node.module}")
                    expected = getattr(module, alias.name)
                if value is not expected:
                    wrong.append(f"reconciler.{room}.{alias.name} is {value!r}")
        assert sorted(door.__all__) == sorted(
            a.name for n in stub.body if isinstance(n, ast.ImportFrom) for a in n.names
        )
    assert not wrong, wrong


def test_no_door_name_is_another_modules_name() -> None:
    """A door name that is the name of another module of its room (``verify`` the
    function of migration.py beside a verify.py) reads as that module once the module
    is imported: lazy_loader keeps only a name that is its own module's."""
    clashes = []
    for room in _doors():
        stub = ast.parse((PACKAGE / room / "__init__.pyi").read_text())
        modules = {p.stem for p in (PACKAGE / room).glob("*.py")}
        for node in stub.body:
            if isinstance(node, ast.ImportFrom) and node.module is not None:
                clashes += [
                    f"reconciler.{room}: {a.name} of .{node.module}"
                    for a in node.names
                    if a.name in modules and a.name != node.module
                ]
    assert not clashes, clashes
