"""Async client for the Confluent Schema Registry REST API.

``RegistryClient`` speaks to Confluent Platform/Cloud, Karapace, Redpanda,
Apicurio (ccompat) and the embedded local registry (``local:PATH``). Results
are typed (``SchemaVersion``, ...), failures are ``RegistryError`` subclasses
that name the registry and never contain credentials, and requests are
retried only where repeating them is safe. See docs/registry-client.md.
"""

from ._client import RegistryClient, add_request_observer
from ._config import Auth, BasicAuth, BearerAuth, ClientConfig, OAuthClientCredentials, TlsConfig
from ._errors import (
    AuthenticationError,
    AuthorizationError,
    ErrorCode,
    IncompatibleSchemaError,
    NotFoundError,
    RateLimitedError,
    ReadOnlyRegistryError,
    RegistryConfigurationError,
    RegistryError,
    RegistryUnavailableError,
    SchemaRejectedError,
    ServerError,
    UnexpectedResponseError,
    UnprocessableError,
)
from ._types import (
    CompatibilityVerdict,
    Reference,
    SchemaById,
    SchemaVersion,
    SubjectVersion,
    frozen_instance,
)

__all__ = [
    "Auth",
    "AuthenticationError",
    "AuthorizationError",
    "BasicAuth",
    "BearerAuth",
    "ClientConfig",
    "CompatibilityVerdict",
    "ErrorCode",
    "IncompatibleSchemaError",
    "NotFoundError",
    "OAuthClientCredentials",
    "RateLimitedError",
    "ReadOnlyRegistryError",
    "Reference",
    "RegistryClient",
    "RegistryConfigurationError",
    "RegistryError",
    "RegistryUnavailableError",
    "SchemaById",
    "SchemaRejectedError",
    "SchemaVersion",
    "ServerError",
    "SubjectVersion",
    "TlsConfig",
    "UnexpectedResponseError",
    "UnprocessableError",
    "add_request_observer",
    "frozen_instance",
]
