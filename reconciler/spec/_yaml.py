"""YAML loading that remembers where every node came from.

PyYAML's constructed Python objects forget their marks, so the document is
composed into nodes and built by hand, recording the 1-based location of
every value and every mapping key by its key path (``("subjects", "a",
"schema")``). Validation errors (pydantic ``loc`` tuples) are then mapped
back to the exact node. Interpolation happens here too, because only here is
the location of each string still known.

Documents are composed by libyaml (``yaml.CSafeLoader``) when PyYAML has it,
some ten times faster than the pure-Python composer, which stays as the
fallback and as the one source of error messages: a document libyaml
refuses is composed again in pure Python, so that a syntax error reads (and
points) the same either way. Both yield the same nodes with the same marks;
tests/spec/test_loaders.py compares them on every test project. In front of
both, documents of the plain shape ``reconcile export`` writes (block
mappings and sequences of single words) are read line by line by
``_yaml_plain``, into the same data and locations without any node object
(a 10,000-subject spec file: ~0.2 s -> ~0.1 s); it gives up on anything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader
except ImportError:  # PyYAML built without libyaml
    CSafeLoader = None

from reconciler._gc import gc_paused

from ._document import Document, KeyPath, Mark, Unmarked
from ._errors import Collector
from ._files import Reads, decode
from ._interpolate import interpolate
from ._yaml_plain import compose_plain
from .model import Location

# Aliases let a small file expand to a huge (or, with a recursive anchor, an
# endless) document; spec files come from pull requests, so both are refused
# before anything is expanded. The limit is on the nodes aliases add: a document's
# own nodes cost what its bytes do (an export of 100,000 subjects x 5 versions is one
# spec file of ~3,000,000 nodes, which must load).
MAX_NODES = 1_000_000

# libyaml's composer recurses in C with no depth check (a document nested
# ~100,000 levels deep crashes the process), so deeper documents are left to
# the pure-Python composer, whose recursion is bounded. Building fails past
# Python's recursion limit anyway ("document nests too deeply"), far below this.
LIBYAML_MAX_DEPTH = 1_000

# Whether documents of the plain shape are composed by ``_yaml_plain`` (the tests
# turn it off to compare the YAML composers alone).
PLAIN = True


def to_location(path: Path, mark: yaml.Mark, root: Path | None = None) -> Location:
    return Location(path, mark.line + 1, mark.column + 1, root)


class _TooLarge(Exception):
    def __init__(self, location: Location, message: str) -> None:
        super().__init__(message)
        self.location = location


def _expanded_size(
    path: Path, node: yaml.Node, sizes: dict[int, int], open_nodes: set[int], root: Path | None
) -> int:
    """Node count once aliases are expanded, computed once per distinct node (``sizes``
    ends with one entry per distinct node)."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise _TooLarge(to_location(path, node.start_mark, root), "recursive alias")
    open_nodes.add(key)
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    else:
        children = node.value if isinstance(node, yaml.SequenceNode) else []
    size = 1 + sum(_expanded_size(path, child, sizes, open_nodes, root) for child in children)
    open_nodes.discard(key)
    sizes[key] = size
    return size


def _added_by_aliases(text: str, path: Path, node: yaml.Node, root: Path | None) -> int:
    """How many nodes the document's aliases add once expanded (a recursive alias is
    refused). Without a ``*`` in the text there is no alias: none, nothing counted."""
    if "*" not in text:
        return 0
    sizes: dict[int, int] = {}
    return _expanded_size(path, node, sizes, set(), root) - len(sizes)


_STR = "tag:yaml.org,2002:str"


def _scalar(loader: yaml.SafeLoader | yaml.CSafeLoader, node: yaml.Node) -> Any:
    """``loader.construct_object(node)``, without its bookkeeping for a string scalar.

    A scalar resolved as a string is constructed as its value (the safe
    constructor's ``construct_yaml_str``); most scalars of a spec file are.
    """
    if node.tag == _STR and isinstance(node, yaml.ScalarNode):
        return node.value
    return loader.construct_object(node)


