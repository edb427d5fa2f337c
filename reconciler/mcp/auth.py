"""Who may call what: scopes per tool, and JWT bearer tokens for streamable HTTP.

Over HTTP the server is an OAuth 2.1 resource server: the SDK's bearer
middleware answers 401 without a valid token, and ``JwtVerifier`` checks a
token's signature against the issuer's keys (JWKS from a file or URL), its
issuer, audience and expiry. Each tool then asks ``Access.require`` for its
scope. Over stdio the user runs the server as themselves, and on a loopback
``--no-auth`` server whoever reaches the port is trusted: nothing is enforced.

PyJWT (with ``cryptography``) is imported only when a verifier is built, so
the stdio server works without it.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken, principal_components
from mcp.server.mcpserver.exceptions import ToolError

if TYPE_CHECKING:
    import jwt

READ = "read"  # list, get, check, validate, plan, drift, export, resources, prompts
WRITE = "write"  # apply
ADMIN = "admin"  # reserved: no tool needs it yet, and it implies nothing else
SCOPES = (READ, WRITE, ADMIN)

# Asymmetric algorithms only: a shared-secret (HS*) or "none" token is never accepted.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]


@dataclass(frozen=True)
class Access:
    """Scope checks; ``enforced`` is False over stdio and on a ``--no-auth`` loopback server."""

    enforced: bool

    def require(self, scope: str, error: type[Exception] = ToolError) -> None:
        """Raise ``error`` unless the caller's token grants ``scope`` (when enforced)."""
        if not self.enforced:
            return
        token = get_access_token()
        granted = token.scopes if token is not None else []
        if scope not in granted:
            raise error(
                f"this needs the '{scope}' scope; the access token grants "
                f"{', '.join(repr(s) for s in granted) or 'none'}"
            )


def principal() -> tuple[str, str | None, str | None] | None:
    """Who is calling over HTTP (client id, issuer, subject); None without a token."""
    token = get_access_token()
    return None if token is None else principal_components(token)


def _scopes(claims: dict[str, Any]) -> list[str]:
    """``scope`` (RFC 8693/9068: space-separated) or ``scp`` (a list, as Azure/Okta send)."""
    raw = claims.get("scope", claims.get("scp", []))
    return raw.split() if isinstance(raw, str) else [str(s) for s in raw]


class JwtVerifier:
    """Verify JWT access tokens against the issuer's keys (the SDK's ``TokenVerifier``)."""

    def __init__(self, issuer: str, audience: str, jwks: str) -> None:
        """Raise ``ValueError`` (with a message for the user) when the keys cannot be used."""
        import jwt

        if not jwt.algorithms.has_crypto:
            raise ValueError(
                "verifying JWT signatures needs PyJWT[crypto] (the cryptography package)"
            )
        self._jwt = jwt
        self.issuer = issuer
        self.audience = audience
        self._keys: jwt.PyJWKSet | None = None
        self._client: jwt.PyJWKClient | None = None
        if jwks.startswith(("https://", "http://")):
            self._client = jwt.PyJWKClient(jwks, cache_keys=True, lifespan=600)
            return
        try:
            self._keys = jwt.PyJWKSet.from_dict(json.loads(Path(jwks).read_text()))
        except (OSError, ValueError, jwt.PyJWTError) as exc:
            raise ValueError(f"--jwks {jwks}: not a usable JWKS file ({exc})") from None

    async def keys_ready(self) -> str | None:
        """None once the issuer's keys are loaded (a readiness check); else why not."""
        if self._client is None:
            return None  # read from the file at start
        try:
            await asyncio.to_thread(self._client.get_jwk_set)  # cached after the first fetch
        except self._jwt.PyJWKClientError as exc:
            return f"the issuer's keys cannot be fetched: {exc}"
        return None

    def _key(self, token: str) -> jwt.PyJWK:
        if self._client is not None:
            return self._client.get_signing_key_from_jwt(token)
        assert self._keys is not None
        kid = self._jwt.get_unverified_header(token).get("kid")
        keys = [k for k in self._keys.keys if kid is None or k.key_id == kid]
        if len(keys) != 1:
            raise self._jwt.InvalidTokenError("no single key in the JWKS matches the token's kid")
        return keys[0]

    def _verify(self, token: str) -> AccessToken | None:
        jwt = self._jwt
        try:
            key = self._key(token)
            claims = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud"]},
            )
        except (jwt.PyJWTError, ValueError):
            return None  # the middleware answers 401; the token itself is never logged
        return AccessToken(
            token=token,
            client_id=str(claims.get("client_id") or claims.get("azp") or claims.get("sub", "")),
            scopes=_scopes(claims),
            expires_at=int(claims["exp"]),
            resource=self.audience,
            subject=claims.get("sub"),
            claims={"iss": claims["iss"]},
        )

    async def verify_token(self, token: str) -> AccessToken | None:
        # Fetching a JWKS URL blocks: keep it off the event loop.
        return await asyncio.to_thread(self._verify, token)
