"""Which schemas parse, remembered under ``.reconcile/cache/`` for the next load.

Loading a project parses every schema it holds to validate it (9,001 Avro
parses, a third of loading a 10,000-subject project). A plan of an unchanged
project would parse the same texts again to the same verdict, so the texts
that parsed are remembered, content-addressed: an entry is the digest of the
schema type, its text and its references' texts, and the whole file is
keyed by a digest of the code that decides (the compatibility package's
source and the Avro library's version). A changed schema, reference or
parser is a new key: nothing is invalidated by time. Only successes are
kept (a failure is parsed again, for its message), and only where the parse
itself is not used afterwards (``load_project(plan_checks=False)``).

The project directory may come from a pull request, and a remembered
verdict skips validation, so the file is authenticated: an HMAC with a key
kept outside the project (``$XDG_CACHE_HOME/reconciler/cache.key``, created
on first use). A cache file that is foreign (another key or code), corrupt
or partial is ignored and rewritten. Writes go to a temporary file renamed
over the old one, so concurrent loads never read a partial file; the last
writer wins, and what the other one learned is learned again next time.
Any failure to read or write the cache only costs the parses.
"""

from __future__ import annotations

import copyreg
import hashlib
import hmac
import io
import json
import os
import pickle
import re
import stat
import sys
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import fields
from functools import cache
from pathlib import Path, PurePath
from typing import Any

from ._document import Document, KeyPath, Mark
from ._files import Reads, as_bytes, decode, read_all
from ._interpolate import interpolate
from .model import ContextSpec, SubjectSpec, VersionSpec

CACHE_FILE = Path(".reconcile") / "cache" / "schemas.json"
_KEY_BYTES = 32
_ENTRY_CHARS = 32  # 128 bits of SHA-256 per schema


def _user_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    return Path(base) if base else Path.home() / ".cache"


def _secret() -> bytes | None:
    """The MAC key, outside any project; created on first use. None when unavailable."""
    path = _user_cache_dir() / "reconciler" / "cache.key"
    try:
        key = path.read_bytes()
        if len(key) == _KEY_BYTES:
            return key
    except OSError:
        pass
    import secrets  # the key is made once: not imported by the loads that read it
    import tempfile  # with shutil, bz2, lzma: for a write, which a warm plan never does

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".cache.key.")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(secrets.token_bytes(_KEY_BYTES))
            os.link(temporary, path)  # whole, and only if no concurrent first use won
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == _KEY_BYTES else None


def _sources_digest(folder: Path, libraries: tuple[str, ...], seed: str = "") -> str:
    """A digest of ``seed``, the Python sources in ``folder`` (a package's) and the
    libraries' versions."""
    digest = hashlib.sha256(seed.encode())
    digest.update(_package_digest(folder))
    for library in libraries:
        digest.update(f"{library}={_version(library)}".encode())
    return digest.hexdigest()


