"""Retries: what is retried, how long the client waits, and what a retry's answer means."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from reconciler.registry import (
    NotFoundError,
    RateLimitedError,
    RegistryUnavailableError,
    ServerError,
    UnprocessableError,
)
from reconciler.registry._retry import Backoff, parse_retry_after

from .conftest import FakeSleep, confluent_error

Build = Callable[..., Any]
AVRO = '{"type": "string"}'


def ok(body: object) -> httpx.Response:
    return httpx.Response(200, json=body)


async def test_503_is_retried_until_success(scripted: Build, fake_sleep: FakeSleep) -> None:
    client, script = scripted(
        [confluent_error(503, 50003, "forwarding failed")] * 2 + [ok(["a", "b"])]
    )
    async with client:
        assert await client.get_subjects() == ["a", "b"]
    assert len(script.requests) == 3
    assert client.requests_made == 3
    assert len(fake_sleep.delays) == 2
    # Equal jitter around 0.25 s, then 0.5 s: at least half of each, at most all.
    assert 0.125 <= fake_sleep.delays[0] <= 0.25
    assert 0.25 <= fake_sleep.delays[1] <= 0.5


async def test_429_honours_retry_after_seconds(scripted: Build, fake_sleep: FakeSleep) -> None:
    client, script = scripted(
        [
            confluent_error(429, 429, "slow down", **{"Retry-After": "7"}),
            confluent_error(429, 429, "slow down", **{"Retry-After": "3"}),
            ok({"compatibilityLevel": "FULL"}),
        ]
    )
    async with client:
        assert await client.get_config() == "FULL"
    assert len(script.requests) == 3
    assert fake_sleep.delays == [7.0, 3.0]


async def test_retry_after_http_date_is_honoured_and_capped(
    scripted: Build, fake_sleep: FakeSleep
) -> None:
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    much_later = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    client, _ = scripted(
        [
            httpx.Response(503, headers={"Retry-After": soon}),
            httpx.Response(503, headers={"Retry-After": much_later}),
            ok([]),
        ],
        max_retry_delay=60.0,
    )
    async with client:
        await client.get_subjects()
    assert 15.0 <= fake_sleep.delays[0] <= 20.0
    assert fake_sleep.delays[1] == 60.0


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("5", lambda: now) == 5.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", lambda: now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", lambda: now) == 0.0
    assert parse_retry_after("soon", lambda: now) is None
    assert parse_retry_after(None) is None


def test_backoff_grows_and_is_capped() -> None:
    backoff = Backoff(base=1.0, cap=4.0)
    assert [backoff.delay(1, None) <= 1.0, backoff.delay(10, None) <= 4.0] == [True, True]
    assert backoff.delay(10, None) >= 2.0
    assert backoff.delay(1, 100.0) == 4.0


async def test_retries_are_bounded(scripted: Build, fake_sleep: FakeSleep) -> None:
    client, script = scripted([httpx.Response(503)] * 3, max_retries=2)
    async with client:
        with pytest.raises(ServerError) as info:
            await client.get_subjects()
    assert len(script.requests) == 3
    assert info.value.status == 503
    assert "registry dev (https://sr.example.com)" in str(info.value)


async def test_429_exhausted_is_rate_limited_error(scripted: Build) -> None:
    client, _ = scripted([confluent_error(429, 42900, "rate limited")] * 2, max_retries=1)
    async with client:
        with pytest.raises(RateLimitedError):
            await client.get_subjects()


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 501])
async def test_client_errors_are_not_retried(scripted: Build, status: int) -> None:
    client, script = scripted([confluent_error(status, status * 100 + 1, "no")])
    async with client:
        with pytest.raises(Exception):  # noqa: B017 - the type is covered in test_errors
            await client.get_subjects()
    assert len(script.requests) == 1


async def test_connection_errors_are_retried(scripted: Build) -> None:
    client, script = scripted([httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), ok([])])
    async with client:
        assert await client.get_subjects() == []
    assert len(script.requests) == 3


async def test_register_is_retried_and_returns_the_same_id(scripted: Build) -> None:
    """Registering a schema the subject already has returns its id: a repeat is harmless."""
    client, script = scripted([httpx.Response(500), httpx.ReadError("reset"), ok({"id": 7})])
    async with client:
        assert await client.register("orders-value", AVRO) == 7
    assert len(script.requests) == 3
    assert {r.content for r in script.requests} == {script.requests[0].content}


async def test_lookup_and_compatibility_are_retried(scripted: Build) -> None:
    client, script = scripted(
        [
            httpx.Response(502),
            ok({"subject": "s", "version": 1, "id": 3, "schema": AVRO}),
            httpx.Response(504),
            ok({"is_compatible": False, "messages": ["field x removed"]}),
        ]
    )
    async with client:
        found = await client.lookup("s", AVRO)
        verdict = await client.check_compatibility("s", AVRO)
    assert found is not None and found.id == 3
    assert verdict.compatible is False and verdict.messages == ["field x removed"]
    assert len(script.requests) == 4


async def test_set_config_and_mode_are_retried(scripted: Build) -> None:
    client, script = scripted(
        [
            httpx.Response(503),
            ok({"compatibility": "NONE"}),
            httpx.Response(503),
            ok({"mode": "IMPORT"}),
        ]
    )
    async with client:
        assert await client.set_config("NONE", "s") == "NONE"
        assert await client.set_mode("IMPORT", "s", force=True) == "IMPORT"
    assert [r.method for r in script.requests] == ["PUT"] * 4
    assert script.requests[-1].url.params["force"] == "true"


# -- requests that must not run twice ------------------------------------------


async def test_delete_latest_version_is_not_retried_after_a_5xx(scripted: Build) -> None:
    """DELETE .../versions/latest twice would delete two versions."""
    client, script = scripted([httpx.Response(503), ok(3)])
    async with client:
        with pytest.raises(ServerError):
            await client.delete_version("s", "latest")
    assert len(script.requests) == 1


async def test_delete_latest_version_is_not_retried_after_a_read_timeout(scripted: Build) -> None:
    client, script = scripted([httpx.ReadTimeout("slow"), ok(3)])
    async with client:
        with pytest.raises(RegistryUnavailableError):
            await client.delete_version("s", "latest")
    assert len(script.requests) == 1


async def test_delete_latest_version_is_retried_when_surely_not_sent(scripted: Build) -> None:
    """A refused connection or a 429 never reached the registry's logic: safe to repeat."""
    client, script = scripted(
        [httpx.ConnectError("refused"), confluent_error(429, 429, "slow"), ok(3)]
    )
    async with client:
        assert await client.delete_version("s", "latest") == 3
    assert len(script.requests) == 3


