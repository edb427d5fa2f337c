"""Typed errors from Confluent bodies, and credentials kept out of every error and repr."""

from __future__ import annotations

import base64
import logging
import pickle
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from reconciler.registry import (
    AuthenticationError,
    AuthorizationError,
    IncompatibleSchemaError,
    NotFoundError,
    Reference,
    RegistryClient,
    RegistryError,
    RegistryUnavailableError,
    SchemaRejectedError,
    SchemaVersion,
    ServerError,
    UnexpectedResponseError,
    UnprocessableError,
)
from reconciler.registry._auth import Redactor
from reconciler.registry._types import parse_schema_version, schema_version_fields
from reconciler.spec.model import BasicAuth, BearerAuth

from .conftest import confluent_error

Build = Callable[..., Any]

PASSWORD = "hunter2-p@ss"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.secret-token"


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (401, 40101, AuthenticationError),
        (403, 40301, AuthorizationError),
        (404, 40401, NotFoundError),
        (404, 40403, NotFoundError),
        (409, 40901, IncompatibleSchemaError),
        (422, 42201, SchemaRejectedError),
        (422, 42203, UnprocessableError),
        (500, 50001, ServerError),
        (400, 400, RegistryError),
    ],
)
async def test_error_typing_from_confluent_bodies(
    scripted: Build, status: int, code: int, cls: type[RegistryError]
) -> None:
    client, _ = scripted([confluent_error(status, code, "what went wrong")], max_retries=0)
    async with client:
        with pytest.raises(cls) as info:
            await client.get_versions("orders-value")
    error = info.value
    assert type(error) is cls
    assert (error.status, error.error_code, error.message) == (status, code, "what went wrong")
    assert error.registry == "dev (https://sr.example.com)"
    assert str(error).startswith("registry dev (https://sr.example.com): ")
    assert "GET /subjects/orders-value/versions" in str(error)


async def test_invalid_schema_is_unprocessable(scripted: Build) -> None:
    client, _ = scripted([confluent_error(422, 42201, "Invalid schema")])
    async with client:
        with pytest.raises(UnprocessableError):
            await client.register("s", "{")


async def test_non_json_error_body_falls_back_to_status_and_text(scripted: Build) -> None:
    client, _ = scripted([httpx.Response(502, text="<html>Bad gateway</html>")], max_retries=0)
    async with client:
        with pytest.raises(ServerError) as info:
            await client.get_subjects()
    assert info.value.error_code == 502
    assert info.value.message == "<html>Bad gateway</html>"


async def test_non_json_success_body(scripted: Build) -> None:
    client, _ = scripted([httpx.Response(200, text="not json")])
    async with client:
        with pytest.raises(UnexpectedResponseError):
            await client.get_subjects()


@pytest.mark.parametrize(
    "body",
    [{"subjects": []}, ["a", 1], None, "text"],
)
async def test_success_with_the_wrong_shape(scripted: Build, body: object) -> None:
    client, _ = scripted([httpx.Response(200, json=body)])
    async with client:
        with pytest.raises(UnexpectedResponseError) as info:
            await client.get_subjects()
    assert info.value.__context__ is None


async def test_wrong_shapes_of_other_answers(scripted: Build) -> None:
    client, _ = scripted(
        [
            httpx.Response(200, json={"version": 1}),
            httpx.Response(200, json={"is_compatible": "false"}),
            httpx.Response(200, json=[{"subject": "s"}]),
            httpx.Response(200, json={"id": "seven"}),
        ]
    )
    async with client:
        with pytest.raises(UnexpectedResponseError):
            await client.get_version("s", 1)
        with pytest.raises(UnexpectedResponseError):
            await client.check_compatibility("s", "{}")
        with pytest.raises(UnexpectedResponseError):
            await client.list_schemas()
        with pytest.raises(UnexpectedResponseError):
            await client.register("s", "{}")


LISTED = {"subject": "s", "version": 2, "id": 7, "schema": '{"type":"string"}'}


