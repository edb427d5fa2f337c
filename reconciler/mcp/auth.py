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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken, TokenVerifier, principal_components
from mcp.server.mcpserver.exceptions import ToolError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reconciler.engine import Delete, DeleteMode, Plan, Register, SetMode
from reconciler.engine import Scope as Level

if TYPE_CHECKING:
    import jwt

READ = "read"  # list, get, check, validate, plan, drift, export, resources, prompts
WRITE = "write"  # apply, migrate
ADMIN = "admin"  # apply, besides write, of a plan that deletes, pins ids or changes a
# context's or the global mode; it implies nothing else
SCOPES = (READ, WRITE, ADMIN)
# The scope each tool needs (READ for any other); checked by the tool itself and,
# earlier, by BearerGate, which answers 403 before the call reaches the tool.
TOOL_SCOPES = {"apply": WRITE, "migrate": WRITE}

# Asymmetric algorithms only: a shared-secret (HS*) or "none" token is never accepted.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]


@dataclass(frozen=True)
class Access:
    """Scope checks; ``enforced`` is False over stdio and on a ``--no-auth`` loopback server."""

    enforced: bool

    def require_for(self, plan: Plan) -> None:
        """Raise a ToolError if applying ``plan`` needs ``admin`` and the token lacks it."""
        reasons = admin_reasons(plan) if self.enforced else []
        if reasons:
            self.require(ADMIN, because=f" ({'; '.join(dict.fromkeys(reasons))})")

    def require(self, scope: str, error: type[Exception] = ToolError, because: str = "") -> None:
        """Raise ``error`` unless the caller's token grants ``scope`` (when enforced)."""
        if not self.enforced:
            return
        token = get_access_token()
        granted = token.scopes if token is not None else []
        if scope not in granted:
            raise error(
                f"this needs the '{scope}' scope{because}; the access token grants "
                f"{', '.join(repr(s) for s in granted) or 'none'}"
            )


def admin_reasons(plan: Plan) -> list[str]:
    """Why applying ``plan`` needs the ``admin`` scope (nothing: ``write`` is enough)."""
    reasons: list[str] = []
    for action in plan.actions:
        if action.restore:
            continue  # undoes a temporary switch of the same plan or of an interrupted one
        if isinstance(action, Delete):
            reasons.append(f"it deletes ({action.kind.value} {action.label})")
        elif isinstance(action, Register) and action.registration.id is not None:
            reasons.append(f"it registers a pinned id ({action.label})")
        elif isinstance(action, SetMode) and action.after == "IMPORT":
            reasons.append(f"it sets IMPORT mode ({action.label})")
        elif isinstance(action, SetMode | DeleteMode) and action.scope is not Level.SUBJECT:
            reasons.append(f"it changes the mode of {action.label}")
    return reasons


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


