"""Typed errors of the registry client, built from Confluent error bodies.

Every error names the registry it came from (``str(error)`` starts with
``registry <display>``) and never carries credentials: the client strips them
before an error is built, and errors are raised outside of the ``except``
blocks that caught httpx exceptions, so no httpx object (whose request holds
the ``Authorization`` header) is reachable through ``__cause__`` or
``__context__``.
"""

from __future__ import annotations

from reconciler.confluent import ErrorCode
from reconciler.errors import ReconcilerError


class RegistryError(ReconcilerError):
    """A request to a registry failed.

    ``registry`` is the printable registry name (no credentials), ``status`` the
    HTTP status (``None`` when no response arrived), ``error_code`` Confluent's
    code (the status itself when the body had none), ``message`` the registry's
    message and ``request`` the ``METHOD /path`` that failed.
    """

    def __init__(
        self,
        registry: str,
        status: int | None,
        error_code: int | None,
        message: str,
        *,
        request: str | None = None,
    ) -> None:
        self.registry = registry
        self.status = status
        self.error_code = error_code
        self.message = message
        self.request = request
        # The positional arguments as ``args``: the default pickling rebuilds the error from them.
        super().__init__(registry, status, error_code, message)

    def __str__(self) -> str:
        where = f" {self.request}" if self.request else ""
        codes = []
        if self.status is not None:
            codes.append(f"HTTP {self.status}")
        if self.error_code is not None and self.error_code != self.status:
            codes.append(f"error {self.error_code}")
        suffix = f" ({', '.join(codes)})" if codes else ""
        return f"registry {self.registry}:{where} {self.message}{suffix}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(registry={self.registry!r}, status={self.status!r}, "
            f"error_code={self.error_code!r}, message={self.message!r})"
        )


class NotFoundError(RegistryError):
    """404: subject, version, schema or subject-level config/mode does not exist (404xx)."""


class IncompatibleSchemaError(RegistryError):
    """409: the schema breaks the subject's compatibility level (40901)."""


class UnprocessableError(RegistryError):
    """422: the request is well formed but refused (bad version, level, mode, ...: 422xx)."""


class SchemaRejectedError(UnprocessableError):
    """42201: the registry rejected the schema (or its type or references) as invalid.

    Not ``reconciler.compatibility.InvalidSchemaError``, which is raised offline, when
    a schema does not parse here.
    """


class AuthenticationError(RegistryError):
    """401: credentials missing or wrong."""


class AuthorizationError(RegistryError):
    """403: authenticated, but not allowed to do this."""


class RateLimitedError(RegistryError):
    """429 after the retries were spent."""


class ServerError(RegistryError):
    """5xx: the registry failed (after the retries, where the request was retried)."""


class UnexpectedResponseError(RegistryError):
    """A success status with a body that is not what the API documents."""


class RegistryUnavailableError(RegistryError):
    """No response: connection refused, DNS failure, TLS failure, timeout.

    ``str()`` reads ``registry dev (https://sr.example.com) is unreachable: <reason>``.
    """

    def __str__(self) -> str:
        where = f" ({self.request})" if self.request else ""
        return f"registry {self.registry} is unreachable: {self.message}{where}"


class ReadOnlyRegistryError(RegistryError):
    """A write to a registry marked ``readonly`` in the project file; nothing was sent."""


class RegistryConfigurationError(RegistryError):
    """The client cannot be built from its configuration (unreadable TLS files, bad URL)."""

    def __str__(self) -> str:
        return f"registry {self.registry}: {self.message}"


def error_class(status: int, error_code: int) -> type[RegistryError]:
    """The exception type for an HTTP status and Confluent error code."""
    if status == 401:
        return AuthenticationError
    if status == 403:
        return AuthorizationError
    if status == 404:
        return NotFoundError
    if status == 409:
        return IncompatibleSchemaError
    if status == 422:
        return SchemaRejectedError if error_code == ErrorCode.INVALID_SCHEMA else UnprocessableError
    if status == 429:
        return RateLimitedError
    if status >= 500:
        return ServerError
    return RegistryError