# -- a retry's answer that shows the earlier attempt did the work -------------------


async def test_soft_delete_subject_40404_on_retry_is_success(scripted: Build) -> None:
    client, script = scripted(
        [
            httpx.Response(503),  # the delete may have been applied...
            confluent_error(404, 40404, "Subject 's' was soft deleted."),  # ...it was
            ok([1, 2, 3]),  # the versions, read back with deleted=true
        ]
    )
    async with client:
        assert await client.delete_subject("s") == [1, 2, 3]
    assert [r.method for r in script.requests] == ["DELETE", "DELETE", "GET"]
    assert script.requests[2].url.params["deleted"] == "true"


async def test_soft_delete_subject_40404_on_first_attempt_is_an_error(scripted: Build) -> None:
    client, script = scripted([confluent_error(404, 40404, "Subject 's' was soft deleted.")])
    async with client:
        with pytest.raises(NotFoundError) as info:
            await client.delete_subject("s")
    assert info.value.error_code == 40404
    assert len(script.requests) == 1


async def test_40404_after_a_429_is_an_error(scripted: Build) -> None:
    """A 429 was not applied, so a 40404 on the retry means someone else deleted it first."""
    client, _ = scripted(
        [confluent_error(429, 429, "slow"), confluent_error(404, 40404, "soft deleted")]
    )
    async with client:
        with pytest.raises(NotFoundError):
            await client.delete_subject("s")


async def test_hard_delete_subject_40401_on_retry_is_success(scripted: Build) -> None:
    client, script = scripted(
        [httpx.ReadTimeout("slow"), confluent_error(404, 40401, "Subject 's' not found.")]
    )
    async with client:
        assert await client.delete_subject("s", permanent=True) == []
    assert script.requests[0].url.params["permanent"] == "true"
    assert len(script.requests) == 2


