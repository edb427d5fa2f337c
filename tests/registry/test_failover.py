"""Several URLs for one registry: requests fail over on connection errors and 5xx.

Two real local registries (``reconcile registry serve``, two processes) share
one data file, as the nodes of one registry cluster share their storage
(SQLite: each sees the other's writes); one is killed (SIGKILL) during a plan.
The 5xx and the write-safety cases use a scripted transport, as the retry
tests do.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reconciler.engine import make_plan, open_clients
from reconciler.localregistry import serve_in_thread
from reconciler.registry import RegistryClient, RegistryUnavailableError, ServerError
from reconciler.registry._transport import Http11Transport
from reconciler.render import render_markdown, render_text
from reconciler.spec import SpecErrors, load_project
from reconciler.spec.model import RegistryConfig

from .conftest import FakeSleep, confluent_error

SERVE = (sys.executable, "-m", "reconciler", "registry", "serve")
RECORD = '{"type": "record", "name": "R%d", "fields": [{"name": "id", "type": "string"}]}'


class Node:
    """``reconcile registry serve`` on a free port: one node of a two-node registry."""

    def __init__(self, data: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [*SERVE, "--port", str(port), "--data", str(data)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(self.url + "/", timeout=1)
                return
            except httpx.HTTPError:
                assert self.process.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)

    def kill(self) -> None:
        """Really gone: SIGKILL, and reaped."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    data = tmp_path / "registry.db"
    first = Node(data)
    try:
        second = Node(data)
    except BaseException:
        first.kill()
        raise
    try:
        yield first, second
    finally:
        first.kill()
        second.kill()


async def test_reads_and_writes_fail_over_to_a_running_node(tmp_path: Path) -> None:
    """Two servers on one data file; the first shut down between two requests."""
    with contextlib.ExitStack() as first, serve_in_thread(tmp_path / "r.db") as second_url:
        first_url = first.enter_context(serve_in_thread(tmp_path / "r.db"))
        async with RegistryClient([first_url, second_url], name="dev", max_retries=0) as client:
            assert await client.register("a-value", RECORD % 1, "AVRO") == 1
            assert client.answered == (first_url,)
            first.close()  # the first server stops
            assert await client.get_subjects() == ["a-value"]  # read from the other one
            assert await client.register("b-value", RECORD % 2, "AVRO") == 2
            assert client.url == second_url  # requests stay on the one that answers
            assert client.display == f"dev ({second_url})"
            assert client.answered == (first_url, second_url)
            assert await client.get_subjects() == ["a-value", "b-value"]


async def test_when_every_url_fails_the_error_says_so(fake_sleep: FakeSleep) -> None:
    urls = ["http://127.0.0.1:9", "http://127.0.0.1:9/other"]  # nothing listens on port 9
    async with RegistryClient(urls, name="dev", max_retries=1, sleep=fake_sleep) as client:
        with pytest.raises(RegistryUnavailableError, match="connection refused after 3 attempts"):
            await client.get_subjects()
        assert client.requests_made == 3  # both URLs, then one retry (on the first again)
    assert len(fake_sleep.delays) == 1


class KillAfter(httpx.AsyncBaseTransport):
    """The real transport; before the ``after``-th request to ``node`` is sent, the node is
    killed (SIGKILL): a node dying in the middle of a plan, at a chosen request."""

    def __init__(self, node: Node, after: int) -> None:
        self.inner = Http11Transport(None, max_idle=16)
        self.node, self.after, self.sent = node, after, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if str(request.url).startswith(self.node.url):
            self.sent += 1
            if self.sent == self.after:
                self.node.kill()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_node_killed_mid_plan(nodes: tuple[Node, Node], tmp_path: Path) -> None:
    """The plan completes from the other node and says which URLs answered."""
    first, second = nodes
    async with RegistryClient(first.url) as client:
        for n in range(20):
            await client.register(f"s{n}-value", RECORD % n, "AVRO")
            await client.set_config("FULL", f"s{n}-value")
    root = tmp_path / "project"
    (root / "specs").mkdir(parents=True)
    (root / "reconcile.yaml").write_text(
        f"version: 1\nregistries:\n  dev:\n    urls: [{first.url}, {second.url}]\n"
    )
    subjects = "".join(
        f"  s{n}-value: {{schema: '{RECORD % n}', compatibility: FULL}}\n" for n in range(20)
    )
    new = "  new-value: {schema: '%s'}\n" % (RECORD % 99)
    (root / "specs" / "all.yaml").write_text("subjects:\n" + subjects + new)
    project = load_project(root)
    assert project.registries["dev"].urls == (first.url, second.url)

    killer: dict[str, KillAfter] = {}

    def factory(config: RegistryConfig) -> httpx.AsyncBaseTransport:
        killer[config.name] = KillAfter(first, after=5)
        return killer[config.name]

    async with open_clients(project, ["dev"], factory) as clients:
        plan = await make_plan(project, clients)
    assert first.process.poll() is not None  # it did die mid-plan
    assert not plan.errors
    assert [a.target for a in plan.actions] == ["new-value"]  # the same plan as before
    [state] = plan.registries
    assert state.answered == (first.url, second.url)
    assert state.display == f"dev ({second.url})"
    assert json.loads(json.dumps(plan.to_json()))["registries"][0]["answered"] == [
        first.url,
        second.url,
    ]
    assert f"failed over: answered by {first.url}, then {second.url}" in render_text(plan)
    assert f"failed over: answered by {first.url}, then {second.url}" in render_markdown(plan)