class _Builder:
    def __init__(
        self,
        path: Path,
        text: str,
        composed: _Composed,
        environ: Mapping[str, str],
        errors: Collector,
        root: Path | None,
        defer: str | None,
    ) -> None:
        self.doc = Document(path, None, root)
        self.defer = defer
        self.text = text
        self.loader = composed.loader
        self.index_offset = composed.index_offset
        self.environ = environ
        self.errors = errors

    def build(self, node: yaml.Node, key_path: KeyPath) -> Any:
        mark = node.start_mark
        self.doc.values[key_path] = (mark.line + 1, mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, key_path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*key_path, i)) for i, item in enumerate(node.value)]
        value = _scalar(self.loader, node)
        if isinstance(value, str) and "$" in value:  # without one, nothing to interpolate
            value, problems = interpolate(value, self.environ)
            location = self.doc.at(key_path)
            start = node.start_mark.index + self.index_offset
            end = node.end_mark.index + self.index_offset
            # A registry's variables are needed only when it is used (``plan
            # --registry dev`` must not need prod's secrets): deferred to it.
            registry = key_path[1] if len(key_path) > 1 and key_path[0] == self.defer else None
            for token, problem, unset in problems:
                token_location, start = self._token_location(token, start, end)
                if unset and isinstance(registry, str):
                    self.errors.defer(registry, token_location or location, problem)
                else:
                    self.errors.error(token_location or location, problem)
            if problems:
                self.errors.mark_broken(location)
        return value

    def _token_location(self, token: str, start: int, end: int) -> tuple[Location | None, int]:
        """Where ``token`` (a ``${...}``) is written in the source, searching from ``start``.

        None when the scalar's escapes hide it; the scalar's own location is used then.
        """
        index = self.text.find(token, start, end)
        if index < 0:
            return None, start
        line_start = self.text.rfind("\n", 0, index) + 1
        line = self.text.count("\n", 0, index) + 1
        column = index - line_start + 1
        return Location(self.doc.path, line, column, self.doc.root), index + len(token)

    def _mapping(self, node: yaml.MappingNode, key_path: KeyPath) -> dict[str, Any]:
        self.loader.flatten_mapping(node)  # resolves "<<" merge keys
        result: dict[str, Any] = {}
        keys = self.doc.keys
        for key_node, value_node in node.value:
            mark = key_node.start_mark
            key_mark = (mark.line + 1, mark.column + 1)
            key = _scalar(self.loader, key_node)
            if not isinstance(key, str):
                location = Location(self.doc.path, *key_mark, self.doc.root)
                self.errors.error(location, f"key {key!r} must be a string (quote it)")
                continue
            at = (*key_path, key)
            if key in result:
                first = keys[at]
                self.errors.error(
                    Location(self.doc.path, *key_mark, self.doc.root),
                    f"duplicate key {key!r} (first at line {first[0]}, column {first[1]})",
                )
                continue
            keys[at] = key_mark
            result[key] = self.build(value_node, at)
        return result


@dataclass(frozen=True)
class _Composed:
    node: yaml.Node | None
    loader: yaml.SafeLoader | yaml.CSafeLoader  # the same constructor and resolver
    # Added to a mark's index to index the text: libyaml does not count a BOM.
    index_offset: int = 0


def _depth_bound(text: str) -> int:
    """An upper bound of the document's nesting depth, cheap to compute.

    A block collection nests in another only further right (a sequence under
    a mapping key may share the key's column, its items then move right), so
    block nesting is at most twice the longest line; and each flow collection
    needs a ``[`` or ``{`` of its own.
    """
    longest = max(map(len, text.split("\n")))
    return 2 * (longest + 1) + text.count("[") + text.count("{") + 1


def _depth(text: str) -> int:
    """The document's nesting depth, from libyaml's events (without recursion)."""
    loader = CSafeLoader(text)
    depth = deepest = 0
    while loader.check_event():
        event = loader.get_event()
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return deepest + 1


def _compose_fast(text: str) -> _Composed | None:
    """The document composed by libyaml, or None to compose it in pure Python.

    None when libyaml is missing or refuses the document (the pure-Python
    composer then reports the error in its own words), when the document may
    nest too deeply for libyaml, and where the two are known to differ: a tab
    (libyaml accepts one as a separator, after ``key:`` or a value, where
    PyYAML reports an error) and a byte order mark after the start (the
    pure-Python reader counts no column for it, libyaml does).
    """
    if CSafeLoader is None or "\t" in text or "\ufeff" in text[1:]:
        return None
    try:
        if _depth_bound(text) > LIBYAML_MAX_DEPTH and _depth(text) > LIBYAML_MAX_DEPTH:
            return None
        loader = CSafeLoader(text)
        return _Composed(loader.get_single_node(), loader, 1 if text.startswith("\ufeff") else 0)
    except yaml.YAMLError:
        return None