@cache
def _package_digest(folder: Path) -> bytes:
    """The sha256 of the Python sources in ``folder``, by name: read once a process,
    however many caches' keys name the package (a plan's name the engine, compatibility
    and confluent packages twice each: ~2 ms)."""
    digest = hashlib.sha256()
    for source in sorted(folder.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.digest()


def _version(library: str) -> str:
    """The installed version of the distribution ``library``, "" when there is none.

    Read from the name of its ``NAME-VERSION.dist-info`` folder, the first on
    ``sys.path``, as ``importlib.metadata`` finds it; only without one (an egg,
    a zip) from ``importlib.metadata`` itself, whose import (email, zipfile, csv:
    ~0.015 s) every warm plan would pay for five version strings.
    """
    wanted = _normalized(library)
    for folder in sys.path:
        for entry in _entries(folder):
            name, dash, version = entry.removesuffix(".dist-info").partition("-")
            if dash and entry.endswith(".dist-info") and _normalized(name) == wanted:
                return version
    from importlib import metadata

    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return ""


def _normalized(name: str) -> str:
    """A distribution's name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def _entries(folder: str) -> tuple[str, ...]:
    try:
        return tuple(os.listdir(folder or "."))
    except OSError:  # not a folder (a zip), or gone
        return ()


_COMPATIBILITY = Path(__file__).parents[1] / "compatibility"


@cache
def _code_digest() -> str:
    """What decides whether a schema parses: the compatibility package and its libraries.

    Its sources are read from its folder, beside this package's, without importing
    it (~9 ms): a warm load parses no schema.
    """
    return _sources_digest(_COMPATIBILITY, ("avro", "jsonschema", "protobuf"))


def _write_atomically(path: Path, data: bytes) -> None:
    import tempfile  # with shutil, bz2, lzma: a warm plan writes no cache file

    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _mac(key: bytes, code: str, entries: Iterable[str]) -> str:
    return hmac.new(key, "\n".join([code, *entries]).encode(), hashlib.sha256).hexdigest()


def entry(schema_type: str, text: str, references: Iterable[tuple[str, str]]) -> str:
    """The cache entry of one parse: a digest of everything the verdict depends on."""
    digest = hashlib.sha256(f"{schema_type}\0{len(text)}\0".encode())
    digest.update(text.encode())
    for name, ref_text in references:
        digest.update(f"\0{len(name)}\0{name}\0{len(ref_text)}\0".encode())
        digest.update(ref_text.encode())
    return digest.hexdigest()[:_ENTRY_CHARS]


class ParseCache:
    """The verdicts of one project directory.

    What a load used (found or added) is what is saved, so the file holds the
    project's current schemas only and is rewritten only when they changed.
    """

    def __init__(self, path: Path, key: bytes | None, valid: set[str]) -> None:
        self.path = path
        self._key = key
        self._valid = valid
        self._used: set[str] = set()
        self._accepted: set[str] = set()

    @classmethod
    def open(cls, root: Path) -> ParseCache:
        path = root / CACHE_FILE
        key = _secret()
        if key is None:
            return cls(path, None, set())
        try:
            doc = json.loads(path.read_bytes())
            code, mac, valid = doc["code"], doc["mac"], doc["valid"]
            if (
                code == _code_digest()
                and isinstance(valid, list)
                and all(isinstance(item, str) for item in valid)
                and isinstance(mac, str)
                and hmac.compare_digest(mac, _mac(key, code, valid))
            ):
                return cls(path, key, set(valid))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # none yet, or unreadable: parse everything, and write it anew
        return cls(path, key, set())

    def known_valid(self, item: str) -> bool:
        if item in self._valid or item in self._accepted:
            self._used.add(item)
            return True
        return False

    def accept(self, items: Iterable[str]) -> None:
        """Verdicts of parses made outside this load, by this same code (export's:
        ``workflows.export_check.ExportCheck``): known, and saved once used."""
        self._accepted.update(items)

    def add(self, item: str) -> None:
        self._used.add(item)

    def save(self) -> None:
        """Write what this load used, if it differs; a failure only costs the next load time."""
        if self._used == self._valid or self._key is None:
            return
        code = _code_digest()
        valid = sorted(self._used)
        doc = {"code": code, "mac": _mac(self._key, code, valid), "valid": valid}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(self.path, json.dumps(doc).encode())
            self._valid = set(self._used)
        except OSError:
            pass


PROJECT_CACHE_FILE = Path(".reconcile") / "cache" / "project.bin"
SETTINGS_CACHE_FILE = Path(".reconcile") / "cache" / "settings.bin"


def _load_code_digest() -> str:
    """What decides what loading makes of the files: the spec package, reconciler's
    version and its YAML and model libraries, and what the parse cache's digest covers
    (the compatibility package and its parsers)."""
    return f"{_code_digest()}:{_spec_digest()}"


@cache
def _spec_digest() -> str:
    import reconciler

    return _sources_digest(Path(__file__).parent, ("pyyaml", "pydantic"), reconciler.__version__)


class RecordingEnviron(Mapping[str, str]):
    """An environment that remembers which variables were looked up (the cache's key)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self.used: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.used.add(name)
        return self._environ[name]

    def get(self, name: str, default: Any = None) -> Any:
        self.used.add(name)
        return self._environ.get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._environ)

    def __len__(self) -> int:
        return len(self._environ)


_NOFOLLOW = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
_CHUNK = 1 << 16


def _real_dir(parent: str, real_dirs: dict[str, bool]) -> bool:
    real = real_dirs.get(parent)
    if real is None:
        real = real_dirs[parent] = os.path.realpath(parent) == parent
    return real


def _linked(path: str, real_dirs: dict[str, bool]) -> bool:
    """Whether ``path`` is a symlink, or in a folder reached through one (or is gone)."""
    if not _real_dir(os.path.dirname(path), real_dirs):
        return True
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return True


class _Inputs:
    """The input files of a project cache as one load read them: each one's text
    (decoded as ``decode`` does), its length in bytes, and a digest of all their bytes
    in order (what ``ProjectCache``'s key is made of, ``_contents_digest``)."""

    __slots__ = ("digest", "lengths", "texts")

    def __init__(self, texts: list[str], lengths: array[int], digest: bytes) -> None:
        self.texts = texts
        self.lengths = lengths
        self.digest = digest


def _contents_digest(contents: Iterable[bytes]) -> bytes:
    """SHA-256 of ``contents`` one after the other (their lengths, hashed with it into
    the key, split them unambiguously)."""
    digest = hashlib.sha256()
    deque(map(digest.update, contents), maxlen=0)
    return digest.digest()


def _read_inputs(root: Path, names: list[str]) -> _Inputs | None:
    """The files ``names`` ("/"-separated, relative to ``root``) as read now; None if
    one is gone or reached through a symlink now (the file read would not be the one
    the cache was keyed by).

    One loop over text paths and ``os`` calls: the system calls (open, read to the
    end, close: ~4.5 us a file here) are most of it, the Python around them was
    another ~2 us a file with a function call per file (100,000 schema files). A file
    is read into one reused buffer, hashed and decoded from there: no bytes object
    per file (``os.read`` allocates its 64 KiB and shrinks it, twice a file), and the
    100,000 files' bytes are not kept beside their texts (70 MB more memory, whose
    first touch, a page fault every 4 KiB at ~2.4 us each on this VM, cost more than
    the reads). A file longer than the buffer (the spec file of 100,000 subjects: 10
    MB) is read on in one piece: added 64 KiB at a time to a bytes object, it was
    copied whole again for each (~0.8 GB of copies, 0.07-0.5 s).
    """
    inside = os.path.join(root, "")
    real_dirs: dict[str, bool] = {}
    texts: list[str] = []
    append = texts.append
    lengths = array("Q")
    length = lengths.append
    digest = hashlib.sha256()
    update = digest.update
    # A file is read into the buffer and one byte past it: a read that stops short of
    # that byte is the file's end (a regular file's read is short only there), which
    # saves a read per file asking for more (~1 us each, ~15 % of the proof). Were a
    # read ever short before the end, the bytes would not be those the key was made
    # of: the cache would be missed, never wrongly taken.
    buffer = [bytearray(_CHUNK), bytearray(1)]
    view = memoryview(buffer[0])
    for name in names:
        folder = name.rpartition("/")[0]
        real = real_dirs.get(folder)
        path = inside + name  # os.path.join(root, name): ``name`` is relative
        if real is None:
            directory = os.path.dirname(path)
            real = real_dirs[folder] = os.path.realpath(directory) == directory
        if not real:
            return None
        handle = os.open(path, _NOFOLLOW)
        try:
            size = os.readv(handle, buffer)
            if size > _CHUNK:  # more than 64 KiB: the rest, however long it is now, in one piece
                rest = read_all(handle, os.fstat(handle).st_size)
                data: bytes | memoryview = b"".join((view, buffer[1], rest))
            else:
                data = view[:size]
        finally:
            os.close(handle)
        update(data)
        length(len(data))
        append(decode(data))
    return _Inputs(texts, lengths, digest.digest())


def _child(parent: PurePath, name: str) -> PurePath:
    """``parent / name``: a path as the project cache's payload rebuilds it.

    ``name`` is one component of a concrete path (``_PayloadPickler`` writes what
    ``os.path.split`` gives of a ``Path``), so the path is made from its parent's
    parsed parts, as pathlib's own directory listings do (``_make_child_relpath``),
    instead of parsing the joined text again: 10,000 schema paths 14 -> 5 ms. ``/``
    where pathlib has no such method (it is pathlib's own, not its interface).
    """
    return _JOIN_ONE(parent, name)


_JOIN_ONE: Callable[[PurePath, str], PurePath] = getattr(
    Path, "_make_child_relpath", Path.__truediv__
)


# The spec classes with many fields mostly at their default: each one's fields that
# have a default, and that default (which ``dataclass`` keeps on the class).
_DEFAULTS = {
    cls: {field.name: getattr(cls, field.name) for field in fields(cls) if hasattr(cls, field.name)}
    for cls in (ContextSpec, SubjectSpec, VersionSpec)
}


class _InputText:
    """In the payload, a schema text that is the text of one of the cache's input files.

    Unpickled by ``_PayloadUnpickler`` as that file's bytes, decoded: the
    bytes the load has just read and checked against the key. The 100,000
    schema texts of a large project are then not in the cache file twice
    (once as the files, once in the payload: 80 MB read, authenticated and
    unpickled again).
    """

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __reduce__(self) -> tuple[Any, ...]:
        return _input_text, (self.index,)


def _input_text(index: int) -> str:
    """What ``_PayloadUnpickler`` replaces; unpickled without one, a payload is refused."""
    raise pickle.UnpicklingError(f"input text {index} outside a project cache's load")


class _PayloadPickler(pickle.Pickler):
    """A pickler that writes paths and spec objects in a form cheaper to load.

    Pickle's own way rebuilds a path from all its components, parsed again
    (``PosixPath('/', 'home', ...)``, ~4 us each): 10,000 schema paths were
    half of the warm load's unpickling. Written as ``_child(parent, name)``,
    each folder is rebuilt once (the pickle's memo shares it) and each file
    costs one join of a single name. Spec objects leave out their default
    fields, and a schema text read from one of ``inputs`` (the files of the
    cache's key, by path, with their bytes) is written as that file's index
    (``_InputText``).
    """

    def __init__(self, file: io.BytesIO, inputs: Mapping[str, tuple[int, bytes | str]]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._folders: dict[str, PurePath] = {}
        self._inputs = inputs
        self.dispatch_table = {
            **copyreg.dispatch_table,
            **dict.fromkeys(_DEFAULTS, self._reduce_spec),
            type(Path()): self._reduce_path,
        }

    def dump(self, obj: Any) -> None:
        """``Pickler.dump``, then the cycle through the dispatch table's bound methods
        broken: the pickler, its memo (every object pickled) and the inputs' bytes are
        freed as the caller drops it, not by the next full collection, which a load's
        pause of the collector (``gc_paused``: what the load built moved to the oldest
        generation) puts far off: ~80 MB at 10,000 subjects x 5 versions, kept by a cold
        plan to its end."""
        try:
            super().dump(obj)
        finally:
            self.dispatch_table = {}

    def _reduce_spec(self, spec: Any) -> tuple[Any, ...]:
        """A spec object as pickle writes it, less the fields at their class's default.

        Pickle's own way writes every field into the instance's ``__dict__``; a
        field left out is read from the class (where ``dataclass`` keeps a field's
        default), so the object reads and compares the same, and the warm load
        sets ~5 instead of 13 entries for each of 10,000 subjects.
        """
        state = spec.__dict__.copy()
        for name, default in _DEFAULTS[type(spec)].items():
            if state[name] is default:  # the very object: None, False, (), the class's string
                del state[name]
        path = state.get("schema_path")
        if path is not None and (found := self._inputs.get(str(path))) is not None:
            index, data = found
            if state.get("schema") == (data if type(data) is str else decode(data)):
                state["schema"] = _InputText(index)
        return copyreg.__newobj__, (type(spec),), state

    def _reduce_path(self, path: PurePath) -> tuple[Any, ...]:
        folder, name = os.path.split(str(path))
        if not name or name == ".":  # a root, or "."
            return path.__reduce__()
        parent = self._folders.get(folder)
        if parent is None:
            parent = self._folders[folder] = path.parent
        return _child, (parent, name)


class _DocPickler(_PayloadPickler):
    """A payload pickler that writes the strings of a YAML document as where they are.

    The project file's settings hold its registries' URLs and credentials,
    which no cache file may hold: every string of the settings that is a
    value of the document is written as the span of the file's text it is
    read from (``_span``), or else as its key path in the document, and read
    from the file again when loaded (``_DocUnpickler``). The file is the same
    then: its bytes and variables are the cache's key. A span is read without
    parsing the file (a warm plan imports no YAML library); a key path needs
    the document parsed again.
    """

    def __init__(
        self,
        file: io.BytesIO,
        doc: Document,
        text: str,
        environ: Mapping[str, str],
        variables: Sequence[str],
    ) -> None:
        super().__init__(file, {})
        starts = [0, *(index + 1 for index, char in enumerate(text) if char == "\n")]
        self._at: dict[str, KeyPath | Span] = {}
        for value, at in _strings(doc.data, ()):
            mark = doc.values.get(at)
            span = None if mark is None else _span(text, starts, mark, value, environ, variables)
            self._at[value] = at if span is None else span

    def persistent_id(self, obj: Any) -> KeyPath | Span | None:
        return self._at.get(obj) if type(obj) is str else None


# Where a string of the project file is written: ``text[start:end]``, and whether that is
# interpolated (``${VAR}``). Told from a key path by its first item (a key path's is a
# key of the document's top mapping: a string).
Span = tuple[int, int, bool]


def _span(
    text: str,
    starts: list[int],
    mark: Mark,
    value: str,
    environ: Mapping[str, str],
    variables: Sequence[str],
) -> Span | None:
    """Where ``value``, the scalar at ``mark`` (1-based line and column), is written in
    ``text``, if reading it from there gives ``value`` again; else None.

    The scalar's source is taken as YAML writes a simple one: quoted on one line
    without escapes, or plain to the line's end or a comment. It is a span only if
    it gives ``value`` back (interpolated, if it holds a ``$``, from ``variables``
    only: the key's); anything else (escapes, a folded line, a flow collection's
    item) fails that check, and the value is kept by its key path. What ``_DocUnpickler``
    does with a span is what is checked here, on the text the key is made of.
    """
    line, column = mark
    if not 0 < line <= len(starts):
        return None
    start = starts[line - 1] + column - 1
    quote = text[start : start + 1]
    if quote in ("'", '"'):
        start += 1
        end = text.find(quote, start)
        if end < 0 or text[end + 1 : end + 2] == quote:  # '' in a single-quoted scalar
            return None
    else:
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        comment = text.find(" #", start, end)
        end = len(text[start : end if comment < 0 else comment].rstrip(" ")) + start
    source = text[start:end]
    if "$" in source:
        recording = RecordingEnviron(environ)
        if interpolate(source, recording)[0] != value or not recording.used <= set(variables):
            return None
        return start, end, True
    return (start, end, False) if source == value else None


class _PayloadUnpickler(pickle.Unpickler):
    """Unpickles a payload of ``_PayloadPickler``'s: ``texts(index)`` is the decoded
    text of the cache's input ``index``, as this load read it."""

    def __init__(self, file: io.BytesIO, texts: Callable[[int], str]) -> None:
        super().__init__(file)
        self._texts = texts

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == _input_text.__name__:
            return self._texts
        return super().find_class(module, name)


class _DocUnpickler(pickle.Unpickler):
    """Unpickles a payload of ``_DocPickler``'s: a string from its span of ``text`` (the
    file as this load read it), or from its key path in ``doc()`` (parsed when first
    needed; None refuses the payload)."""

    def __init__(
        self,
        file: io.BytesIO,
        text: str,
        environ: Mapping[str, str],
        doc: Callable[[], Document | None],
    ) -> None:
        super().__init__(file)
        self._text = text
        self._environ = environ
        self._doc = doc

    def persistent_load(self, pid: Any) -> str:
        if type(pid[0]) is int:
            start, end, interpolated = pid
            source = self._text[start:end]
            return interpolate(source, self._environ)[0] if interpolated else source
        doc = self._doc()
        if doc is None:
            raise pickle.UnpicklingError("the document does not load")
        node = doc.data
        for part in pid:
            node = node[part]
        if type(node) is not str:
            raise pickle.UnpicklingError("not a string of the document")
        return node


def _strings(data: Any, at: KeyPath) -> Iterator[tuple[str, KeyPath]]:
    """Every string value of a YAML document's data, with its key path."""
    if isinstance(data, str):
        yield data, at
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*at, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*at, index))


