"""HTTPS delivery connects to the checked address and verifies the URL's name on the
certificate: a name nobody's DNS knows still reaches the pinned address, and a
certificate for another name is refused."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kaleno.integrations.ssrf import Target
from kaleno.integrations.transport import post

NAME = "hooks.kaleno.test"  # resolvable nowhere: only the pinned address can be reached


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for NAME (it is its own CA); returns (cert, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[int, Path, list[dict[str, str]]]]:
    """An HTTPS server on 127.0.0.1 presenting NAME's certificate; records request headers."""
    cert_file, key_file = _certificate(tmp_path)
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen.append({k.lower(): v for k, v in self.headers.items()})
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port, cert_file, seen
    server.shutdown()
    server.server_close()


def test_https_goes_to_the_pinned_address_under_the_urls_name(
    tls_receiver: tuple[int, Path, list[dict[str, str]]],
) -> None:
    port, ca, seen = tls_receiver
    target = Target("https", NAME, port, "/in", "127.0.0.1")
    answer = post(target, b"{}", {"webhook-id": "msg_1"}, timeout=5, ca_certs=str(ca))
    assert (answer.status_code, answer.error) == (204, None)
    assert seen[0]["host"] == f"{NAME}:{port}"
    assert seen[0]["webhook-id"] == "msg_1"


def test_a_certificate_for_another_name_is_refused(
    tls_receiver: tuple[int, Path, list[dict[str, str]]],
) -> None:
    port, ca, seen = tls_receiver
    target = Target("https", "other.kaleno.test", port, "/in", "127.0.0.1")
    answer = post(target, b"{}", {}, timeout=5, ca_certs=str(ca))
    assert answer.status_code is None
    assert answer.error == "TLS handshake or certificate check failed"
    untrusted = post(Target("https", NAME, port, "/in", "127.0.0.1"), b"{}", {}, timeout=5)
    assert untrusted.error == "TLS handshake or certificate check failed"  # system roots only
    assert seen == []
