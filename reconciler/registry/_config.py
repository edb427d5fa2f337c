"""What a client needs to reach a registry: credentials, TLS files, and the shape of a
registry's configuration.

These are the registry package's own types: the project file's loader
(``reconciler.spec``) builds them, and its ``RegistryConfig`` satisfies
``ClientConfig``, so this low-level package imports nothing from the layers above.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class BasicAuth:
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class BearerAuth:
    token: str = field(repr=False)


@dataclass(frozen=True)
class OAuthClientCredentials:
    """OAuth 2.0 client credentials: a token from ``token_url``, sent as a bearer token."""

    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str | None = None
    audience: str | None = None


Auth = BasicAuth | BearerAuth | OAuthClientCredentials


@dataclass(frozen=True)
class TlsConfig:
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    verify: bool = True


class ClientConfig(Protocol):
    """A configured registry, as ``RegistryClient.from_config`` reads it."""

    @property
    def name(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def auth(self) -> Auth | None: ...
    @property
    def tls(self) -> TlsConfig | None: ...
    @property
    def timeout(self) -> float: ...
    @property
    def readonly(self) -> bool: ...
    @property
    def unresolved(self) -> tuple[str, ...]:
        """One message per ``${VAR}`` left unset: the registry is unusable."""
        ...

    @property
    def is_local(self) -> bool: ...
