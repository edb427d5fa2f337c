"""Proxies: the environment's (HTTP_PROXY, NO_PROXY...) and a registry's own ``proxy``.

A real forward proxy on 127.0.0.1 (tests/registry/forward_proxy.py) between
the client and a real local registry served over HTTP; HTTPS through a
``CONNECT`` tunnel is in test_tls.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.localregistry import serve_in_thread
from reconciler.registry import (
    RegistryClient,
    RegistryConfigurationError,
    RegistryUnavailableError,
)
from reconciler.registry._transport import environment_proxy

from .forward_proxy import ForwardProxy

PROXY_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "REQUEST_METHOD",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def registry_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_in_thread(tmp_path_factory.mktemp("proxy") / "registry.db") as url:
        yield url


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy() as started:
        yield started


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
async def test_the_environment_proxy_carries_the_requests(
    registry_url: str, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, proxy.url)
    async with RegistryClient(registry_url) as client:
        assert await client.get_subjects() == []
        assert await client.get_config() == "BACKWARD"
    # Absolute-form requests, on one kept-alive connection.
    assert [s.line for s in proxy.seen] == [f"GET {registry_url}/subjects HTTP/1.1"]


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "*", "other.example, 127.0.0.1", ".0.0.1"])
async def test_no_proxy_bypasses_it(
    registry_url: str, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch, no_proxy: str
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    async with RegistryClient(registry_url) as client:
        assert await client.get_subjects() == []
    assert proxy.seen == []


def test_environment_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://secure-proxy:3128")
    monkeypatch.setenv("http_proxy", "plain-proxy:8080")
    monkeypatch.setenv("no_proxy", "internal.example")
    assert environment_proxy("https://sr.example.com") == "http://secure-proxy:3128"
    assert environment_proxy("http://sr.example.com:8081/x") == "plain-proxy:8080"
    assert environment_proxy("https://sr.internal.example") is None
    assert environment_proxy("https://internal.example:443") is None
    monkeypatch.setenv("REQUEST_METHOD", "GET")  # a CGI script: HTTP_PROXY may be a header
    monkeypatch.delenv("http_proxy")
    monkeypatch.setenv("HTTP_PROXY", "http://injected:1")
    assert environment_proxy("http://sr.example.com") is None


async def test_the_registry_proxy_setting_wins_over_the_environment(
    registry_url: str, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "*")
    async with RegistryClient(registry_url, proxy=proxy.url) as client:
        assert await client.get_subjects() == []
    assert len(proxy.seen) == 1


async def test_proxy_credentials_are_sent_and_never_shown(
    registry_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ForwardProxy(credentials=("corp", "s3cret-pw")) as proxy:
        host = proxy.url.removeprefix("http://")
        async with RegistryClient(registry_url, proxy=f"http://corp:s3cret-pw@{host}") as client:
            assert await client.get_subjects() == []
            assert "s3cret" not in repr(client) + client.display
        assert proxy.seen[0].authorization is not None

        async with RegistryClient(
            registry_url, name="dev", proxy=f"http://corp:wrong-pw-123@{host}", max_retries=0
        ) as client:
            with pytest.raises(Exception) as info:
                await client.get_subjects()
    # Over plain http the proxy's 407 is the answer to the request itself.
    assert "407" in str(info.value)
    assert "denied: Basic ***" in str(info.value)  # the proxy's echo, masked
    assert "wrong-pw-123" not in str(info.value)


def test_a_bad_proxy_url_is_refused_when_the_client_is_built() -> None:
    with pytest.raises(RegistryConfigurationError) as info:
        RegistryClient("http://127.0.0.1:1", name="dev", proxy="socks5://u:pw-secret@proxy:1080")
    assert "http://HOST[:PORT]" in str(info.value)
    assert "pw-secret" not in str(info.value)


async def test_an_unreachable_proxy_is_a_connection_failure(
    registry_url: str, tmp_path: Path
) -> None:
    async with RegistryClient(
        registry_url, name="dev", proxy="http://127.0.0.1:9", max_retries=0
    ) as client:
        with pytest.raises(RegistryUnavailableError, match="connection refused"):
            await client.get_subjects()


def _project(root: Path, registry_url: str, proxy: str) -> Path:
    (root / "specs").mkdir(parents=True)
    (root / "reconcile.yaml").write_text(
        f"version: 1\nregistries:\n  dev:\n    url: {registry_url}\n    proxy: {proxy}\n"
    )
    (root / "specs" / "orders.yaml").write_text(
        "subjects:\n  orders-value:\n    schema: "
        '\'{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}]}\'\n'
    )
    return root


def _reconcile(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NO_COLOR": "1", **env},
        timeout=120,
    )


def test_the_project_proxy_setting_in_a_real_plan(registry_url: str, tmp_path: Path) -> None:
    """``proxy:`` in reconcile.yaml, its password from a variable, used by ``reconcile plan``."""
    with ForwardProxy(credentials=("corp", "pw-from-env-1")) as proxy:
        host = proxy.url.removeprefix("http://")
        root = _project(tmp_path, registry_url, f"http://corp:${{PROXY_PW}}@{host}")
        done = _reconcile(
            root, "plan", "-o", "json", "--detailed-exitcode", PROXY_PW="pw-from-env-1"
        )
    assert done.returncode == 2, done.stderr  # one subject to register
    assert json.loads(done.stdout)["registries"][0]["name"] == "dev"
    assert proxy.seen and all(s.line.startswith(f"GET {registry_url}/") for s in proxy.seen)
    assert "pw-from-env-1" not in done.stdout + done.stderr


def test_a_malformed_proxy_setting_is_an_error_at_its_line(
    registry_url: str, tmp_path: Path
) -> None:
    root = _project(tmp_path, registry_url, "socks5://corp:pw-in-file-2@proxy:1080")
    done = _reconcile(root, "validate")
    assert done.returncode == 1
    assert (
        "reconcile.yaml:5:12: registries.dev.proxy: expected http://[USER:PASSWORD@]HOST[:PORT]"
        in done.stdout + done.stderr
    )
    assert "pw-in-file-2" not in done.stdout + done.stderr
