"""The project file: registries, spec globs, and the spec files they match."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ._document import Document, KeyPath, dotted
from ._errors import Collector, SpecError, display_path
from .model import (
    EMBEDDED_REGISTRY_NAME,
    EMBEDDED_REGISTRY_URL,
    BasicAuth,
    BearerAuth,
    LintConfig,
    LintIgnore,
    LintName,
    Location,
    OAuthClientCredentials,
    RegistryConfig,
    TlsConfig,
)

if TYPE_CHECKING:  # pydantic's models: imported only when the project file is validated
    from ._raw import LintRaw, ProjectRaw, RegistryRaw


@dataclass(frozen=True)
class Settings:
    """What the project file says, as a load uses it.

    Made from the validated file (``settings``), or kept from a previous load
    of the same bytes (``ProjectCache``, ``.reconcile/cache/settings.bin``),
    which needs neither pydantic nor its models.
    """

    registries: dict[str, RegistryConfig]
    embedded: bool  # no registry configured: the embedded one
    patterns: list[str]  # the spec globs
    listed: bool  # the file lists the globs itself (a glob matching nothing is worth a warning)
    limit: int  # the largest schema, in bytes
    max_deletes: int
    lint: LintConfig
    warnings: tuple[SpecError, ...]  # the registries' deferred problems


def settings(doc: Document, root: Path, errors: Collector) -> Settings | None:
    """The project file's settings, or None when it does not validate (errors reported)."""
    from ._raw import ProjectRaw
    from ._validate import validate

    raw = validate(ProjectRaw, doc, errors)
    if raw is None:
        return None
    known = len(errors.warnings)
    configured, embedded = registries(raw, root, doc, errors)
    return Settings(
        registries=configured,
        embedded=embedded,
        patterns=raw.specs,
        listed="specs" in raw.model_fields_set,
        limit=raw.limits.schema_bytes,
        max_deletes=raw.max_deletes,
        lint=lint_config(raw.lint, doc),
        warnings=tuple(errors.warnings[known:]),
    )


def _auth(
    raw: RegistryRaw, doc: Document, at: KeyPath, errors: Collector
) -> BasicAuth | BearerAuth | OAuthClientCredentials | None:
    auth = raw.auth
    if auth is None:
        return None
    where = dotted(at)
    if sum(kind is not None for kind in (auth.basic, auth.bearer, auth.oauth)) != 1:
        errors.error(
            doc.at((*at, "auth")), f"{where}.auth: give exactly one of basic, bearer, oauth"
        )
        return None
    if auth.oauth is not None:
        oauth = auth.oauth
        empty = [k for k in ("token_url", "client_id", "client_secret") if not getattr(oauth, k)]
        for key in empty:  # at the value: silent when a missing variable emptied it
            errors.error(doc.at((*at, "auth", "oauth", key)), f"{where}.auth.oauth.{key}: empty")
        if empty:
            return None
        return OAuthClientCredentials(
            oauth.token_url, oauth.client_id, oauth.client_secret, oauth.scope, oauth.audience
        )
    # Messages name the key, never the value: these are credentials.
    if auth.basic is not None:
        empty = [key for key in ("username", "password") if not getattr(auth.basic, key)]
        for key in empty:  # at the value: silent when a missing variable emptied it
            errors.error(doc.at((*at, "auth", "basic", key)), f"{where}.auth.basic.{key}: empty")
        return None if empty else BasicAuth(auth.basic.username, auth.basic.password)
    if not auth.bearer:
        errors.error(doc.at((*at, "auth", "bearer")), f"{where}.auth.bearer: empty token")
        return None
    return BearerAuth(auth.bearer)


def _tls(
    raw: RegistryRaw, root: Path, doc: Document, at: KeyPath, errors: Collector
) -> TlsConfig | None:
    if raw.tls is None:
        return None
    files: dict[str, Path | None] = {}
    for key in ("ca_file", "cert_file", "key_file"):
        value = getattr(raw.tls, key)
        path = None if value is None else (root / value).resolve()
        if path is not None and not path.is_file():
            errors.error(doc.at((*at, "tls", key)), f"tls.{key}: file not found: {value}")
        files[key] = path
    if files["key_file"] is not None and files["cert_file"] is None:
        errors.error(doc.at((*at, "tls", "key_file")), "tls.key_file needs tls.cert_file")
    return TlsConfig(files["ca_file"], files["cert_file"], files["key_file"], raw.tls.verify)


def _check_url(url: str, doc: Document, at: KeyPath, errors: Collector) -> None:
    """``at`` is the URL's key path (``registries.N.url`` or ``registries.N.urls.I``)."""
    # Messages never quote the URL: it may come from a secret variable.
    where = dotted(at)
    several = at[-2] == "urls"
    if url.startswith("local:") and not several:
        if url == "local:":
            errors.error(doc.at(at), f"{where}: local: needs a database path")
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        expected = "http(s)://HOST[:PORT]" + ("" if several else " or local:PATH")
        errors.error(doc.at(at), f"{where}: expected {expected}")
    elif parts.username or parts.password:
        errors.error(doc.at(at), f"{where}: put credentials in auth, not in the URL")