def _code(character: str | int) -> int:
    """ReaderError's ``character`` is a str, or an int when it came from bytes."""
    return character if isinstance(character, int) else ord(character)


def load_yaml(
    path: Path,
    environ: Mapping[str, str],
    errors: Collector,
    root: Path | None = None,
    defer: str | None = None,
    reads: Reads | None = None,
    marks: bool = True,
) -> Document | None:
    """Parse one YAML file; report syntax errors at their mark and return None.

    Locations are shown relative to ``root``, the project directory. The
    interpolation problems of the values under ``defer``'s entries (the
    project file's ``registries``) are deferred to each entry's name. The
    bytes read are added to ``reads``. ``marks=False``: a document of the plain
    shape makes its locations only when first asked for (``Unmarked``).
    """
    try:
        data = None if reads is None else reads.given(str(path))
        if data is None:
            data = path.read_bytes()
        if reads is not None:
            reads.add(str(path), data)
        text = decode(data)
    except (OSError, UnicodeDecodeError) as exc:
        errors.error(
            Location(path, 1, 1, root), f"cannot read file: {getattr(exc, 'strerror', None) or exc}"
        )
        return None
    # Composing and building create ~10 objects per node and keep them all,
    # with no cycle but a recursive alias's (freed later): the collector would
    # rescan them again and again (a 10,000-subject file: 0.9-1.3 s -> 0.5-0.6
    # s; with inline schemas 7-10 s -> 3 s).
    with gc_paused():
        return _load_text(path, text, environ, errors, root, defer, marks)


def _marks(text: str) -> tuple[dict[KeyPath, Mark], dict[KeyPath, Mark]]:
    """The locations of a document of the plain shape, composed again."""
    composed = compose_plain(text)
    assert composed is not None  # the same text composed before
    return composed[1], composed[2]


def _load_text(
    path: Path,
    text: str,
    environ: Mapping[str, str],
    errors: Collector,
    root: Path | None,
    defer: str | None,
    marks: bool = True,
) -> Document | None:
    plain = compose_plain(text, marks) if PLAIN else None
    if plain is not None:  # no anchor, no alias: nothing to expand
        if not marks:
            return Unmarked(path, plain[0], root, text, _marks)
        return Document(path, plain[0], root, plain[1], plain[2])
    composed = _compose_fast(text)
    loader: yaml.SafeLoader | None = composed.loader if composed else None
    try:
        if composed is None:
            loader = yaml.SafeLoader(text)
            composed = _Composed(loader.get_single_node(), loader)
        node = composed.node
        if node is None:
            errors.error(Location(path, 1, 1, root), "file is empty: expected a mapping")
            return None
        if _added_by_aliases(text, path, node, root) > MAX_NODES:
            too_many = f"aliases expand the document by over {MAX_NODES} nodes"
            raise _TooLarge(Location(path, 1, 1, root), too_many)
        builder = _Builder(path, text, composed, environ, errors, root, defer)
        builder.doc.data = builder.build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = to_location(path, mark, root) if mark else Location(path, 1, 1, root)
        problem = exc.problem or exc.context or "invalid YAML"
        errors.error(location, f"YAML syntax error: {problem}")
        return None
    except yaml.reader.ReaderError as exc:
        # A character YAML does not allow (a control character, say): not a MarkedYAMLError.
        before = text[: exc.position]
        line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        errors.error(
            Location(path, line, column, root),
            f"YAML syntax error: character {_code(exc.character):#04x} is not allowed in YAML",
        )
        return None
    except _TooLarge as exc:
        errors.error(exc.location, str(exc))
        return None
    except RecursionError:
        errors.error(Location(path, 1, 1, root), "document nests too deeply")
        return None
    finally:
        if loader is not None:
            loader.dispose()
    return builder.doc
