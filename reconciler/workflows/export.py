"""``export``: write what a registry holds as a loadable project.

``write_specs`` writes one spec file per context (``specs/<context>.yaml``)
and one native schema file per exported version (``schemas/<context>/...``);
``write_project_file`` adds the project file when the directory has none, so
that ``reconcile plan`` on the result works at once and shows no changes.
``bundle`` is the same content as one JSON document.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from reconciler.spec.model import ContextSpec, ReferenceSpec, SubjectSpec, VersionSpec

from .desired import spec_stem
from .files import EXTENSIONS, FileNames, readable
from .live import RegistryContents

PROJECT_FILE = "reconcile.yaml"
HEADER = "# Written by `reconcile export` from registry {registry}{context}.\n"


def _refs(refs: tuple[ReferenceSpec, ...]) -> list[dict[str, Any]]:
    return [{"name": r.name, "subject": r.subject, "version": r.version} for r in refs]


def _contract(doc: dict[str, Any], metadata: Any, rule_set: Any) -> None:
    if metadata:
        doc["metadata"] = dict(metadata)
    if rule_set:
        doc["rule_set"] = dict(rule_set)


class _SchemaWriter:
    """Writes schema files of one context and returns their path relative to the spec."""

    def __init__(self, root: Path, context: str) -> None:
        self.folder = Path("schemas") / spec_stem(context)
        self.root = root
        self.names = FileNames()

    def write(self, subject: str, schema_type: str, text: str, version: int | None) -> str:
        stem = subject if version is None else f"{subject}.v{version}"
        name = self.names.claim(stem, EXTENSIONS.get(schema_type, ".txt"))
        path = self.root / self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(readable(schema_type, text), encoding="utf-8")
        return (Path("..") / self.folder / name).as_posix()


def _version_doc(writer: _SchemaWriter, subject: SubjectSpec, v: VersionSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {"version": v.version}
    if v.type is not None:
        doc["type"] = v.type
    if v.id is not None:
        doc["id"] = v.id
    doc["schema"] = writer.write(subject.name, v.type_in(subject), v.schema, v.version)
    if v.references:
        doc["references"] = _refs(v.references)
    _contract(doc, v.metadata, v.rule_set)
    return doc


def _subject_doc(writer: _SchemaWriter, subject: SubjectSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": subject.type}
    if subject.versions is not None:
        doc["versions"] = [_version_doc(writer, subject, v) for v in subject.versions]
    elif subject.schema is not None:
        doc["schema"] = writer.write(subject.name, subject.type, subject.schema, None)
        if subject.references:
            doc["references"] = _refs(subject.references)
        _contract(doc, subject.metadata, subject.rule_set)
    if subject.compatibility:
        doc["compatibility"] = subject.compatibility
    if subject.mode:
        doc["mode"] = subject.mode
    return doc


def spec_document(spec: ContextSpec, root: Path) -> dict[str, Any]:
    """The YAML document of one spec file; writes its schema files under ``root``."""
    writer = _SchemaWriter(root, spec.context)
    doc: dict[str, Any] = {"registry": spec.registries[0], "context": spec.context}
    if spec.compatibility:
        doc["compatibility"] = spec.compatibility
    if spec.mode:
        doc["mode"] = spec.mode
    doc["subjects"] = {name: _subject_doc(writer, s) for name, s in spec.subjects.items()}
    return doc


def dump_yaml(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def write_specs(specs: tuple[ContextSpec, ...], root: Path) -> list[Path]:
    """Write every spec and its schema files; return the spec files written."""
    written = []
    for spec in specs:
        doc = spec_document(spec, root)
        where = "" if spec.context == "." else f", context {spec.context}"
        header = HEADER.format(registry=spec.registries[0], context=where)
        path = root / "specs" / f"{spec_stem(spec.context)}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + dump_yaml(doc), encoding="utf-8")
        written.append(path)
    return written


def relocate(entry: dict[str, Any], source_root: Path, out: Path) -> dict[str, Any]:
    """A project-file registry entry moved from ``source_root`` to ``out``.

    Relative paths in it (``local:PATH``, TLS files) are relative to the
    project: they are rewritten so that they still name the same files.
    """

    def moved(path: str) -> str:
        if os.path.isabs(path):
            return path
        return os.path.relpath(source_root / path, out)

    entry = dict(entry)
    url = str(entry.get("url", ""))
    if url.startswith("local:"):
        entry["url"] = "local:" + moved(url[len("local:") :])
    if isinstance(entry.get("tls"), dict):
        entry["tls"] = {
            k: moved(v) if k.endswith("_file") and isinstance(v, str) else v
            for k, v in entry["tls"].items()
        }
    return entry


def write_project_file(out: Path, registry: str, entry: dict[str, Any]) -> Path | None:
    """Write ``out/reconcile.yaml`` naming ``registry`` unless a project file is there.

    ``entry`` is the registry's entry as written in the source project file
    (``${VAR}`` references kept, so no secret is ever copied), or ``{url: ...}``.
    Return the file written, or None when one existed.
    """
    path = out / PROJECT_FILE
    if path.exists():
        return None
    doc = {"version": 1, "registries": {registry: entry}, "specs": ["specs/**/*.yaml"]}
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Written by `reconcile export`. Credentials belong in ${VAR} references.\n"
        + dump_yaml(doc),
        encoding="utf-8",
    )
    return path


def bundle(contents: RegistryContents, *, history: bool) -> dict[str, Any]:
    """Everything exported, as one JSON document (``--format bundle``)."""
    contexts = []
    for ctx in contents.contexts.values():
        subjects = []
        for subject in ctx.subjects.values():
            versions = subject.versions if history else subject.versions[-1:]
            subjects.append(
                {
                    "name": subject.name,
                    "type": subject.schema_type,
                    "compatibility": subject.compatibility,
                    "mode": subject.mode,
                    "versions": [
                        {
                            "version": v.version,
                            "id": v.id,
                            "schemaType": v.schema_type,
                            "schema": v.schema,
                            "references": [r.to_json() for r in v.references],
                            "metadata": v.metadata,
                            "ruleSet": v.rule_set,
                        }
                        for v in versions
                    ],
                }
            )
        contexts.append(
            {
                "context": ctx.context,
                "compatibility": ctx.compatibility,
                "mode": ctx.mode,
                "subjects": subjects,
            }
        )
    return {
        "format": "reconciler-bundle",
        "format_version": 1,
        "registry": contents.registry,
        "history": history,
        "contexts": contexts,
    }
