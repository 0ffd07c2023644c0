"""The emulator's signing key: one RSA key and self-signed certificate per process."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID


def b64url(raw: bytes) -> str:
    """Encode bytes as unpadded base64url, as JWTs do."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _int_b64url(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class SigningKey:
    """An RSA private key, its key id and a self-signed certificate for the public half."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    kid: str

    def sign_jwt(self, claims: dict[str, Any]) -> str:
        """Return a compact RS256 JWT carrying ``claims`` with this key's ``kid``."""
        header = {"alg": "RS256", "kid": self.kid, "typ": "JWT"}
        signing_input = ".".join(
            b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
        )
        signature = self.private_key.sign(
            signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{signing_input}.{b64url(signature)}"

    def jwks(self) -> dict[str, Any]:
        """Return the JWKS document (as served at ``/oauth2/v3/certs``)."""
        numbers = self.private_key.public_key().public_numbers()
        key = {
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": _int_b64url(numbers.n),
            "e": _int_b64url(numbers.e),
        }
        return {"keys": [key]}

    def pem_certs(self) -> dict[str, str]:
        """Return ``{kid: PEM certificate}`` (as served at ``/oauth2/v1/certs``)."""
        pem = self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
        return {self.kid: pem}


def at_hash(access_token: str) -> str:
    """Compute the OIDC ``at_hash`` claim: left half of SHA-256, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return b64url(digest[: len(digest) // 2])


@functools.cache
def signing_key() -> SigningKey:
    """Create (once per process) the key that signs every id_token."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kaleno-emulator")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(private_key, hashes.SHA256())
    )
    public_der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kid = hashlib.sha1(public_der, usedforsecurity=False).hexdigest()
    return SigningKey(private_key=private_key, certificate=certificate, kid=kid)
