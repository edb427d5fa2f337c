"""TLS options reach the wire: a real HTTPS server on 127.0.0.1 demanding a client cert."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from reconciler.registry import (
    RegistryClient,
    RegistryConfigurationError,
    RegistryUnavailableError,
)
from reconciler.spec.model import RegistryConfig, TlsConfig

from .forward_proxy import ForwardProxy


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _issue(
    name: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool = False,
    ip: str | None = None,
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name, issuer_key = issuer or (subject, key)
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        ).add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    else:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    if ip:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> Path:
    path.with_suffix(".key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    root = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _issue("test CA", ca_key, None, ca=True)
    issuer = (ca_cert.subject, ca_key)
    server_key = ec.generate_private_key(ec.SECP256R1())
    client_key = ec.generate_private_key(ec.SECP256R1())
    _write(root / "ca.pem", ca_cert, ca_key)
    _write(root / "server.pem", _issue("127.0.0.1", server_key, issuer, ip="127.0.0.1"), server_key)
    _write(root / "client.pem", _issue("reconciler", client_key, issuer), client_key)
    return Pki(
        ca=root / "ca.pem",
        server_cert=root / "server.pem",
        server_key=root / "server.key",
        client_cert=root / "client.pem",
        client_key=root / "client.key",
    )


@dataclass
class Seen:
    """What the server saw: one (client port, path) per request."""

    requests: list[tuple[int, str]]


class _Handler(BaseHTTPRequestHandler):
    """Answers every GET like ``GET /subjects``, naming the client certificate it saw."""

    protocol_version = "HTTP/1.1"  # keep-alive, so that connection reuse shows
    seen = Seen([])

    def do_GET(self) -> None:
        self.seen.requests.append((self.client_address[1], self.path))
        peer = self.connection.getpeercert()
        subject = dict(item[0] for item in peer["subject"]) if peer else {}
        name = subject.get("commonName", "anonymous")
        # A mode (the read-ahead's test) names the certificate too.
        data = {"mode": name} if "/mode/" in self.path else [name]
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test output is not the place for access logs."""


@pytest.fixture(scope="module")
def https_url(pki: Pki) -> Iterator[str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki.ca))
    context.load_cert_chain(str(pki.server_cert), str(pki.server_key))
    context.verify_mode = ssl.CERT_REQUIRED
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_ca_file_and_client_certificate(pki: Pki, https_url: str) -> None:
    tls = TlsConfig(ca_file=pki.ca, cert_file=pki.client_cert, key_file=pki.client_key)
    async with RegistryClient(https_url, name="secure", tls=tls) as client:
        assert await client.get_subjects() == ["reconciler"]
        assert await client.get_subjects() == ["reconciler"]


async def test_connections_are_kept_alive_and_bounded(pki: Pki, https_url: str) -> None:
    tls = TlsConfig(ca_file=pki.ca, cert_file=pki.client_cert, key_file=pki.client_key)
    seen = _Handler.seen.requests
    async with RegistryClient(https_url + "/prefix", tls=tls, max_concurrency=3) as client:
        start = len(seen)
        for _ in range(5):
            await client.get_subjects()
        assert len({port for port, _ in seen[start:]}) == 1
        assert {path for _, path in seen[start:]} == {"/prefix/subjects"}

        start = len(seen)
        await asyncio.gather(*(client.get_subjects() for _ in range(30)))
        assert len(seen) - start == 30
        assert len({port for port, _ in seen[start:]}) <= 3
        assert client.requests_made == 35


async def test_from_config_passes_tls(pki: Pki, https_url: str, tmp_path: Path) -> None:
    cfg = RegistryConfig(
        name="secure",
        url=https_url,
        tls=TlsConfig(ca_file=pki.ca, cert_file=pki.client_cert, key_file=pki.client_key),
    )
    async with RegistryClient.from_config(cfg, tmp_path) as client:
        assert await client.get_subjects() == ["reconciler"]


