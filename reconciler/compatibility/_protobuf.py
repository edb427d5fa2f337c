"""PROTOBUF: parsing with protoc (grpcio-tools) and Confluent's difference rules.

protoc is the reference parser of the language, so every valid file parses and
every invalid one is refused with protoc's own message. It runs in-process on
files written to a scratch directory (imports are the references, plus the
bundled ``confluent/*.proto`` and Google's well-known types) and hands back a
``FileDescriptorSet``; results are cached by (text, references).

The walk mirrors Confluent's protobuf ``SchemaDiff``: messages and enums by
name, fields by number, oneofs by name; a difference is located as
``#/<Message>/<Nested>/<field number>`` (package left out) and is compatible
when its name is in ``COMPATIBLE_CHANGES``.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import shutil
import sys
import tempfile
import threading
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol, TypeVar

try:
    import fcntl
except ImportError:  # Windows: scratch directories are removed at exit only
    fcntl = None  # type: ignore[assignment]

import grpc_tools
from google.protobuf import descriptor_pb2
from google.protobuf.message import DecodeError
from grpc_tools import _protoc_compiler

from . import _protoopts
from ._changes import breaking, differences
from ._protocanon import canonical_text
from ._protonorm import NormalizedPrinter
from ._protoprint import (
    _FIELD,
    _FILE_EXTENSION,
    _MESSAGE_EXTENSION,
    _MESSAGE_TYPE,
    _NESTED_TYPE,
    SCALARS,
    Printer,
    written_types,
)
from ._protowire import WireError, as_wire_reads
from ._rules import backward_compatible
from ._types import (
    Difference,
    FunctionFormat,
    InvalidSchemaError,
    Message,
    ParsedSchema,
    SchemaFormat,
)

COMPATIBLE_CHANGES: frozenset[str] = backward_compatible("PROTOBUF")

_MAIN = "__schema__.proto"
_BUNDLED = Path(__file__).parent / "proto"
_WELL_KNOWN = Path(grpc_tools.__file__).parent / "_proto"
# The files Confluent's ProtobufSchema resolves without a reference
# (KNOWN_DEPENDENCIES): Confluent's own, from _BUNDLED; the google/type common
# types, from the googleapis-common-protos package; the well-known types, from
# grpcio-tools. Any other import needs a reference, as on Confluent.
KNOWN_DEPENDENCIES: tuple[str, ...] = (
    "confluent/meta.proto",
    "confluent/type/decimal.proto",
    "confluent/type/variant.proto",
    *(
        f"google/type/{name}.proto"
        for name in [
            "calendar_period",
            "color",
            "date",
            "datetime",
            "dayofweek",
            "decimal",
            "expr",
            "fraction",
            "interval",
            "latlng",
            "money",
            "month",
            "phone_number",
            "postal_address",
            "quaternion",
            "timeofday",
        ]
    ),
    *(
        f"google/protobuf/{name}.proto"
        for name in [
            "any",
            "api",
            "descriptor",
            "duration",
            "empty",
            "field_mask",
            "source_context",
            "struct",
            "timestamp",
            "type",
            "wrappers",
        ]
    ),
)
_LOCK = threading.Lock()  # protoc keeps global state; one compilation at a time

_Field = descriptor_pb2.FieldDescriptorProto
_Msg = descriptor_pb2.DescriptorProto
_Enum = descriptor_pb2.EnumDescriptorProto
# Groups of scalars that share a wire encoding (protobuf's "updating a message" rules).
_SCALAR_KIND: dict[str, str] = {
    **dict.fromkeys(("int32", "int64", "uint32", "uint64", "bool", "enum"), "GENERAL_NUMBER"),
    **dict.fromkeys(("sint32", "sint64"), "SIGNED_NUMBER"),
    **dict.fromkeys(("string", "bytes"), "STRING_OR_BYTES"),
    **dict.fromkeys(("fixed32", "sfixed32"), "FIXED32"),
    **dict.fromkeys(("fixed64", "sfixed64"), "FIXED64"),
    "float": "FLOAT",
    "double": "DOUBLE",
}


_K = TypeVar("_K")


class _Numbered(Protocol):
    number: int


_T = TypeVar("_T", bound=_Numbered)


@dataclass(frozen=True)
class _TypeInfo:
    """A message or enum by full name: where it is declared, for local names and imports."""

    descriptor: descriptor_pb2.DescriptorProto | descriptor_pb2.EnumDescriptorProto
    file: str
    package: str

    @property
    def is_enum(self) -> bool:
        return isinstance(self.descriptor, descriptor_pb2.EnumDescriptorProto)

    @property
    def is_map_entry(self) -> bool:
        return not self.is_enum and self.descriptor.options.map_entry  # type: ignore[union-attr]

    def local_name(self, full_name: str) -> str:
        prefix = f"{self.package}." if self.package else ""
        return full_name[len(prefix) :] if full_name.startswith(prefix) else full_name


@dataclass(frozen=True)
class _Model:
    """The parsed file, every type it can see by full name, and its imports' texts.

    ``files`` are the compiled imports followed by the file itself, as the
    printer takes them.
    """

    file: descriptor_pb2.FileDescriptorProto
    types: dict[str, _TypeInfo]
    sources: dict[str, str]
    files: tuple[descriptor_pb2.FileDescriptorProto, ...]
    # The text given to protoc (the schema's, without the options no import
    # defines) and those options by declaration, for the printer.
    compiled_text: str
    kept: dict[tuple[int, ...], tuple[str, ...]]


def _index(files: Iterable[descriptor_pb2.FileDescriptorProto]) -> dict[str, _TypeInfo]:
    """Every message and enum of the file and its imports, by full name (no leading dot)."""
    types: dict[str, _TypeInfo] = {}

    def visit(
        scope: str,
        messages: Iterable[_Msg],
        enums: Iterable[_Enum],
        fdp: descriptor_pb2.FileDescriptorProto,
    ) -> None:
        for enum in enums:
            types[f"{scope}{enum.name}"] = _TypeInfo(enum, fdp.name, fdp.package)
        for message in messages:
            name = f"{scope}{message.name}"
            types[name] = _TypeInfo(message, fdp.name, fdp.package)
            visit(f"{name}.", message.nested_type, message.enum_type, fdp)

    for fdp in files:
        visit(f"{fdp.package}." if fdp.package else "", fdp.message_type, fdp.enum_type, fdp)
    return types


_IMPORT = re.compile(r'\bimport\s+(?:public\s+|weak\s+)?"([^"]+)"')


_SCRATCH_PREFIX = "reconciler-protoc-"
_OWNER_FILE = ".owner"  # held (flock) by the process that made the directory, while it lives


class _Scratch:
    """A directory for protoc's inputs and outputs, reused from run to run.

    A fresh temporary directory per compilation cost as much as a third of
    protoc's own time. Scratch directories are lent out one run at a time (a
    pool as large as the number of concurrent runs), removed at exit by the
    process that made them, and a run leaves none of its references behind
    for the next one to import.

    A process killed (SIGKILL, the OOM killer) cannot remove its own, and
    ``/dev/shm`` is memory: on POSIX each directory holds a lock file that its
    maker keeps locked while it lives (the kernel lets go when it dies, in any
    PID namespace), and a new scratch removes the directories nobody holds.
    The directory is made under another name and renamed once locked, so no
    one sees it unheld.
    """

    def __init__(self) -> None:
        base = "/dev/shm" if os.path.isdir("/dev/shm") else None
        self.owner = os.getpid()
        self.lock: int | None = None
        path = Path(tempfile.mkdtemp(dir=base, prefix=f".{_SCRATCH_PREFIX}new-"))
        if fcntl is not None:
            self.lock = os.open(path / _OWNER_FILE, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.lock, fcntl.LOCK_EX)
            self.path = path.with_name(_SCRATCH_PREFIX + path.name.rpartition("-")[2])
            path.rename(self.path)
            _remove_orphans(self.path.parent)
        else:
            self.path = path
        self.root = self.path / "src"
        self.root.mkdir()
        self.shipped: tuple[str, ...] = ()  # the precompiled imports in shipped.pb
        weakref.finalize(self, _remove_scratch, self.path, self.owner, self.lock)


def _remove_scratch(path: Path, owner: int, lock: int | None) -> None:
    if os.getpid() == owner:  # a forked child must not remove its parent's directories
        shutil.rmtree(path, ignore_errors=True)
        if lock is not None:
            os.close(lock)


def _remove_orphans(base: Path) -> None:
    """Remove the scratch directories under ``base`` whose lock no process holds.

    Directories without a lock file (made before it existed) are left alone.
    """
    assert fcntl is not None
    for entry in os.scandir(base):
        if not entry.name.startswith(_SCRATCH_PREFIX):
            continue
        try:
            lock = os.open(os.path.join(entry.path, _OWNER_FILE), os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: its maker is alive
            continue
        else:
            shutil.rmtree(entry.path, ignore_errors=True)
        finally:
            os.close(lock)


_IDLE: list[_Scratch] = []
_IDLE_LOCK = threading.Lock()


@contextmanager
def _lend_scratch() -> Iterator[_Scratch]:
    with _IDLE_LOCK:
        scratch = _IDLE.pop() if _IDLE else None
    if scratch is None or scratch.owner != os.getpid():
        scratch = _Scratch()
    try:
        yield scratch
    finally:
        with _IDLE_LOCK:
            _IDLE.append(scratch)


def _compile(text: str, references: tuple[tuple[str, str], ...], source_info: bool) -> bytes:
    """The serialized ``FileDescriptorSet`` of ``text`` and everything it imports.

    ``source_info`` adds source positions (a third more protoc time), which
    only the canonical form needs.
    """
    with _lend_scratch() as scratch:
        return _write_and_run(text, references, source_info, scratch)


def _write_and_run(
    text: str, references: tuple[tuple[str, str], ...], source_info: bool, scratch: _Scratch
) -> bytes:
    root = scratch.root
    written: list[Path] = []
    made: list[Path] = []
    try:
        for name, source in ((_MAIN, text), *references):
            target = root / name
            if name != _MAIN and not target.resolve().is_relative_to(root.resolve()):
                raise InvalidSchemaError(f"reference name {name!r} leaves the import tree")
            for parent in reversed(Path(name).parents[:-1]):  # without "." itself
                directory = root / parent
                if not directory.exists():
                    directory.mkdir()
                    made.append(directory)
            target.write_text(source, encoding="utf-8")
            written.append(target)
        return _run_compiler(text, references, source_info, scratch)
    finally:
        for path in written:
            path.unlink(missing_ok=True)
        for directory in reversed(made):
            directory.rmdir()


def _run_compiler(
    text: str, references: tuple[tuple[str, str], ...], source_info: bool, scratch: _Scratch
) -> bytes:
    """protoc over the files under ``scratch.root``; its errors as ``InvalidSchemaError``."""
    root = scratch.root
    out = scratch.path / "out.pb"
    common = ["protoc", f"-I{root}", "--include_imports"]
    common += ["--include_source_info"] if source_info else []
    common.append(f"--descriptor_set_out={out}")
    # Imports of the shipped files (Google's well-known types, Confluent's
    # meta.proto and its large descriptor.proto) come precompiled, so protoc
    # does not parse them again (from 8% of a run for timestamp.proto to half
    # of it for descriptor.proto). The schema's own references under src/
    # are found first. If the quick scan of import statements missed one, or
    # the schema is invalid, the plain run decides, with its own messages.
    provided = {name for name, _ in references}
    imported = {m for t in (text, *(s for _, s in references)) for m in _IMPORT.findall(t)}
    shipped = _shipped_closure(frozenset((imported - provided) & _shipped().keys()))
    status, errors = 1, ""
    if shipped:
        args = [*common, f"--descriptor_set_in={_precompiled(scratch, shipped)}", _MAIN]
        status, errors = _run_protoc(args, scratch.path / "errors.txt")
    if status != 0:
        every = _shipped_closure(frozenset(KNOWN_DEPENDENCIES) - provided)
        args = [*common, f"--descriptor_set_in={_precompiled(scratch, every)}", _MAIN]
        status, errors = _run_protoc(args, scratch.path / "errors.txt")
    if status != 0:
        lines = [
            _LOG_PREFIX.sub("", line).replace(f"{root}/", "").replace(_MAIN, "<schema>")
            for line in errors.splitlines()
            if line.strip() and not line.startswith(_ABSL_NOTICE)
        ]
        raise InvalidSchemaError(_REFUSED + ("; ".join(lines) or "protoc refused it"))
    return out.read_bytes()


def _precompiled(scratch: _Scratch, names: tuple[str, ...]) -> Path:
    """The shipped files ``names`` as a FileDescriptorSet file, rewritten only when they change."""
    path = scratch.path / "shipped.pb"
    if scratch.shipped != names:
        path.write_bytes(_shipped_set(names))
        scratch.shipped = names
    return path


_REFUSED = "invalid Protobuf schema: "


# protoc's own warnings come with a log prefix (severity, date, time, thread,
# source line): "W0000 00:00:1795516587.441281   30356 parser.cc:659] ...". It
# changes with every run, and an error message must not.
_LOG_PREFIX = re.compile(r"^[IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\] ")
# ... and the first run in a process says where its log goes, once.
_ABSL_NOTICE = "WARNING: All log messages before absl::InitializeLog() is called"


@lru_cache(maxsize=1)
def _shipped() -> dict[str, descriptor_pb2.FileDescriptorProto]:
    """``KNOWN_DEPENDENCIES``, compiled once per process."""
    import google.type.money_pb2  # googleapis-common-protos, which ships the .proto files

    googleapis = Path(google.type.money_pb2.__file__).parents[2]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "shipped.pb"
        roots = [f"-I{root}" for root in (_BUNDLED, _WELL_KNOWN, googleapis)]
        args = ["protoc", *roots, "--include_imports"]
        args += [f"--descriptor_set_out={out}", *KNOWN_DEPENDENCIES]
        status, errors = _run_protoc(args, Path(tmp) / "errors.txt")
        if status != 0:
            raise RuntimeError(f"the shipped .proto files do not compile: {errors}")
        files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file
        return {f.name: f for f in files}


@lru_cache(maxsize=256)
def _shipped_closure(names: frozenset[str]) -> tuple[str, ...]:
    """The shipped files ``names`` and what they import, dependencies first."""
    files = _shipped()
    wanted: list[str] = []

    def visit(name: str) -> None:
        if name not in wanted:
            for dependency in files[name].dependency:
                visit(dependency)
            wanted.append(name)

    for name in sorted(names):
        visit(name)
    return tuple(wanted)


@lru_cache(maxsize=256)
def _shipped_set(names: tuple[str, ...]) -> bytes:
    files = _shipped()
    return descriptor_pb2.FileDescriptorSet(file=[files[n] for n in names]).SerializeToString()


def _run_protoc(args: list[str], errors: Path) -> tuple[int, str]:
    """Run protoc in-process, catching what it writes to file descriptor 2.

    protoc reports errors on the process's stderr, below Python's ``sys.stderr``,
    so the descriptor is pointed at a file for the (millisecond) duration of the
    run; the lock keeps two runs from interleaving.
    """
    with _LOCK, errors.open("w+b") as sink:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            status = _protoc_compiler.run_main([a.encode() for a in args])
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        sink.seek(0)
        return status, sink.read().decode("utf-8", "replace")


@lru_cache(maxsize=1024)
def _parse_cached(text: str, references: tuple[tuple[str, str], ...]) -> ParsedSchema:
    """``text`` as .proto; failing that, as Confluent's ``ProtobufSchema`` also reads it:
    with custom options no import defines, or as a serialized file descriptor."""
    source = as_wire_reads(text)
    try:
        return _parsed(text, source, references, _compile(source, references, False), {})
    except InvalidSchemaError as refused:
        kept = _with_unknown_options(text, source, references, refused)
        if kept is not None:
            return kept
        printed = _from_serialized(text, references)
        if printed is None:
            raise
        return _parse_cached(printed, references)


def _parsed(
    text: str,
    compiled_text: str,
    references: tuple[tuple[str, str], ...],
    compiled: bytes,
    kept: dict[tuple[int, ...], tuple[str, ...]],
) -> ParsedSchema:
    fds = descriptor_pb2.FileDescriptorSet.FromString(compiled)
    main = next(f for f in fds.file if f.name == _MAIN)
    files = (*(f for f in fds.file if f.name != _MAIN), main)
    model = _Model(main, _index(fds.file), dict(references), files, compiled_text, kept)
    return ParsedSchema("PROTOBUF", text, dict(references), native=model, format=FORMAT)


def _with_unknown_options(
    text: str, source: str, references: tuple[tuple[str, str], ...], refused: InvalidSchemaError
) -> ParsedSchema | None:
    """The schema without the custom options protoc calls unknown, which are kept as
    text (Confluent's parser keeps them); ``None`` if protoc refused anything else.
    ``source`` is ``text`` as protoc compiles it (``as_wire_reads``)."""
    positions = _protoopts.unknown_option_positions(str(refused).removeprefix(_REFUSED))
    found = _protoopts.cut(source, positions) if positions else None
    if found is None:
        return None
    compiled_text, options = found
    try:
        compiled = _compile(compiled_text, references, True)
    except InvalidSchemaError:
        return None
    fds = descriptor_pb2.FileDescriptorSet.FromString(compiled)
    main = next(f for f in fds.file if f.name == _MAIN)
    kept = _protoopts.place(main, options)
    main.ClearField("source_code_info")
    return _parsed(text, compiled_text, references, fds.SerializeToString(), kept)


_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def _from_serialized(text: str, references: tuple[tuple[str, str], ...]) -> str | None:
    """A base64-encoded serialized ``FileDescriptorProto`` printed as .proto text.

    Confluent's ``ProtobufSchema`` reads such a schema when it does not parse
    as .proto, and stores it printed back (type names fully qualified, as the
    descriptor holds them); its imports resolve as a text schema's do.
    """
    if not _BASE64.fullmatch(text):
        return None
    try:
        file = descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(text, validate=True))
    except (binascii.Error, DecodeError):
        return None
    imports = "".join(f'import "{name}";\n' for name in file.dependency)
    try:
        compiled = _compile(f'syntax = "proto3";\n{imports}', references, False)
    except InvalidSchemaError:
        return None
    files = descriptor_pb2.FileDescriptorSet.FromString(compiled).file
    return Printer([*(f for f in files if f.name != _MAIN), file]).render()


def parse(text: str, references: dict[str, str]) -> ParsedSchema:
    return _parse_cached(text, tuple(sorted(references.items())))


def file_descriptor(parsed: ParsedSchema) -> descriptor_pb2.FileDescriptorProto:
    model: _Model = parsed.native  # type: ignore[assignment]
    return model.file


def canonical(parsed: ParsedSchema) -> str:
    """Confluent's canonical text (``_protocanon``): Wire's parse of the source, printed.

    Text Wire would not read (``edition`` files) is printed from descriptors,
    with type names as the source spells them (which takes source positions).
    """
    return _printed(parsed, ignore_extensions=False)


def without_extensions(parsed: ParsedSchema) -> str:
    """Confluent's ``format=ignore_extensions``: the canonical text less extensions."""
    return _printed(parsed, ignore_extensions=True)


def _printed(parsed: ParsedSchema, *, ignore_extensions: bool) -> str:
    try:
        return canonical_text(parsed.text, ignore_extensions=ignore_extensions)
    except WireError:
        pass
    model: _Model = parsed.native  # type: ignore[assignment]
    main = _with_source_info(model.compiled_text, tuple(sorted(parsed.references.items())))
    written = written_types(main, model.compiled_text)
    return Printer(
        model.files, written=written, kept=model.kept, ignore_extensions=ignore_extensions
    ).render()


def serialized(parsed: ParsedSchema) -> str:
    """Confluent's ``format=serialized``: the base64 of the file's ``FileDescriptorProto``.

    Confluent builds it from its own model (``toDynamicSchema``): the file is
    named ``default`` and a field has a ``json_name`` only where the source
    writes one; protoc's, used here, otherwise describes the same file.
    """
    model: _Model = parsed.native  # type: ignore[assignment]
    written = _written_json_names(parsed)
    file = descriptor_pb2.FileDescriptorProto()
    file.CopyFrom(model.file)
    file.name = "default"
    file.ClearField("source_code_info")
    for path, field in _fields_with_paths(file):
        if path not in written:
            field.ClearField("json_name")
    return base64.b64encode(file.SerializeToString()).decode("ascii")


def _fields_with_paths(
    file: descriptor_pb2.FileDescriptorProto,
) -> Iterator[tuple[tuple[int, ...], descriptor_pb2.FieldDescriptorProto]]:
    """Every field and extension of ``file`` with its SourceCodeInfo path."""
    pending = [((_MESSAGE_TYPE, i), m) for i, m in enumerate(file.message_type)]
    for index, field in enumerate(file.extension):
        yield (_FILE_EXTENSION, index), field
    while pending:
        path, message = pending.pop()
        for index, field in enumerate(message.field):
            yield (*path, _FIELD, index), field
        for index, field in enumerate(message.extension):
            yield (*path, _MESSAGE_EXTENSION, index), field
        pending += [((*path, _NESTED_TYPE, i), n) for i, n in enumerate(message.nested_type)]


def normalized(parsed: ParsedSchema) -> str:
    """Confluent's ``normalize=true`` text (``_protonorm``).

    Whether a ``json_name`` was written (Confluent prints it then, even when
    it is the default) only shows in source positions.
    """
    model: _Model = parsed.native  # type: ignore[assignment]
    return NormalizedPrinter(model.files, model.kept, _written_json_names(parsed)).render()


def _written_json_names(parsed: ParsedSchema) -> set[tuple[int, ...]]:
    """The SourceCodeInfo paths of the fields whose ``json_name`` the source writes
    (protoc fills in every field's; only source positions tell which were written)."""
    model: _Model = parsed.native  # type: ignore[assignment]
    main = _with_source_info(model.compiled_text, tuple(sorted(parsed.references.items())))
    return {
        tuple(location.path[:-1])
        for location in main.source_code_info.location
        if location.path and location.path[-1] == _JSON_NAME
    }


_JSON_NAME = 10  # FieldDescriptorProto.json_name, as SourceCodeInfo paths name it


@lru_cache(maxsize=256)
def _with_source_info(
    text: str, references: tuple[tuple[str, str], ...]
) -> descriptor_pb2.FileDescriptorProto:
    """The schema's file compiled with source positions (the printed forms need them)."""
    fds = descriptor_pb2.FileDescriptorSet.FromString(_compile(text, references, True))
    return next(f for f in fds.file if f.name == _MAIN)


_Path = tuple[str, ...]


class _Differ:
    """Confluent's protobuf walk over two parsed files."""

    def __init__(self, original: _Model, update: _Model) -> None:
        self.o, self.u = original, update
        self.out: list[tuple[str, _Path]] = []
        self.visited: set[tuple[str, str]] = set()

    def run(self) -> list[tuple[str, _Path]]:
        if self.o.file.package != self.u.file.package:
            self.out.append(("PACKAGE_CHANGED", ()))
        o_scope = f"{self.o.file.package}." if self.o.file.package else ""
        u_scope = f"{self.u.file.package}." if self.u.file.package else ""
        o_file, u_file = self.o.file, self.u.file
        self._types(
            (o_file.message_type, o_file.enum_type),
            (u_file.message_type, u_file.enum_type),
            (),
            o_scope,
            u_scope,
        )
        return self.out

    def _types(
        self,
        o_types: tuple[Iterable[_Msg], Iterable[_Enum]],
        u_types: tuple[Iterable[_Msg], Iterable[_Enum]],
        path: _Path,
        o_scope: str,
        u_scope: str,
    ) -> None:
        """Messages and enums declared side by side, matched by name."""
        o_msgs = [m for m in o_types[0] if not m.options.map_entry]
        u_msgs = [m for m in u_types[0] if not m.options.map_entry]
        o_index = {m.name: (i, m) for i, m in enumerate(o_msgs)}
        u_index = {m.name: (i, m) for i, m in enumerate(u_msgs)}
        for name in _union(o_index, u_index):
            where = (*path, name)
            if name not in u_index:
                self.out.append(("MESSAGE_REMOVED", where))
            elif name not in o_index:
                self.out.append(("MESSAGE_ADDED", where))
            else:
                (o_i, o_msg), (u_i, u_msg) = o_index[name], u_index[name]
                self._message(o_msg, u_msg, where, f"{o_scope}{name}", f"{u_scope}{name}")
                if o_i != u_i:
                    # Safe: message indexes in serialized data refer to the writer's schema.
                    self.out.append(("MESSAGE_MOVED", where))
        o_enums = {e.name: e for e in o_types[1]}
        u_enums = {e.name: e for e in u_types[1]}
        for name in _union(o_enums, u_enums):
            where = (*path, name)
            if name not in u_enums:
                self.out.append(("ENUM_REMOVED", where))
            elif name not in o_enums:
                self.out.append(("ENUM_ADDED", where))
            else:
                self._enum(o_enums[name], u_enums[name], where)

    def _enum(self, o_enum: _Enum, u_enum: _Enum, path: _Path) -> None:
        o_values = {v.number: v.name for v in o_enum.value}
        u_values = {v.number: v.name for v in u_enum.value}
        for number in _union(o_values, u_values):
            where = (*path, str(number))
            if number not in u_values:
                self.out.append(("ENUM_CONST_REMOVED", where))
            elif number not in o_values:
                self.out.append(("ENUM_CONST_ADDED", where))
            elif o_values[number] != u_values[number]:
                self.out.append(("ENUM_CONST_CHANGED", where))

    def _message(self, o_msg: _Msg, u_msg: _Msg, path: _Path, o_full: str, u_full: str) -> None:
        key = (o_full, u_full)
        if key not in self.visited:
            self.visited.add(key)
            self._fields(o_msg, u_msg, path)
        self._types(
            (o_msg.nested_type, o_msg.enum_type),
            (u_msg.nested_type, u_msg.enum_type),
            path,
            f"{o_full}.",
            f"{u_full}.",
        )

    def _fields(self, o_msg: _Msg, u_msg: _Msg, path: _Path) -> None:
        """Fields by number, oneofs by name, and moves between top level and oneofs."""
        o_top, o_oneof_of, o_all, o_oneofs = _layout(o_msg)
        u_top, u_oneof_of, u_all, u_oneofs = _layout(u_msg)
        # A oneof may only gather fields that were never set together before.
        for name, members in u_oneofs.items():
            from_top = [n for n in members if n in o_top]
            sources = {("top", n) for n in from_top}
            sources |= {("oneof", o_oneof_of[n]) for n in members if n in o_oneof_of}
            if len(from_top) > 1:
                self.out.append(("MULTIPLE_FIELDS_MOVED_TO_ONEOF", (*path, name)))
            elif len(sources) > 1:
                self.out.append(("FIELD_MOVED_TO_EXISTING_ONEOF", (*path, name)))
        for name in _union(o_oneofs, u_oneofs):
            where = (*path, name)
            o_members, u_members = o_oneofs.get(name), u_oneofs.get(name)
            if u_members is None:
                self.out.append(("ONEOF_REMOVED", where))
            elif o_members is None:
                self.out.append(("ONEOF_ADDED", where))
            o_members, u_members = o_members or {}, u_members or {}
            for number in _union(o_members, u_members):
                if number in o_members and number in u_members:
                    self._field(o_members[number], u_members[number], (*where, str(number)))
                elif number not in u_all:
                    self.out.append(("ONEOF_FIELD_REMOVED", (*where, str(number))))
                elif number not in o_all:
                    self.out.append(("ONEOF_FIELD_ADDED", (*where, str(number))))
        for number in _union(o_top, u_top):
            where = (*path, str(number))
            if number not in u_top:
                if number not in u_oneof_of:
                    required = o_top[number].label == _Field.LABEL_REQUIRED
                    self.out.append((f"{'REQUIRED_' if required else ''}FIELD_REMOVED", where))
            elif number not in o_top:
                if number in o_oneof_of:
                    self.out.append(("ONEOF_FIELD_MOVED_TO_TOP_LEVEL", where))
                else:
                    required = u_top[number].label == _Field.LABEL_REQUIRED
                    self.out.append((f"{'REQUIRED_' if required else ''}FIELD_ADDED", where))
            else:
                self._field(o_top[number], u_top[number], where)
        # Fields that changed oneof membership are compared where the update holds them.
        for number in sorted(set(o_all) & set(u_all)):
            o_home, u_home = o_oneof_of.get(number), u_oneof_of.get(number)
            if o_home == u_home:
                continue
            where = (*path, *((u_home,) if u_home else ()), str(number))
            self._field(o_all[number], u_all[number], where)

    def _field(self, o_field: _Field, u_field: _Field, path: _Path) -> None:
        if o_field == u_field and (o_field.type in SCALARS or o_field.type == _Field.TYPE_ENUM):
            return  # a scalar or enum field with the same name, type and label: no rule applies
        if o_field.name != u_field.name:
            self.out.append(("FIELD_NAME_CHANGED", path))
        self._compare_types(o_field, u_field, path)
        # Singular <-> repeated: fine for strings and bytes (same encoding), not for
        # numbers (packed encoding); messages are unaffected.
        repeated = (o_field.label == _Field.LABEL_REPEATED, u_field.label == _Field.LABEL_REPEATED)
        if (
            repeated[0] != repeated[1]
            and self._kind(o_field, self.o) == self._kind(u_field, self.u) == "SCALAR"
        ):
            textual = _scalar_kind(o_field) == "STRING_OR_BYTES"
            kind = "STRING_OR_BYTES" if textual else "NUMERIC"
            self.out.append((f"FIELD_{kind}_LABEL_CHANGED", path))

    def _compare_types(self, o_field: _Field, u_field: _Field, path: _Path) -> None:
        o_kind, u_kind = self._kind(o_field, self.o), self._kind(u_field, self.u)
        if o_kind != u_kind:
            self.out.append(("FIELD_KIND_CHANGED", path))
        elif o_kind == "SCALAR":
            if o_field.type != u_field.type and _scalar_kind(o_field) != _scalar_kind(u_field):
                self.out.append(("FIELD_SCALAR_KIND_CHANGED", path))
        elif o_kind == "MAP":
            o_entry = self.o.types[o_field.type_name[1:]].descriptor
            u_entry = self.u.types[u_field.type_name[1:]].descriptor
            for o_part, u_part in zip(o_entry.field, u_entry.field, strict=True):  # type: ignore[union-attr]
                self._compare_types(o_part, u_part, path)
        else:
            self._named_types(o_field.type_name[1:], u_field.type_name[1:], path)

    def _named_types(self, o_name: str, u_name: str, path: _Path) -> None:
        o_info, u_info = self.o.types.get(o_name), self.u.types.get(u_name)
        if o_info is None or u_info is None:
            if o_name != u_name:
                self.out.append(("FIELD_NAMED_TYPE_CHANGED", path))
            return
        o_local, u_local = o_info.local_name(o_name), u_info.local_name(u_name)
        if o_local != u_local:
            self.out.append(("FIELD_NAMED_TYPE_CHANGED", path))
            return
        both_local = o_info.file == _MAIN and u_info.file == _MAIN
        same_import = (
            o_info.file == u_info.file
            and o_info.file != _MAIN
            and self.o.sources.get(o_info.file) == self.u.sources.get(u_info.file)
        )
        if both_local or same_import or (o_name, u_name) in self.visited:
            return  # compared by the walk over the file, or identical by construction
        # A message from an import (or moved to/from one): compare its contents there.
        nested = _Differ(self.o, self.u)
        nested.visited = self.visited
        where = tuple(o_local.split("."))
        nested._message(o_info.descriptor, u_info.descriptor, where, o_name, u_name)  # type: ignore[arg-type]
        self.out.extend(nested.out)
        if not all(rule in COMPATIBLE_CHANGES for rule, _ in nested.out):
            self.out.append(("FIELD_NAMED_TYPE_CHANGED", path))

    @staticmethod
    def _kind(field: _Field, model: _Model) -> str:
        """Confluent's field kinds: enums count as scalars, map fields as maps."""
        if field.type in SCALARS or field.type == _Field.TYPE_ENUM:
            return "SCALAR"
        info = model.types.get(field.type_name[1:])
        return "MAP" if info is not None and info.is_map_entry else "MESSAGE"


def _scalar_kind(field: _Field) -> str:
    return _SCALAR_KIND["enum" if field.type == _Field.TYPE_ENUM else SCALARS[field.type]]


def _layout(
    message: _Msg,
) -> tuple[dict[int, _Field], dict[int, str], dict[int, _Field], dict[str, dict[int, _Field]]]:
    """Fields by number: top level, each oneof member's oneof, all, and each oneof's members.

    proto3 ``optional`` fields sit in a synthetic oneof of their own; they count
    as top-level fields, as they are in the source.
    """
    top: dict[int, _Field] = {}
    oneof_of: dict[int, str] = {}
    every: dict[int, _Field] = {}
    oneofs: dict[str, dict[int, _Field]] = {}
    for field in message.field:
        every[field.number] = field
        if field.HasField("oneof_index") and not field.proto3_optional:
            name = message.oneof_decl[field.oneof_index].name
            oneof_of[field.number] = name
            oneofs.setdefault(name, {})[field.number] = field
        else:
            top[field.number] = field
    return top, oneof_of, every, oneofs


def _union(first: Iterable[_K], second: Iterable[_K]) -> list[_K]:
    """Keys of both, first's order first (the order differences are reported in)."""
    seen = list(first)
    known = set(seen)
    return seen + [k for k in second if k not in known]


def diff(original: ParsedSchema, update: ParsedSchema) -> list[Difference]:
    """Confluent's differences from ``original`` to ``update``."""
    found = _Differ(original.native, update.native).run()  # type: ignore[arg-type]
    return differences(found)


def reader_writer(reader: ParsedSchema, writer: ParsedSchema, version: int) -> list[Message]:
    """Can consumers using ``reader`` decode what producers using ``writer`` wrote?"""
    return breaking(diff(writer, reader), version)


FORMAT: SchemaFormat = FunctionFormat(parse, canonical, normalized, diff, reader_writer)