@pytest.mark.parametrize(
    "item",
    [
        pytest.param({k: v for k, v in LISTED.items() if k != missing}, id=f"no-{missing}")
        for missing in ("version", "id", "schema")
    ]
    + [
        pytest.param({**LISTED, "version": None}, id="version-null"),
        pytest.param({**LISTED, "id": "seven"}, id="id-text"),
        pytest.param({**LISTED, "id": [7]}, id="id-list"),
        pytest.param({**LISTED, "references": [{"name": "r"}]}, id="reference-incomplete"),
        pytest.param({**LISTED, "references": 5}, id="references-number"),
        pytest.param("s", id="not-an-object"),
    ],
)
async def test_listed_version_of_the_wrong_shape(scripted: Build, item: object) -> None:
    """The listing's quick path (fields taken as they are when their types are right)
    leaves every other body to the conversions: a missing or unreadable field is an error."""
    client, _ = scripted([httpx.Response(200, json=[LISTED, item])] * 2)
    async with client:
        with pytest.raises(UnexpectedResponseError) as info:
            await client.list_schemas()
        assert info.value.__context__ is None
        # A caller's own type of version (the snapshot's) is built from the same fields.
        with pytest.raises(UnexpectedResponseError) as info:
            await client.list_schemas_as(schema_version_fields)
        assert info.value.__context__ is None


@pytest.mark.parametrize(
    "item",
    [
        pytest.param(LISTED, id="as-sent"),
        pytest.param({**LISTED, "schemaType": "PROTOBUF", "deleted": True}, id="all-fields"),
        pytest.param({**LISTED, "schemaType": None, "metadata": None}, id="nulls"),
        pytest.param({**LISTED, "metadata": {"properties": {"a": "1"}}}, id="metadata"),
        pytest.param(
            {**LISTED, "references": [{"name": "r", "subject": "t", "version": 1}]}, id="refs"
        ),
        pytest.param({**LISTED, "version": "2"}, id="version-text"),
        pytest.param({**LISTED, "version": True}, id="version-bool"),
        pytest.param({**LISTED, "id": 7.0}, id="id-float"),
        pytest.param({**LISTED, "subject": 5}, id="subject-number"),
        pytest.param({**LISTED, "schema": 1}, id="schema-number"),
        pytest.param({**LISTED, "schemaType": 5}, id="type-number"),
        pytest.param({**LISTED, "schemaType": ""}, id="type-empty"),
        pytest.param({**LISTED, "deleted": 1}, id="deleted-number"),
    ],
)
def test_listed_version_reads_as_the_dataclass_builds_it(item: dict[str, Any]) -> None:
    """Quick path or conversions, the result is the dataclass its ``__init__`` builds
    from the converted fields: equal, same repr, attributes and pickle, frozen."""
    get = item.get
    refs = get("references")
    expected = SchemaVersion(
        str(get("subject")),
        int(item["version"]),
        int(item["id"]),
        str(item["schema"]),
        str(get("schemaType") or "AVRO"),
        tuple(Reference.from_json(r) for r in refs) if refs else (),
        get("metadata"),
        get("ruleSet"),
        bool(get("deleted", False)),
    )
    parsed = parse_schema_version(item)
    fields = schema_version_fields(item)  # what the snapshot builds its versions from
    assert fields == tuple(vars(expected).values())
    assert [type(v) for v in fields] == [type(v) for v in vars(expected).values()]
    assert parsed == expected
    assert repr(parsed) == repr(expected)
    assert vars(parsed) == vars(expected)
    assert pickle.loads(pickle.dumps(parsed)) == expected
    with pytest.raises(AttributeError):
        parsed.version = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"compatibilityLevel": "FULL"}'.encode("utf-16"), id="utf-16"),
        pytest.param(b'\xef\xbb\xbf{"compatibilityLevel": "FULL"}', id="bom"),
        pytest.param(b'{"compatibilityLevel": "FULL", "x": NaN}', id="nan"),
        pytest.param(b'{"compatibilityLevel": "FULL", "x": "\\ud800"}', id="lone-surrogate"),
    ],
)
async def test_bodies_orjson_refuses_read_as_before(scripted: Build, body: bytes) -> None:
    """Bodies are decoded by orjson, and by the standard library where orjson says no."""
    client, _ = scripted([httpx.Response(200, content=body)])
    async with client:
        assert await client.get_config() == "FULL"