async def test_unknown_ca_fails_without_retry(https_url: str) -> None:
    async with RegistryClient(https_url, name="secure", max_retries=3) as client:
        with pytest.raises(RegistryUnavailableError) as info:
            await client.get_subjects()
        assert client.requests_made == 1  # a bad certificate does not heal with retries
    assert "TLS error: certificate verify failed" in str(info.value)
    assert str(info.value).startswith(f"registry secure ({https_url}) is unreachable: ")


async def test_verify_false_skips_server_verification(pki: Pki, https_url: str) -> None:
    tls = TlsConfig(verify=False, cert_file=pki.client_cert, key_file=pki.client_key)
    async with RegistryClient(https_url, tls=tls) as client:
        assert await client.get_subjects() == ["reconciler"]


async def test_missing_client_certificate_is_refused(pki: Pki, https_url: str) -> None:
    async with RegistryClient(https_url, tls=TlsConfig(ca_file=pki.ca), max_retries=0) as client:
        with pytest.raises(RegistryUnavailableError) as info:
            await client.get_subjects()
    # A TLS 1.3 server refuses a missing client certificate after the handshake: the
    # client reads either its alert or, when the reset wins the race, a reset.
    assert str(info.value).startswith(f"registry {https_url} is unreachable: ")
    assert any(
        reason in str(info.value)
        for reason in ("TLS error: tlsv13 alert certificate required", "connection reset")
    )


def test_unreadable_tls_files_are_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryConfigurationError) as info:
        RegistryClient(
            "https://sr.example.com", name="dev", tls=TlsConfig(ca_file=tmp_path / "none.pem")
        )
    assert str(info.value).startswith("registry dev (https://sr.example.com): cannot load TLS")


async def test_https_through_a_proxy_tunnel(
    pki: Pki, https_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``HTTPS_PROXY``: a ``CONNECT`` tunnel, and TLS (with the client certificate) inside it."""
    tls = TlsConfig(ca_file=pki.ca, cert_file=pki.client_cert, key_file=pki.client_key)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        async with RegistryClient(https_url, name="secure", tls=tls) as client:
            assert await client.get_subjects() == ["reconciler"]
            assert await client.get_subjects() == ["reconciler"]
    authority = https_url.removeprefix("https://")
    assert [s.line for s in proxy.seen] == [f"CONNECT {authority} HTTP/1.1"]


async def test_a_refused_tunnel_is_not_retried_and_shows_no_credentials(
    pki: Pki, https_url: str
) -> None:
    tls = TlsConfig(ca_file=pki.ca, cert_file=pki.client_cert, key_file=pki.client_key)
    with ForwardProxy(credentials=("corp", "right-pw-1")) as proxy:
        bad = proxy.url.replace("http://", "http://corp:wrong-pw-2@")
        async with RegistryClient(https_url, name="secure", tls=tls, proxy=bad) as client:
            with pytest.raises(RegistryUnavailableError) as info:
                await client.get_subjects()
            assert client.requests_made == 1
        good = proxy.url.replace("http://", "http://corp:right-pw-1@")
        async with RegistryClient(https_url, name="secure", tls=tls, proxy=good) as client:
            assert await client.get_subjects() == ["reconciler"]
    assert "the proxy refused the tunnel (HTTP 407)" in str(info.value)
    assert "wrong-pw-2" not in str(info.value)
    assert proxy.seen[1].authorization is not None


async def test_the_read_ahead_speaks_tls_with_the_clients_context(pki: Pki, https_url: str) -> None:
    """Its connections use the client's TLS context (its CA, its certificate), and the
    client takes the answer instead of sending the request."""
    tls = TlsConfig(ca_file=pki.ca, cert_file=pki.client_cert, key_file=pki.client_key)
    seen = _Handler.seen.requests
    start = len(seen)
    async with RegistryClient(https_url + "/prefix", tls=tls) as client:
        ahead = client.read_ahead()
        assert ahead is not None
        ahead.start(["/mode/orders-value"])
        assert await client.get_mode("orders-value") == "reconciler"
        assert ahead.taken == 1
    assert [path for _, path in seen[start:]] == ["/prefix/mode/orders-value"]
