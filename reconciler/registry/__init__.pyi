"""The names of the door in __init__.py, for lazy_loader and type checkers."""

from ._client import Listing, RegistryClient, add_request_observer
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
from ._prefetch import ReadAhead
from ._types import (
    CompatibilityVerdict,
    Reference,
    SchemaById,
    SchemaVersion,
    SubjectVersion,
    schema_version_fields,
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
    "Listing",
    "NotFoundError",
    "OAuthClientCredentials",
    "RateLimitedError",
    "ReadAhead",
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
    "schema_version_fields",
]