async def test_lookup_and_config_not_found_are_none(scripted: Build) -> None:
    client, _ = scripted(
        [
            confluent_error(404, 40401, "Subject not found"),
            confluent_error(404, 40403, "Schema not found"),
            confluent_error(404, 40408, "not configured"),
            confluent_error(404, 40409, "not configured"),
            confluent_error(404, 40402, "Version not found"),
        ]
    )
    async with client:
        assert await client.lookup("s", "{}") is None
        assert await client.lookup("s", "{}") is None
        assert await client.get_config("s") is None
        assert await client.get_mode("s") is None
        with pytest.raises(NotFoundError):
            await client.get_version("s", 9)


@pytest.mark.parametrize(
    ("read", "answer"),
    [
        pytest.param("get_mode", confluent_error(404, 40408, "no level"), id="mode-40408"),
        pytest.param("get_config", confluent_error(404, 40409, "no mode"), id="config-40409"),
        pytest.param("get_mode", confluent_error(404, 40402, "version"), id="mode-40402"),
        pytest.param("get_mode", httpx.Response(404, text="<html>gone</html>"), id="not-json"),
        pytest.param("get_mode", httpx.Response(404, json=[40409]), id="not-an-object"),
        pytest.param(
            "get_config",
            httpx.Response(404, json={"error_code": "40408", "message": "m"}),
            id="code-as-text",
        ),
        pytest.param("get_config", confluent_error(500, 40408, "broken"), id="not-a-404"),
    ],
)
async def test_not_set_is_only_each_settings_own_404(
    scripted: Build, read: str, answer: httpx.Response
) -> None:
    """A setting read answers None for 40401 and its own "not configured" code only
    (answered as a value, without an error): any other answer is still an error."""
    client, _ = scripted([answer], max_retries=0)
    async with client:
        with pytest.raises(RegistryError) as info:
            await getattr(client, read)("s")
    assert info.value.status == answer.status_code
    assert "GET /" in str(info.value)


# -- credentials ----------------------------------------------------------------


def leaks(text: str) -> bool:
    basic = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    return any(secret in text for secret in (PASSWORD, TOKEN, basic, "hunter2"))


def everything_about(error: BaseException) -> str:
    """All the text an error can show: str, repr, traceback, chained exceptions, pickling."""
    parts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    chained: BaseException | None = error
    while chained is not None:
        parts += [str(chained), repr(chained), repr(vars(chained))]
        chained = chained.__cause__ or chained.__context__
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error)
    parts.append(repr(copy))
    return "\n".join(parts)


CREDENTIALS = [
    pytest.param({"auth": BasicAuth("alice", PASSWORD)}, id="basic"),
    pytest.param({"auth": BearerAuth(TOKEN)}, id="bearer"),
    pytest.param({"url": "https://alice:hunter2-p%40ss@sr.example.com"}, id="userinfo"),
]


def secret_of(request: httpx.Request) -> str:
    """The raw password or token the client sent."""
    scheme, _, value = request.headers["Authorization"].partition(" ")
    if scheme == "Basic":
        return base64.b64decode(value).decode().partition(":")[2]
    return value


# Responses that echo the credentials back, as a misbehaving proxy might.
ECHOES: list[Callable[[httpx.Request], httpx.Response]] = [
    lambda r: confluent_error(401, 40101, f"bad credentials {r.headers['Authorization']}"),
    lambda r: confluent_error(403, 40301, f"user cannot {r.headers['Authorization']}"),
    lambda r: confluent_error(404, 40401, f"no {r.headers['Authorization'].split()[1]}"),
    lambda r: confluent_error(409, 40901, f"incompatible {secret_of(r)}"),
    lambda r: confluent_error(422, 42201, f"invalid {secret_of(r)}"),
    lambda r: httpx.Response(500, text=f"boom {r.headers['Authorization']}"),
    lambda r: httpx.Response(200, text=f"not json {secret_of(r)}"),
]


