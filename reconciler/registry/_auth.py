"""Credentials: the Authorization header, and the redaction that keeps secrets out of output.

Credentials reach the wire only through the ``Authorization`` header, built
here once. URLs are stripped of userinfo (``https://user:pass@host``) before
anything else sees them; userinfo becomes basic auth when no other auth is
configured. Every text that leaves the client (error messages, transport
failure reasons) goes through ``Redactor.redact``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, unquote, urlsplit, urlunsplit

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
        secrets: set[str] = {s for s in extra if s}
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