def _urls(raw: RegistryRaw, doc: Document, at: KeyPath, errors: Collector) -> list[str]:
    """The registry's URLs: ``url`` alone, or every one of ``urls``, each checked."""
    if raw.url is None and raw.urls is None:
        errors.error(doc.at(at), f"{dotted((*at, 'url'))}: required key is missing")
        return ["local:"]
    if raw.url is not None and raw.urls is not None:
        errors.error(doc.at((*at, "urls")), f"{dotted(at)}: url or urls, not both")
        return [raw.url]
    if raw.url is not None:
        _check_url(raw.url, doc, (*at, "url"), errors)
        return [raw.url]
    assert raw.urls is not None
    for index, url in enumerate(raw.urls):
        _check_url(url, doc, (*at, "urls", index), errors)
    return raw.urls


def _check_proxy(proxy: str | None, doc: Document, at: KeyPath, errors: Collector) -> None:
    # Not quoted either: it may carry the proxy's password.
    if proxy is None:
        return
    parts = urlsplit(proxy if "://" in proxy else "http://" + proxy)
    try:
        valid = parts.scheme == "http" and bool(parts.hostname) and (parts.port or 80) > 0
    except ValueError:  # a port that is not a number
        valid = False
    if not valid:
        errors.error(
            doc.at((*at, "proxy")),
            f"{dotted((*at, 'proxy'))}: expected http://[USER:PASSWORD@]HOST[:PORT]",
        )


def registries(
    raw: ProjectRaw, root: Path, doc: Document, errors: Collector
) -> tuple[dict[str, RegistryConfig], bool]:
    """The configured registries, or the embedded default when there are none."""
    if not raw.registries:
        embedded = RegistryConfig(EMBEDDED_REGISTRY_NAME, EMBEDDED_REGISTRY_URL)
        return {EMBEDDED_REGISTRY_NAME: embedded}, True
    result = {}
    for name, registry in raw.registries.items():
        at: KeyPath = ("registries", name)
        urls = _urls(registry, doc, at, errors)
        _check_proxy(registry.proxy, doc, at, errors)
        result[name] = RegistryConfig(
            name=name,
            url=urls[0],
            urls=tuple(urls) if registry.urls is not None else (),
            auth=_auth(registry, doc, at, errors),
            tls=_tls(registry, root, doc, at, errors),
            readonly=registry.readonly,
            allow=None if registry.allow is None else tuple(registry.allow),
            timeout=registry.timeout,
            proxy=registry.proxy,
            compatibility=registry.compatibility,
            mode=registry.mode,
            location=doc.key_at(at),
            unresolved=tuple(str(e) for e in errors.deferred.get(name, ())),
        )
        for problem in errors.deferred.get(name, ()):
            errors.warn(
                problem.location, f"{problem.message} (needed when registry {name!r} is used)"
            )
    return result, False


def spec_files(
    patterns: list[str],
    root: Path,
    project_file: Path,
    doc: Callable[[], Document | None] | None,
    errors: Collector,
) -> list[Path]:
    """Files matched by the spec globs, sorted; globs must stay inside the project.

    ``doc`` gives the project file's document when it lists the globs itself (and
    then a glob matching nothing is worth a warning), None for the default globs;
    asked for only to locate a problem (a warm load may not have parsed it).
    """

    def at(index: int) -> Location | None:
        document = doc() if doc else None
        return document.at(("specs", index)) if document else None

    found: set[Path] = set()
    for index, pattern in enumerate(patterns):
        matched = False
        pure = PurePosixPath(pattern)
        if pure.is_absolute() or ".." in pure.parts:
            errors.error(at(index), f"spec glob {pattern!r} leaves the project directory")
            continue
        for path in root.glob(pattern):
            if not path.is_file() or path == project_file:
                continue
            if not path.resolve().is_relative_to(root):
                errors.error(
                    at(index),
                    f"spec glob {pattern!r} matches {display_path(path, root)}, "
                    "which resolves outside the project directory",
                )
                continue
            found.add(path)
            matched = True
        if not matched and doc is not None:
            errors.warn(at(index), f"spec glob {pattern!r} matches no file")
    return sorted(found)


def lint_config(raw: LintRaw | None, doc: Document) -> LintConfig:
    """The ``lint:`` block, each name with its location (lint itself knows the rules)."""
    if raw is None:
        return LintConfig()
    skip = tuple(LintName(name, doc.at(("lint", "skip", i))) for i, name in enumerate(raw.skip))
    ignore = tuple(
        LintIgnore(LintName(name, doc.key_at(("lint", "ignore", name))), tuple(paths))
        for name, paths in raw.ignore.items()
    )
    return LintConfig(skip, ignore, raw.fail_on)