def test_the_cli_plan_names_the_url_that_answered(nodes: tuple[Node, Node], tmp_path: Path) -> None:
    first, second = nodes
    first.kill()
    (tmp_path / "specs").mkdir()
    (tmp_path / "reconcile.yaml").write_text(
        f"version: 1\nregistries:\n  dev:\n    urls:\n      - {first.url}\n      - {second.url}\n"
    )
    (tmp_path / "specs" / "a.yaml").write_text(
        "subjects:\n  a-value: {schema: '%s'}\n" % (RECORD % 1)
    )
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "plan", "-o", "json", "--detailed-exitcode"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    [state] = json.loads(done.stdout)["registries"]
    assert state["answered"] == [second.url]
    assert state["display"] == f"dev ({second.url})"


# -- the retry rules decide, with a scripted transport ---------------------------------


def _client(script: httpx.MockTransport, sleep: FakeSleep, **kwargs: object) -> RegistryClient:
    return RegistryClient(
        ["https://a.example", "https://b.example"],
        name="dev",
        transport=script,
        sleep=sleep,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_a_5xx_fails_over_at_once(fake_sleep: FakeSleep) -> None:
    hosts: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        if request.url.host == "a.example":
            return confluent_error(503, 50003, "unavailable")
        return httpx.Response(200, json=["s"])

    async with _client(httpx.MockTransport(answer), fake_sleep, max_retries=0) as client:
        assert await client.get_subjects() == ["s"]
        assert await client.get_subjects() == ["s"]
    assert hosts == ["a.example", "b.example", "b.example"]
    assert fake_sleep.delays == []  # a failover is not a retry: no backoff


async def test_a_429_stays_on_its_url(fake_sleep: FakeSleep) -> None:
    hosts: list[str] = []
    answers = [confluent_error(429, 42901, "slow down", **{"Retry-After": "1"})]

    def answer(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return answers.pop(0) if answers else httpx.Response(200, json=["s"])

    async with _client(httpx.MockTransport(answer), fake_sleep) as client:
        assert await client.get_subjects() == ["s"]
    assert hosts == ["a.example", "a.example"]
    assert fake_sleep.delays == [1.0]


async def test_a_write_that_may_have_been_applied_is_not_sent_elsewhere(
    fake_sleep: FakeSleep,
) -> None:
    """Deleting ``latest`` must not run twice: after a 5xx (maybe applied) neither a
    retry nor another URL gets it, as the retry rules say."""
    hosts: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return confluent_error(500, 50001, "store error")

    async with _client(httpx.MockTransport(answer), fake_sleep) as client:
        with pytest.raises(ServerError):
            await client.delete_version("s", "latest")
    assert hosts == ["a.example"]


async def test_a_once_write_that_timed_out_is_not_sent_elsewhere(fake_sleep: FakeSleep) -> None:
    """A read timeout means the request reached the registry: it may have been applied."""
    hosts: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        raise httpx.ReadTimeout("timed out", request=request)

    async with _client(httpx.MockTransport(answer), fake_sleep) as client:
        with pytest.raises(RegistryUnavailableError):
            await client.delete_version("s", "latest")
    assert hosts == ["a.example"]


async def test_a_refused_connection_fails_over_even_for_a_once_write(
    fake_sleep: FakeSleep,
) -> None:
    """A failure to connect never reached the registry: any request may go elsewhere."""
    hosts: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        if request.url.host == "a.example":
            raise httpx.ConnectError("refused", request=request) from ConnectionRefusedError()
        return httpx.Response(200, json=3)

    async with _client(httpx.MockTransport(answer), fake_sleep, max_retries=0) as client:
        assert await client.delete_version("s", "latest") == 3
    assert hosts == ["a.example", "b.example"]


def test_credentials_of_every_url_are_kept_out_of_sight() -> None:
    client = RegistryClient(
        ["https://u:first-secret@a.example", "https://b.example?api_key=second-secret"],
        name="dev",
    )
    assert client.urls == ("https://a.example", "https://b.example")
    assert "secret" not in repr(client) + client.display + str(client.urls)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "urls: [http://a:8081, local:x.db]",
            "registries.dev.urls[1]: expected http(s)://HOST[:PORT]",
        ),
        ("urls: []", "registries.dev.urls"),
        ("{url: http://a, urls: [http://b]}", "registries.dev: url or urls, not both"),
        ("urls: [http://a, 'https://u:pw-9@b']", "registries.dev.urls[1]: put credentials in auth"),
    ],
)
def test_bad_urls_are_errors_at_their_line(tmp_path: Path, entry: str, message: str) -> None:
    (tmp_path / "reconcile.yaml").write_text(f"version: 1\nregistries:\n  dev: {entry}\n")
    if not entry.startswith("{"):
        (tmp_path / "reconcile.yaml").write_text(f"version: 1\nregistries:\n  dev:\n    {entry}\n")
    with pytest.raises(SpecErrors) as info:
        load_project(tmp_path)
    text = str(info.value)
    assert "reconcile.yaml:" in text and message in text, text
    assert "pw-9" not in text


async def test_a_one_url_plan_keeps_its_json_as_it_was(tmp_path: Path) -> None:
    """``answered`` is added only where a registry has several URLs."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "a.yaml").write_text(
        "subjects:\n  a-value: {schema: '%s'}\n" % (RECORD % 1)
    )
    with serve_in_thread(tmp_path / "r.db") as url:
        (tmp_path / "reconcile.yaml").write_text(
            f"version: 1\nregistries:\n  dev: {{url: {url}}}\n"
        )
        project = load_project(tmp_path)
        async with open_clients(project, ["dev"]) as clients:
            plan = await make_plan(project, clients)
    assert set(plan.to_json()["registries"][0]) == {
        "name",
        "display",
        "fingerprint",
        "readonly",
        "contexts",
    }