class IntrospectionVerifier:
    """Opaque access tokens, checked by the authorization server (RFC 7662 introspection).

    For servers that do not issue JWTs (GitHub's OAuth apps, many gateways). Each
    token is POSTed to ``url`` with this resource server's client credentials; an
    ``active`` answer is accepted when its ``exp`` has not passed and, if it says,
    its ``iss`` is the issuer and its ``aud`` contains the audience. The token's
    scopes are mapped to ours by ``scope_map`` (``repo`` -> ``read write``); one
    absent from the map grants nothing. Answers are cached until the token's
    expiry, at most ``CACHE_SECONDS``.
    """

    CACHE_SECONDS = 60.0

    def __init__(
        self,
        issuer: str,
        audience: str,
        url: str,
        client_id: str,
        client_secret: str,
        scope_map: dict[str, list[str]],
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.url = url
        self.scope_map = scope_map
        self._http = httpx.AsyncClient(auth=(client_id, client_secret), timeout=10)
        self._cache: dict[str, tuple[float, AccessToken | None]] = {}

    async def keys_ready(self) -> str | None:
        """Ready when the introspection endpoint answers (an unknown token is inactive)."""
        try:
            answer = await self._http.post(self.url, data={"token": "readiness-probe"})
        except Exception as exc:
            return f"the introspection endpoint does not answer: {type(exc).__name__}"
        return None if answer.status_code == 200 else f"introspection: HTTP {answer.status_code}"

    def _scopes(self, granted: str) -> list[str]:
        mapped = [ours for theirs in granted.split() for ours in self.scope_map.get(theirs, [])]
        return list(dict.fromkeys(mapped))

    async def verify_token(self, token: str) -> AccessToken | None:
        now = time.time()
        cached = self._cache.get(token)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            answer = await self._http.post(self.url, data={"token": token})
            info = answer.json() if answer.status_code == 200 else {}
        except Exception:
            info = {}  # unreachable or not JSON: the token is not accepted
        access = self._access(token, info if isinstance(info, dict) else {}, now)
        until = now + self.CACHE_SECONDS
        if access is not None and access.expires_at is not None:
            until = min(until, access.expires_at)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[token] = (until, access)
        return access

    def _access(self, token: str, info: dict[str, Any], now: float) -> AccessToken | None:
        if info.get("active") is not True:
            return None
        exp = info.get("exp")
        if isinstance(exp, int | float) and exp <= now:
            return None
        if "iss" in info and info["iss"] != self.issuer:
            return None
        audience = info.get("aud")
        if audience is not None:
            audiences = audience if isinstance(audience, list) else [audience]
            if self.audience not in audiences:
                return None
        subject = info.get("sub") or info.get("username")
        return AccessToken(
            token=token,
            client_id=str(info.get("client_id") or subject or ""),
            scopes=self._scopes(str(info.get("scope", ""))),
            expires_at=int(exp) if isinstance(exp, int | float) else None,
            resource=self.audience,
            subject=None if subject is None else str(subject),
            claims={"iss": self.issuer},
        )


MAX_BODY = 4 * 1024 * 1024  # the SDK's own limit on a request body


def _needed_scope(body: bytes) -> str | None:
    """The scope a JSON-RPC request (or batch) needs; None when any valid token will do."""
    try:
        data = json.loads(body)
    except ValueError:
        return None  # the SDK answers the parse error
    needed: list[str] = []
    for message in data if isinstance(data, list) else [data]:
        if not isinstance(message, dict):
            continue
        method = message.get("method")
        params = message.get("params") if isinstance(message.get("params"), dict) else {}
        if method == "tools/call":
            needed.append(TOOL_SCOPES.get(str(params.get("name")), READ))
        elif method in ("resources/read", "prompts/get"):
            needed.append(READ)
    return next((scope for scope in (WRITE, READ) if scope in needed), None)


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            kind, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if kind.lower() == "bearer" and token.strip() else None
    return None


class BearerGate:
    """In front of the SDK's app on ``/mcp``: the HTTP side of RFC 6750 and RFC 9728.

    - no token: 401 with a bare challenge (``Bearer resource_metadata=...``), no
      ``error`` (RFC 6750 3.1: the client did not try);
    - a token that does not verify: 401 ``error="invalid_token"``;
    - a token without the scope the request needs (``tools/call`` of apply: write;
      other calls, resources and prompts: read): 403 ``error="insufficient_scope",
      scope="..."``, so that a client can ask its user for more;
    - the protected resource metadata lists ``scopes_supported``.

    Needs that depend on a plan (``admin``) are known only in the tool, whose
    answer is already on its way: they are tool errors.
    """

    def __init__(
        self,
        app: ASGIApp,
        verifier: TokenVerifier,
        *,
        issuer: str,
        resource_url: str,
        metadata_url: str,
        path: str = "/mcp",
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.path = path
        self.metadata_url = metadata_url
        self.metadata_path = urlsplit(metadata_url).path
        self.metadata = {
            "resource": resource_url,
            "authorization_servers": [issuer],
            "scopes_supported": list(SCOPES),
            "bearer_methods_supported": ["header"],
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == self.metadata_path and scope["method"] in ("GET", "HEAD"):
            await _send(send, 200, self.metadata, {})
            return
        if scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        token = _bearer(scope)
        if token is None:
            await self._challenge(send, 401, None, "")
            return
        access = await self.verifier.verify_token(token)
        if access is None:
            await self._challenge(send, 401, "invalid_token", "")
            return
        read = await _read(receive)
        if read is None:
            return  # the client went away
        body, more = read
        needed = _needed_scope(body)
        if needed is not None and needed not in access.scopes:
            await self._challenge(send, 403, "insufficient_scope", needed)
            return
        await self.app(scope, _replay(body, more, receive), send)

    async def _challenge(self, send: Send, status: int, error: str | None, needed: str) -> None:
        parts = [f'resource_metadata="{self.metadata_url}"']
        body: dict[str, str] = {}
        if error is not None:
            parts.insert(0, f'error="{error}"')
            body["error"] = error
        if needed:
            parts.insert(1, f'scope="{needed}"')
            body["error_description"] = f"this request needs the '{needed}' scope"
        elif error is None:
            body["error_description"] = "an access token is required"
        await _send(send, status, body, {"www-authenticate": "Bearer " + ", ".join(parts)})


async def _send(send: Send, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
    data = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(data))]
    raw += [(k.encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


async def _read(receive: Receive) -> tuple[bytes, bool] | None:
    """The request body and whether more follows (past MAX_BODY); None if the client left."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = bool(message.get("more_body", False))
        if not more or size > MAX_BODY:
            # A truncated body does not parse (no scope is needed here); the SDK,
            # reading the rest, answers 413.
            return b"".join(chunks), more


def _replay(body: bytes, more: bool, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay
