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

import base64
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit, urlunsplit

from reconciler.spec.model import BasicAuth, BearerAuth

REDACTED = "***"

Auth = BasicAuth | BearerAuth


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
        if raw:
            # As written, and as it would appear percent-encoded in an echoed URL.
            secrets.update({raw, quote(raw, safe=""), quote_plus(raw)})
        # Longest first, so that a secret containing another is replaced whole.
        self._secrets = sorted(secrets, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text
