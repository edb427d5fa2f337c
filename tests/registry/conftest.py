"""Fault injection for the registry client: scripted responses and a fake clock."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from reconciler.registry import RegistryClient

Step = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


@dataclass
class Script:
    """A transport that answers each request with the next scripted step.

    A step is a response, an exception to raise (a transport failure), or a
    function of the request. ``requests`` records what the client sent.
    """

    steps: list[Step]
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.steps:
            raise AssertionError(f"unscripted request {request.method} {request.url}")
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx.Response):
            return step
        return step(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


@dataclass
class FakeSleep:
    """Records the delays the client asked for, without waiting."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def confluent_error(status: int, code: int, message: str, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"error_code": code, "message": message}, headers=headers)


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
def scripted(fake_sleep: FakeSleep) -> Callable[..., tuple[RegistryClient, Script]]:
    """Build a client over a ``Script``; extra keyword arguments go to the client."""

    def build(
        steps: Iterable[Step], *, url: str = "https://sr.example.com", **kwargs: Any
    ) -> tuple[RegistryClient, Script]:
        script = Script(list(steps))
        kwargs.setdefault("name", "dev")
        kwargs.setdefault("sleep", fake_sleep)
        return RegistryClient(url, transport=script.transport, **kwargs), script

    return build
