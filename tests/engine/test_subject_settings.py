"""Reading subjects' own settings: a few readers in turn, each setting once."""

from __future__ import annotations

import asyncio

import httpx

from reconciler.engine.snapshot import ContextState, read_subject_settings
from reconciler.registry import RegistryClient

SUBJECTS = [f"topic{n}-value" for n in range(200)]


def run(handler: httpx.MockTransport) -> tuple[ContextState, RegistryClient]:
    ctx = ContextState(".")
    client = RegistryClient("http://registry.test", transport=handler)
    settings = [(s, "mode") for s in SUBJECTS] + [(s, "compatibility") for s in SUBJECTS[::5]]

    async def read() -> None:
        async with client:
            await read_subject_settings(client, ctx, settings)

    asyncio.run(read())
    return ctx, client


def test_every_setting_is_read_once_in_subject_order() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        kind, subject = request.url.path.strip("/").split("/")
        if kind == "mode":
            return httpx.Response(
                200, json={"mode": "READONLY" if subject.endswith("7-value") else "READWRITE"}
            )
        return httpx.Response(200, json={"compatibilityLevel": "FULL"})

    ctx, client = run(httpx.MockTransport(answer))
    assert client.requests_made == len(SUBJECTS) + len(SUBJECTS[::5])
    assert list(ctx.subject_mode) == sorted(SUBJECTS)
    assert ctx.subject_mode["topic17-value"] == "READONLY"
    assert ctx.subject_compatibility == {s: "FULL" for s in sorted(SUBJECTS[::5])}