async def test_delete_version_40406_on_retry_is_success(scripted: Build) -> None:
    client, _ = scripted([httpx.Response(500), confluent_error(404, 40406, "soft deleted")])
    async with client:
        assert await client.delete_version("s", 2) == 2


async def test_delete_config_and_mode_on_retry(scripted: Build) -> None:
    client, _ = scripted(
        [
            httpx.Response(500),
            confluent_error(404, 40408, "no subject-level compatibility"),
            httpx.Response(500),
            confluent_error(404, 40409, "no subject-level mode"),
            ok({"mode": "READONLY"}),
        ]
    )
    async with client:
        assert await client.delete_config("s") is None
        assert await client.delete_mode("s") is None
        assert await client.delete_mode("t") == "READONLY"


async def test_pinned_register_refused_on_retry_is_verified(scripted: Build) -> None:
    """Under IMPORT, a repeat of an applied registration with an explicit id may be refused.

    The client then looks the schema up: same id and version means the earlier
    attempt registered it.
    """
    client, script = scripted(
        [
            httpx.Response(503),
            confluent_error(422, 42207, "id does not match"),
            ok({"subject": "s", "version": 4, "id": 101, "schema": AVRO}),
        ]
    )
    async with client:
        assert await client.register("s", AVRO, id=101, version=4) == 101
    assert [r.url.path for r in script.requests] == [
        "/subjects/s/versions",
        "/subjects/s/versions",
        "/subjects/s",
    ]


async def test_the_verification_lookup_carries_the_registrations_contract(
    scripted: Build,
) -> None:
    """Another version may hold the same schema with another contract: not a match."""
    client, script = scripted(
        [
            httpx.Response(503),
            confluent_error(422, 42207, "id does not match"),
            ok({"subject": "s", "version": 4, "id": 101, "schema": AVRO}),
        ]
    )
    metadata = {"properties": {"owner": "team-a"}}
    async with client:
        assert await client.register("s", AVRO, id=101, version=4, metadata=metadata) == 101
    lookup = json.loads(script.requests[-1].content)
    assert (script.requests[-1].url.path, lookup["metadata"]) == ("/subjects/s", metadata)
    assert "ruleSet" not in lookup


async def test_pinned_register_refused_on_retry_with_other_id_raises(scripted: Build) -> None:
    client, _ = scripted(
        [
            httpx.Response(503),
            confluent_error(422, 42207, "id does not match"),
            ok({"subject": "s", "version": 4, "id": 55, "schema": AVRO}),
        ]
    )
    async with client:
        with pytest.raises(UnprocessableError) as info:
            await client.register("s", AVRO, id=101, version=4)
    assert info.value.error_code == 42207


async def test_attempts_are_logged_at_debug(
    scripted: Build, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="reconciler.registry")
    client, _ = scripted([httpx.Response(503), httpx.ConnectError("refused"), ok([])])
    async with client:
        await client.get_subjects(prefix=":.ctx:")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.DEBUG, "GET /subjects -> 503 (attempt 1)"),
        (logging.DEBUG, "GET /subjects -> cannot connect (attempt 2)"),
        (logging.DEBUG, "GET /subjects -> 200 (attempt 3)"),
    ]


# -- misbehaving listings ---------------------------------------------------------------


def schemas(*keys: tuple[str, int]) -> list[dict[str, object]]:
    return [{"subject": s, "version": v, "id": i, "schema": AVRO} for i, (s, v) in enumerate(keys)]


async def test_list_schemas_when_the_registry_ignores_limit(scripted: Build) -> None:
    client, script = scripted([ok(schemas(("a", 1), ("a", 2), ("b", 1)))])
    async with client:
        listed = await client.list_schemas(page_size=2)
    assert [(s.subject, s.version) for s in listed] == [("a", 1), ("a", 2), ("b", 1)]
    assert len(script.requests) == 1


async def test_list_schemas_when_the_registry_ignores_offset(scripted: Build) -> None:
    """The same full page twice: the second adds nothing, so the listing ends."""
    page = schemas(("a", 1), ("a", 2))
    client, script = scripted([ok(page), ok(page)])
    async with client:
        listed = await client.list_schemas(page_size=2)
    assert len(listed) == 2
    assert [r.url.params["offset"] for r in script.requests] == ["0", "2"]