@pytest.mark.parametrize("credentials", CREDENTIALS)
@pytest.mark.parametrize("echo", range(len(ECHOES)))
async def test_credentials_never_in_http_errors(
    scripted: Build, credentials: dict[str, Any], echo: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="reconciler.registry")
    client, script = scripted([ECHOES[echo]], max_retries=0, **credentials)
    async with client:
        with pytest.raises(RegistryError) as info:
            await client.get_subjects()
    assert script.requests[0].headers["Authorization"].split()[0] in ("Basic", "Bearer")
    assert not leaks(everything_about(info.value))
    assert not leaks(repr(client)) and not leaks(client.display)
    assert not leaks(caplog.text)


TRANSPORT_FAILURES: list[Callable[[httpx.Request], Exception]] = [
    lambda r: httpx.ConnectError(f"refused {r.url} {r.headers['Authorization']}", request=r),
    lambda r: httpx.ReadTimeout(f"timeout {r.headers['Authorization']}", request=r),
    lambda r: httpx.RemoteProtocolError(f"closed {secret_of(r)}", request=r),
    lambda r: OSError(f"unwrapped by httpcore {secret_of(r)}"),
]


def raising(make: Callable[[httpx.Request], Exception]) -> Callable[[httpx.Request], Any]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise make(request)

    return handler


@pytest.mark.parametrize("credentials", CREDENTIALS)
@pytest.mark.parametrize("failure", range(len(TRANSPORT_FAILURES)))
async def test_credentials_never_in_transport_errors(
    scripted: Build, credentials: dict[str, Any], failure: int
) -> None:
    client, _ = scripted([raising(TRANSPORT_FAILURES[failure])] * 2, max_retries=1, **credentials)
    async with client:
        with pytest.raises(RegistryUnavailableError) as info:
            await client.get_subjects()
    error = info.value
    # Nothing of httpx is reachable from the error: its request holds the header.
    assert error.__cause__ is None and error.__context__ is None
    assert not leaks(everything_about(error))
    assert str(error).startswith("registry dev (https://sr.example.com) is unreachable: ")


async def test_connection_refused_message_names_registry() -> None:
    client = RegistryClient(
        "http://alice:hunter2@127.0.0.1:9",
        name="dev",
        max_retries=0,
    )
    async with client:
        with pytest.raises(RegistryUnavailableError) as info:
            await client.get_subjects()
    assert str(info.value) == (
        "registry dev (http://127.0.0.1:9) is unreachable: connection refused (GET /subjects)"
    )
    assert not leaks(everything_about(info.value))


async def test_unresolvable_host(fake_sleep: Any) -> None:
    client = RegistryClient(
        "https://no-such-host.invalid", name="dev", max_retries=1, sleep=fake_sleep
    )
    async with client:
        with pytest.raises(RegistryUnavailableError) as info:
            await client.get_subjects()
    assert "host name could not be resolved" in str(info.value)


def test_repr_and_display_strip_userinfo() -> None:
    client = RegistryClient("https://alice:hunter2@sr.example.com:8081/sr", name="dev")
    assert client.display == "dev (https://sr.example.com:8081/sr)"
    assert repr(client) == "RegistryClient('dev (https://sr.example.com:8081/sr)', auth='basic')"
    assert not leaks(repr(vars(client)))


def test_auth_reprs_hide_secrets() -> None:
    assert PASSWORD not in repr(BasicAuth("alice", PASSWORD))
    assert TOKEN not in repr(BearerAuth(TOKEN))


def test_redactor_covers_encodings() -> None:
    redactor = Redactor(BasicAuth("alice", "p@ss word/1"))
    text = (
        "p@ss word/1 p%40ss%20word%2F1 p%40ss+word%2F1 "
        + base64.b64encode(b"alice:p@ss word/1").decode()
    )
    assert redactor.redact(text) == "*** *** *** ***"
