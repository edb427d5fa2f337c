"""Credentials: the Authorization header, and the redaction that keeps secrets out of output.

Credentials reach the wire only through the ``Authorization`` header, built
here once, or, for gateways that take a key there (``?api_key=${KEY}``), the
URL's query string, sent with every request. URLs are stripped of userinfo
(``https://user:pass@host``) and of their query string before anything else
sees them; userinfo becomes basic auth when no other auth is configured.
Every text that leaves the client (error messages, transport failure reasons)
goes through ``Redactor.redact``.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit, urlunsplit

from ._config import Auth, BasicAuth, BearerAuth, OAuthClientCredentials

REDACTED = "***"


@dataclass(frozen=True)
class SplitUrl:
    """A registry URL without its userinfo, and the credentials the userinfo carried."""

    url: str
    auth: BasicAuth | None


def split_userinfo(url: str) -> SplitUrl:
    """Remove ``user:pass@`` from an http(s) URL; return the clean URL and the credentials."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return SplitUrl(url, None)
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    return SplitUrl(clean, BasicAuth(unquote(user), unquote(password)))


# Query values shorter than this are not taken for secrets: masking "1" or "v2"
# everywhere would garble every message, and no credential is that short.
MIN_QUERY_SECRET = 6


def split_query(url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A URL without its query string, and the query's parameters (their values are
    treated as secrets: ``Redactor`` masks them)."""
    parts = urlsplit(url)
    if not parts.query:
        return url, ()
    clean = urlunsplit((parts.scheme, parts.netloc, parts.path, "", parts.fragment))
    return clean, tuple(parse_qsl(parts.query, keep_blank_values=True))


def query_secrets(query: tuple[tuple[str, str], ...]) -> list[str]:
    return [value for _, value in query if len(value) >= MIN_QUERY_SECRET]


def authorization_header(auth: Auth | None) -> str | None:
    if isinstance(auth, BasicAuth):
        raw = f"{auth.username}:{auth.password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")
    if isinstance(auth, BearerAuth):
        return f"Bearer {auth.token}"
    return None


def auth_kind(auth: Auth | None) -> str:
    if isinstance(auth, OAuthClientCredentials):
        return "oauth"
    if isinstance(auth, BasicAuth):
        return "basic"
    if isinstance(auth, BearerAuth):
        return "bearer"
    return "none"


class Redactor:
    """Replaces every known secret (and its encodings) in a text with ``***``."""

    def __init__(self, auth: Auth | None, *extra: str) -> None:
        secrets: set[str] = set()
        for secret in filter(None, extra):
            secrets.update({secret, quote(secret, safe=""), quote_plus(secret)})
        header = authorization_header(auth)
        if header:
            secrets.add(header.split(" ", 1)[1])
        raw = ""
        if isinstance(auth, BasicAuth):
            raw = auth.password
        elif isinstance(auth, BearerAuth):
            raw = auth.token
        elif isinstance(auth, OAuthClientCredentials):
            raw = auth.client_secret
        if raw:
            # As written, and as it would appear percent-encoded in an echoed URL.
            secrets.update({raw, quote(raw, safe=""), quote_plus(raw)})
        # Longest first, so that a secret containing another is replaced whole.
        self._secrets = sorted(secrets, key=len, reverse=True)

    def add(self, secret: str) -> None:
        """Mask ``secret`` too from now on (an access token fetched later)."""
        if secret and secret not in self._secrets:
            self._secrets = sorted({*self._secrets, secret}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


class ClientCredentials:
    """OAuth 2.0 client credentials (RFC 6749 4.4) through authlib's httpx client.

    The access token is fetched on first use, kept, and fetched again
    ``REFRESH_MARGIN`` seconds before it expires, or once when the registry
    answers 401 (``header(refresh=True)``). Each token is added to the
    ``Redactor``, as the client secret already is. The token URL is reached
    through the registry's own ``proxy`` when it has one (behind a corporate
    proxy the token endpoint is no nearer than the registry), else through the
    environment's, as httpx reads it.
    """

    REFRESH_MARGIN = 30

    def __init__(
        self,
        config: OAuthClientCredentials,
        redactor: Redactor,
        timeout: float,
        proxy: str | None = None,
    ) -> None:
        from authlib.integrations.httpx_client import AsyncOAuth2Client

        self._config = config
        self._redactor = redactor
        self._client = AsyncOAuth2Client(
            config.client_id,
            config.client_secret,
            scope=config.scope,
            token_endpoint=config.token_url,
            timeout=timeout,
            proxy=proxy,
        )
        self._token: Any = None
        self._lock = asyncio.Lock()
        self.fetched = 0  # tokens fetched so far

    async def header(self, refresh: bool = False) -> str:
        """``Bearer <token>``; raises ``TokenError`` (redacted) when none can be had."""
        async with self._lock:
            if refresh or self._token is None or self._token.is_expired(self.REFRESH_MARGIN):
                extra = {"audience": self._config.audience} if self._config.audience else {}
                try:
                    self._token = await self._client.fetch_token(
                        self._config.token_url, grant_type="client_credentials", **extra
                    )
                except Exception as exc:
                    reason = self._redactor.redact(f"{type(exc).__name__}: {exc}")
                    raise TokenError(f"no access token from the token URL ({reason})") from None
                self.fetched += 1
                self._redactor.add(str(self._token["access_token"]))
        return f"Bearer {self._token['access_token']}"

    async def aclose(self) -> None:
        await self._client.aclose()


class TokenError(Exception):
    """The token endpoint gave no access token (the message is redacted)."""
