"""The proxy's refusal of a ``CONNECT`` tunnel, as an httpx exception.

Apart from the transport so that the transport's module imports no httpx: only a
tunnel refused, and the retry rules reading a failure, import this one.
"""

from __future__ import annotations

import httpx


class ProxyRefusedError(httpx.ProxyError):
    """The proxy answered ``CONNECT`` with something other than 2xx: no tunnel, nothing sent."""

    def __init__(self, status: int) -> None:
        super().__init__(f"the proxy refused the tunnel (HTTP {status})")
        self.status = status