def _dumps(value: object, inputs: Mapping[str, tuple[int, bytes | str]] | None = None) -> bytes:
    """``value`` pickled; ``inputs``: the files whose texts are written as their index
    (``_InputText``)."""
    buffer = io.BytesIO()
    _PayloadPickler(buffer, inputs or {}).dump(value)
    return buffer.getvalue()


def _loads(payload: io.BytesIO, texts: Sequence[str] = ()) -> Any:
    """What ``_dumps`` wrote, read from ``payload``'s position; ``texts``: the decoded
    texts of the inputs, by index (a list: a call back into Python for each text cost
    more than decoding them all up front)."""
    return _PayloadUnpickler(payload, texts.__getitem__).load()


# What reading a cache file that is damaged, partial or of another form raises.
_UNREADABLE = (
    OSError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    pickle.UnpicklingError,
    EOFError,
)


class ProjectCache:
    """The specs a load made of a project's files, reused while those files are unchanged.

    Keyed by content: an HMAC (the parse cache's key) over the code that loads
    (``_load_code_digest``), what the load depends on in the project file
    (``context``: the registries' names and global settings, the size limit,
    the spec files matched), the bytes of every file the specs were made from
    (spec files and schema files, named in the cache file) and the value of
    every variable the spec files interpolate (or its absence). Never by time:
    an edit that leaves a file's bytes as they were is no change. Only loads
    without errors are kept, and only when no schema path went through a
    symlink (the file read would not be the one named).

    What it holds: the specs as loaded, that is after interpolation: a
    ``${VAR}`` a spec file uses (in a subject's metadata, say) is in the
    payload as its value, as it would be in a plan, so the file is as
    sensitive as the interpolated specs; it is written with mode 0600 under
    ``.reconcile/``, which ``reconcile init``'s ``.gitignore`` excludes. No
    registry URL or credential is in it (the registries' names and global
    levels only, in ``context``), and the key names the variables but holds
    their values only under the HMAC. The project file's settings are kept by
    another instance (``SETTINGS_CACHE_FILE``, keyed by that file's bytes and
    variables), without the file's strings (``_DocPickler``).

    A schema text read from a file is not in the payload: it is that file's bytes,
    which the load reads and checks against the key anyway (``_InputText``).

    The payload is a pickle, unpickled only once the HMAC over the whole file
    (header and payload) has checked: a file that came with a checkout, one
    whose payload was replaced, or one corrupt or partial, is ignored (the
    project loads in full and the file is rewritten).
    """

    def __init__(self, root: Path, context: str, file: Path = PROJECT_CACHE_FILE) -> None:
        self.path = root / file
        self.root = root
        self.context = context
        self.key = _secret()
        self.digest: str | None = None  # the key of the inputs last proven or kept

    def _digest(
        self,
        names: list[str],
        lengths: array[int],
        contents: bytes,
        variables: list[str],
        environ: Mapping[str, str],
    ) -> str:
        """The key: the inputs' names (relative to the root, which is hashed too), their
        lengths, the digest of their bytes (``_contents_digest``), and the variables'
        values. Hashed in a few large updates, not two per file: the names joined (no
        path holds a NUL), the lengths as one array."""
        assert self.key is not None
        digest = hmac.new(self.key, f"{_load_code_digest()}\0{self.context}".encode(), "sha256")
        digest.update(b"%d\0%s" % (len(names), "\0".join([str(self.root), *names]).encode()))
        digest.update(lengths.tobytes())
        digest.update(contents)
        for name in variables:
            value = environ.get(name)
            text = b"-" if value is None else b"+%d\0%s" % (len(value), value.encode())
            digest.update(b"%d\0%s%s" % (len(name), name.encode(), text))
        return digest.hexdigest()

    def load(
        self,
        environ: Mapping[str, str],
        doc: Callable[[], Document | None] | None = None,
        proven: Callable[[], None] | None = None,
    ) -> Any | None:
        """What ``save`` kept, if every input is as it was then; else None. ``doc``: the
        document whose strings ``save`` left out (see ``_DocPickler``), the file of the
        one input, parsed only if a string was kept by its key path. ``proven`` is called
        once every input is known to be as it was, before what was kept is rebuilt."""
        if self.key is None:
            return None
        try:
            # The header and payload are read where they are in the file's bytes, not
            # copied out of them (twice the payload's size, 16 MB at 100,000 subjects).
            data = self.path.read_bytes()
            mac_end = data.index(b"\n")
            header_end = data.index(b"\n", mac_end + 1)
            expected = hmac.new(self.key, memoryview(data)[mac_end + 1 :], "sha256")
            if not hmac.compare_digest(data[:mac_end].decode("ascii"), expected.hexdigest()):
                return None
            header = json.loads(data[mac_end + 1 : header_end])
            names = header["inputs"]
            inputs = _read_inputs(self.root, names)
            if inputs is None:
                return None
            digest = self._digest(
                names, inputs.lengths, inputs.digest, header["variables"], environ
            )
            if header["digest"] != digest:
                return None
        except _UNREADABLE:
            return None
        self.digest = digest
        # Outside the ``try``: what the caller's ``proven`` raises is its own (an error
        # of its own taken for an unreadable cache would have cost a whole load, silently).
        if proven is not None:
            proven()
        try:
            payload = io.BytesIO(data)  # shares ``data``'s buffer while only read
            payload.seek(header_end + 1)
            if doc is not None:
                return _DocUnpickler(payload, inputs.texts[0], environ, doc).load()
            return _loads(payload, inputs.texts)
        except _UNREADABLE:
            return None

    def save(
        self,
        spec_files: list[Path],
        schema_files: Iterable[Path],
        reads: Reads,
        variables: set[str],
        environ: Mapping[str, str],
        value: object,
        doc: Document | None = None,
    ) -> None:
        """Keep ``value`` under the bytes of its input files (inside the project) as the
        load read them (``reads``) and ``variables``; a failure only costs the next load
        time. The caller saw that no schema file was reached through a symlink
        (``Resolver.followed_links``); the spec files are checked here. With ``doc``,
        the strings of that document are not written (``_DocPickler``).

        Nothing is kept when an input was not read, or read twice with other bytes,
        or when a spec file lies through a symlink (a later ``load`` would refuse it).
        """
        if self.key is None or not reads.consistent:
            return
        real_dirs: dict[str, bool] = {}
        if any(_linked(str(path), real_dirs) for path in spec_files):
            return
        inside = os.path.join(self.root, "")
        # As text: pathlib costs more here.
        paths = sorted({str(path) for path in (*spec_files, *schema_files)})
        contents = []  # as ``reads`` keeps them: bytes, or their ASCII text
        for path in paths:
            content = reads.data.get(path)
            if content is None or not path.startswith(inside):
                return
            contents.append(content)
        names = [path[len(inside) :].replace(os.sep, "/") for path in paths]
        ordered = sorted(variables)
        lengths = array("Q", map(len, contents))  # a text kept is ASCII: its bytes' length
        contents_digest = _contents_digest(map(as_bytes, contents))
        digest = self._digest(names, lengths, contents_digest, ordered, environ)
        header = json.dumps({"inputs": names, "variables": ordered, "digest": digest}).encode()
        inputs = {path: (index, contents[index]) for index, path in enumerate(paths)}
        if doc is None:
            payload = _dumps(value, inputs)
        else:  # the file of the one input (``load``'s ``doc``)
            buffer = io.BytesIO()
            text = decode(as_bytes(contents[0]))
            _DocPickler(buffer, doc, text, environ, ordered).dump(value)
            payload = buffer.getvalue()
        mac = hmac.new(self.key, header + b"\n" + payload, "sha256").hexdigest().encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(self.path, mac + b"\n" + header + b"\n" + payload)
        except OSError:
            return
        self.digest = digest
