"""``RegistryClient.read_settings``: subjects' own settings read many at once, over the
network transport, answering as ``get_config``/``get_mode`` do, failures included."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from urllib.parse import quote, unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.registry import NotFoundError, RegistryClient, RegistryUnavailableError
from reconciler.registry._client import _segment

from .conftest import Answer, FakeSleep, Server, _response

# The request's target -> (status, JSON body), or None: close without answering.
Answerer = Callable[[str], tuple[int, object] | None]


@pytest.fixture
def serve_json(
    serve: Callable[[Answer], Awaitable[Server]],
) -> Callable[[Answerer], Awaitable[tuple[str, list[str]]]]:
    """The raw keep-alive server (conftest's ``serve``) answering each GET by its target
    with JSON; it records the targets."""

    async def start(answer: Answerer) -> tuple[str, list[str]]:
        targets: list[str] = []

        async def respond(head: bytes, body: bytes) -> bytes | None:
            target = head.split(b" ")[1].decode("ascii")
            targets.append(target)
            answered = answer(target)
            if answered is None:
                return None
            status, data = answered
            return _response(json.dumps(data).encode(), status=f"{status} X")

        server = await serve(respond)
        return server.url, targets

    return start


def _registry(target: str) -> tuple[int, object]:
    """Modes READONLY for subjects ending in 7, levels FULL for ``a*``, else none of their own."""
    path = unquote(target.partition("?")[0])
    kind, _, subject = path.removeprefix("/prefix").strip("/").partition("/")
    if kind == "mode":
        if subject.endswith("7"):
            return 200, {"mode": "READONLY"}
        return 404, {"error_code": 40409, "message": f"Subject '{subject}' does not have mode"}
    if subject.rpartition(":")[2].startswith("a"):  # the name, after its context
        return 200, {"compatibilityLevel": "FULL"}
    return 404, {"error_code": 40408, "message": f"Subject '{subject}' has no level"}


WANTED = [
    *((f"{c}{n}", what) for c in "ab" for n in range(20) for what in ("compatibility", "mode")),
    (":.ctx:a 7", "mode"),  # quoted in the path
    (":.ctx:a 7", "compatibility"),
]


async def test_answers_as_get_config_and_get_mode(serve_json: Callable[..., Awaitable]) -> None:
    url, targets = await serve_json(_registry)
    async with RegistryClient(f"{url}/prefix?api_key=k", max_concurrency=4) as client:
        values = await client.read_settings(WANTED)
        assert client.requests_made == len(WANTED)
        one_by_one = [
            await (client.get_config if what == "compatibility" else client.get_mode)(subject)
            for subject, what in WANTED
        ]
    assert values == one_by_one
    assert values[:4] == ["FULL", None, "FULL", None]
    assert values[-2:] == ["READONLY", "FULL"]
    # The same requests, the same targets: the URL's path and query, the subject quoted.
    assert targets[: len(WANTED)].count("/prefix/mode/%3A.ctx%3Aa%207?api_key=k") == 1
    assert sorted(targets[: len(WANTED)]) == sorted(targets[len(WANTED) :])


async def test_a_failed_first_attempt_is_retried(serve_json: Callable[..., Awaitable]) -> None:
    failed: set[str] = set()

    def flaky(target: str) -> tuple[int, object] | None:
        if target not in failed:  # each read's first attempt: a 503, or no answer at all
            failed.add(target)
            if target.endswith("7"):
                return None
            return 503, {"error_code": 50003, "message": "busy"}
        return _registry(target)

    url, targets = await serve_json(flaky)
    sleep = FakeSleep()
    async with RegistryClient(url, max_concurrency=4, sleep=sleep) as client:
        values = await client.read_settings(WANTED[:40])
        assert client.requests_made == 80
    assert values == [_value(subject, what) for subject, what in WANTED[:40]]
    assert len(sleep.delays) == 40  # one backoff per read, as the retry loop waits
    assert len(targets) == 80


def _value(subject: str, what: str) -> str | None:
    if what == "mode":
        return "READONLY" if subject.endswith("7") else None
    return "FULL" if subject.startswith("a") else None


async def test_other_answers_are_the_retry_loops_errors(
    serve_json: Callable[..., Awaitable],
) -> None:
    def gone(target: str) -> tuple[int, object]:
        return 404, {"error_code": 40403, "message": "Schema not found"}

    url, _ = await serve_json(gone)
    async with RegistryClient(url, max_retries=1, sleep=FakeSleep()) as client:
        with pytest.raises(NotFoundError) as read:
            await client.read_settings([("s", "mode")])
        with pytest.raises(NotFoundError) as got:
            await client.get_mode("s")
    assert str(read.value) == str(got.value)
    assert "GET /mode/s" in str(read.value)


async def test_failover_to_the_next_url(serve_json: Callable[..., Awaitable]) -> None:
    url, targets = await serve_json(_registry)
    down, _ = await serve_json(lambda target: None)  # accepts, then closes without answering
    async with RegistryClient([down, url], max_concurrency=2, sleep=FakeSleep()) as client:
        values = await client.read_settings(WANTED[:10])
        assert client.answered == (url,)
    assert values == [_value(subject, what) for subject, what in WANTED[:10]]
    assert len(targets) == 10


async def test_unreachable() -> None:
    async with RegistryClient("http://127.0.0.1:9", max_retries=1, sleep=FakeSleep()) as client:
        with pytest.raises(RegistryUnavailableError) as read:
            await client.read_settings([("s", "compatibility")])
        with pytest.raises(RegistryUnavailableError) as got:
            await client.get_config("s")
    assert str(read.value) == str(got.value)


@given(st.one_of(st.text(), st.integers(min_value=0)))
def test_a_path_segment_is_quoted_as_quote_does(value: str | int) -> None:
    """``_segment`` skips ``quote`` for names it would leave as they are: the same text."""
    assert _segment(value) == quote(str(value), safe="")
