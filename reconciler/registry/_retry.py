"""When a failed request is tried again, and how long to wait first.

The rules (the reasons are in docs/registry-client.md):

- Conditions worth a retry: HTTP 429, HTTP 500/502/503/504, and transport
  failures other than TLS errors (a bad certificate does not heal in a second).
- A request whose repetition is harmless (``Safety.IDEMPOTENT``) is retried on
  all of them. A request that must not run twice (``Safety.ONCE``) is retried
  only when it certainly did not reach the registry: 429 (refused before it was
  processed) and failures to connect.
- A condition "maybe applied" the request: 5xx responses and transport failures
  after the connection was made. The client remembers it, so that the answer a
  retry gets (e.g. 40404 "already soft deleted") can be read as the success of
  the earlier attempt.
"""

from __future__ import annotations

import enum
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class Safety(enum.Enum):
    IDEMPOTENT = "idempotent"  # repeating it has the effect of doing it once
    ONCE = "once"  # repeating it could do it twice: retry only what surely was not sent


@dataclass(frozen=True)
class TransportFailure:
    """What a transport exception means for the retry loop, and how to describe it."""

    reason: str
    retryable: bool
    maybe_sent: bool


def classify_transport_error(
    exc: httpx.TransportError | OSError, timeout: float
) -> TransportFailure:
    """Describe a transport failure without quoting the exception (which may hold a URL).

    ``OSError`` covers what httpcore lets through unwrapped, such as a TLS alert
    read after the handshake (a server refusing a missing client certificate).
    """
    import httpx  # a failure's: a plan without one imports none (``_transport``)

    from ._proxy_refused import ProxyRefusedError

    chain = _exception_chain(exc)
    tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
    if tls is not None:
        if isinstance(tls, ssl.SSLCertVerificationError):
            detail = f"certificate verify failed: {tls.verify_message}"
        else:
            # ``reason`` is OpenSSL's constant, e.g. TLSV13_ALERT_CERTIFICATE_REQUIRED.
            detail = (tls.reason or "handshake failed").lower().replace("_", " ")
        return TransportFailure(f"TLS error: {detail}", retryable=False, maybe_sent=False)
    if isinstance(exc, ProxyRefusedError):
        # 407: the proxy wants other credentials, which a retry does not bring.
        return TransportFailure(
            f"the proxy refused the tunnel (HTTP {exc.status})",
            retryable=exc.status != 407,
            maybe_sent=False,
        )
    not_sent = isinstance(
        exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.ProxyError
    )
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        reason = "connection refused"
    elif any(isinstance(e, ConnectionResetError) for e in chain):
        # Also how a TLS 1.3 server that wants a client certificate says no.
        reason = "connection reset by the server"
    elif any(isinstance(e, socket.gaierror) for e in chain):
        reason = "host name could not be resolved"
    elif isinstance(exc, httpx.WriteTimeout):
        reason = f"the request could not be sent within {timeout:g}s (the server stopped reading)"
    elif isinstance(exc, httpx.ConnectTimeout):
        reason = f"connection timed out after {timeout:g}s"
    elif isinstance(exc, httpx.TimeoutException):
        reason = f"no response within {timeout:g}s"
    elif isinstance(exc, httpx.RemoteProtocolError):
        reason = "the server closed the connection or broke the HTTP protocol"
    elif isinstance(exc, httpx.UnsupportedProtocol):
        return TransportFailure("unsupported URL scheme", retryable=False, maybe_sent=False)
    elif isinstance(exc, httpx.ProxyError):
        reason = "the proxy broke the tunnel"
    elif not_sent:
        reason = "cannot connect"
    else:
        reason = f"network error ({type(exc).__name__})"
    return TransportFailure(reason, retryable=True, maybe_sent=not not_sent)


def _exception_chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def parse_retry_after(value: str | None, now: Callable[[], datetime] | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime  # an HTTP-date: rare; email is no light import

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now() if now is not None else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter, capped; a server's Retry-After wins (also capped)."""

    base: float = 0.25
    cap: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        if retry_after is not None:
            return min(retry_after, self.cap)
        exponential = min(self.cap, self.base * 2.0 ** (attempt - 1))
        # "Equal jitter": at least half the exponential delay, so that retries
        # still back off, and a random other half so that clients spread out.
        import random  # only for a retry: ~1.2 ms of every plan's start otherwise

        return exponential / 2 + random.uniform(0, exponential / 2)
