"""Confluent error bodies: ``{"error_code": N, "message": "..."}`` with its HTTP status.

Messages follow Confluent's ``Errors`` class so that clients matching on text
(some do) see the same strings.
"""

from __future__ import annotations

from reconciler.confluent import ErrorCode


class ErrorResponse(Exception):
    """An error answered to the client as a Confluent error body.

    Not the client's ``reconciler.registry.RegistryError``: this one is what the
    local registry *answers* (status, code, message), that one what a client
    *received* from some registry.
    """

    def __init__(
        self, status: int, error_code: int, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        return {"error_code": int(self.error_code), "message": self.message}


def subject_not_found(subject: str) -> ErrorResponse:
    return ErrorResponse(404, ErrorCode.SUBJECT_NOT_FOUND, f"Subject '{subject}' not found.")


def version_not_found(version: int) -> ErrorResponse:
    return ErrorResponse(404, ErrorCode.VERSION_NOT_FOUND, f"Version {version} not found.")


def schema_not_found(schema_id: int | None = None) -> ErrorResponse:
    if schema_id is None:
        return ErrorResponse(404, ErrorCode.SCHEMA_NOT_FOUND, "Schema not found")
    return ErrorResponse(404, ErrorCode.SCHEMA_NOT_FOUND, f"Schema {schema_id} not found")


def subject_soft_deleted(subject: str) -> ErrorResponse:
    return ErrorResponse(
        404,
        ErrorCode.SUBJECT_SOFT_DELETED,
        f"Subject '{subject}' was soft deleted.Set permanent=true to delete permanently",
    )


def subject_not_soft_deleted(subject: str) -> ErrorResponse:
    return ErrorResponse(
        404,
        ErrorCode.SUBJECT_NOT_SOFT_DELETED,
        f"Subject '{subject}' was not deleted first before being permanently deleted",
    )


def version_soft_deleted(subject: str, version: int | str) -> ErrorResponse:
    return ErrorResponse(
        404,
        ErrorCode.VERSION_SOFT_DELETED,
        f"Subject '{subject}' Version {version} was soft deleted."
        "Set permanent=true to delete permanently",
    )


def version_not_soft_deleted(subject: str, version: int | str) -> ErrorResponse:
    return ErrorResponse(
        404,
        ErrorCode.VERSION_NOT_SOFT_DELETED,
        f"Subject '{subject}' Version {version} was not deleted "
        "first before being permanently deleted",
    )


def compatibility_not_configured(subject: str) -> ErrorResponse:
    return ErrorResponse(
        404,
        ErrorCode.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
        f"Subject '{subject}' does not have subject-level compatibility configured",
    )


def mode_not_configured(subject: str) -> ErrorResponse:
    return ErrorResponse(
        404,
        ErrorCode.SUBJECT_MODE_NOT_CONFIGURED,
        f"Subject '{subject}' does not have subject-level mode configured",
    )


def incompatible(subject: str, details: list[str]) -> ErrorResponse:
    """Errors.incompatibleSchemaException: 409 with error_code 40901 (Confluent 7.x
    answered error_code 409, RestIncompatibleSchemaException's default)."""
    return ErrorResponse(
        409,
        ErrorCode.INCOMPATIBLE_SCHEMA,
        "Schema being registered is incompatible with an earlier schema for subject "
        f'"{subject}", details: [{", ".join(details)}]',
    )


def invalid_schema(message: str) -> ErrorResponse:
    return ErrorResponse(422, ErrorCode.INVALID_SCHEMA, message)


def invalid_version(version: str) -> ErrorResponse:
    return ErrorResponse(
        422,
        ErrorCode.INVALID_VERSION,
        f"The specified version '{version}' is not a valid version id. "
        'Allowed values are between [1, 2^31-1] and the string "latest"',
    )


def invalid_compatibility(level: object) -> ErrorResponse:
    return ErrorResponse(
        422,
        ErrorCode.INVALID_COMPATIBILITY_LEVEL,
        "Invalid compatibility level. Valid values are none, backward, forward, full, "
        "backward_transitive, forward_transitive, and full_transitive",
    )


def invalid_mode(mode: object) -> ErrorResponse:
    return ErrorResponse(
        422,
        ErrorCode.INVALID_MODE,
        "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, and IMPORT.",
    )


def not_permitted(message: str) -> ErrorResponse:
    return ErrorResponse(422, ErrorCode.OPERATION_NOT_PERMITTED, message)


def reference_exists(subject: str, version: int) -> ErrorResponse:
    """42206: Confluent's RestReferenceExistsException around SchemaKey.toString()."""
    return ErrorResponse(
        422,
        ErrorCode.REFERENCE_EXISTS,
        "One or more references exist to the schema "
        f"{{magic=1,keytype=SCHEMA,subject={subject},version={version}}}.",
    )


def invalid_subject(subject: str) -> ErrorResponse:
    return ErrorResponse(
        422, ErrorCode.INVALID_SUBJECT, f"The specified subject '{subject}' is not a valid."
    )


def invalid_rule_set(message: str) -> ErrorResponse:
    """Confluent's RestInvalidRuleSetException (a RuleSet that fails ``validate()``)."""
    return ErrorResponse(422, ErrorCode.INVALID_RULE_SET, message)


def store_error(message: str) -> ErrorResponse:
    return ErrorResponse(500, ErrorCode.STORE_ERROR, message)


def bad_request(message: str) -> ErrorResponse:
    """Malformed JSON, or JSON of the wrong shape: rest-utils answers 400 with error_code 400."""
    return ErrorResponse(400, 400, message)


def missing_body() -> ErrorResponse:
    """A required body left out: a constraint violation, 422 with error_code 422."""
    return ErrorResponse(422, 422, "request may not be null")


def not_found() -> ErrorResponse:
    return ErrorResponse(404, 404, "HTTP 404 Not Found")


def method_not_allowed(allowed: list[str]) -> ErrorResponse:
    """405 with the ``Allow`` header, as Jersey sends it."""
    return ErrorResponse(
        405, 405, "HTTP 405 Method Not Allowed", {"Allow": ", ".join(sorted(set(allowed)))}
    )


def not_acceptable() -> ErrorResponse:
    """An ``Accept`` that none of the produced media types satisfies (Jersey's 406)."""
    return ErrorResponse(406, 406, "HTTP 406 Not Acceptable")


def unsupported_media_type() -> ErrorResponse:
    """A ``Content-Type`` no resource consumes (Jersey's 415)."""
    return ErrorResponse(415, 415, "HTTP 415 Unsupported Media Type")
