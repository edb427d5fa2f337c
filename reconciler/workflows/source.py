"""Which registry a workflow talks to: a name from the project file, or a bare URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from reconciler.spec.model import EMBEDDED_REGISTRY_NAME, EMBEDDED_REGISTRY_URL, RegistryConfig

URL_SCHEMES = ("http://", "https://", "local:")


def is_url(value: str) -> bool:
    return value.startswith(URL_SCHEMES)


def without_userinfo(url: str) -> str:
    """The URL with any ``user:password@`` removed (never written to a file)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


@dataclass(frozen=True)
class Source:
    """A registry to read or write, and how a project file would name it."""

    config: RegistryConfig
    base_dir: Path  # what relative paths in ``entry`` are relative to
    entry: dict[str, Any]  # its project-file entry as written: ${VAR}s kept, no secret

    @property
    def name(self) -> str:
        return self.config.name


def from_url(url: str, name: str, base_dir: Path) -> Source:
    """A bare registry URL; credentials in it are used but never written anywhere."""
    return Source(RegistryConfig(name=name, url=url), base_dir, {"url": without_userinfo(url)})


def raw_entry(project_file: Path | None, name: str) -> dict[str, Any]:
    """A registry's entry in the project file as written (before ``${VAR}`` interpolation)."""
    if project_file is None or not project_file.is_file():
        return {"url": EMBEDDED_REGISTRY_URL}
    doc = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
    registries = doc.get("registries") or {}
    if name == EMBEDDED_REGISTRY_NAME and not registries:
        return {"url": EMBEDDED_REGISTRY_URL}
    return dict(registries.get(name) or {})


def from_project(
    registries: dict[str, RegistryConfig], root: Path, project_file: Path | None, name: str | None
) -> Source:
    """A registry of a loaded project; ``name`` may be left out when there is only one."""
    if name is None:
        if len(registries) != 1:
            raise KeyError(
                f"the project names {len(registries)} registries "
                f"({', '.join(registries) or 'none'}); choose one with --registry"
            )
        name = next(iter(registries))
    if name not in registries:
        raise KeyError(
            f"unknown registry {name}; the project file names {', '.join(registries) or 'none'}"
        )
    return Source(registries[name], root, raw_entry(project_file, name))
