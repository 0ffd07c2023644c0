"""Token vault: AES-256-GCM sealing bound to the row a secret belongs to.

A sealed value is ``version ‖ kid length ‖ kid ‖ nonce ‖ ciphertext+tag``. The associated
data names the table, column, row and user, so a ciphertext copied to another row (or
another user) fails to open. The first key of ``KALENO_TOKEN_KEYS`` seals; every key
opens, so keys rotate without downtime. Nothing outside this module sees key material.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

FORMAT_VERSION = 1
NONCE_BYTES = 12


class VaultError(Exception):
    """A sealed value cannot be opened (wrong row, unknown key, tampered or malformed)."""


def fingerprint(secret: str) -> str:
    """The stored form of a bearer secret we only need to recognise (SHA-256, hex):
    session ids, OAuth states, manage tokens, guest-request tokens."""
    return hashlib.sha256(secret.encode()).hexdigest()


def binding(table: str, column: str, row_id: uuid.UUID | str, user_id: uuid.UUID | str) -> bytes:
    """Return the associated data that ties a sealed value to one row of one user."""
    return f"kaleno|v{FORMAT_VERSION}|{table}|{column}|{row_id}|{user_id}".encode()


class Vault:
    """Seal and open secrets with a key ring whose first key is the active one."""

    def __init__(self, keys: Mapping[str, bytes]) -> None:
        if not keys:
            raise VaultError("the key ring is empty")
        self._keys = {kid: AESGCM(key) for kid, key in keys.items()}
        self.active_kid = next(iter(keys))

    def __repr__(self) -> str:
        return f"<Vault active={self.active_kid} keys={len(self._keys)}>"

    def seal(self, plaintext: str, aad: bytes) -> bytes:
        """Encrypt ``plaintext`` under the active key, bound to ``aad``."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        kid = self.active_kid.encode()
        body = self._keys[self.active_kid].encrypt(nonce, plaintext.encode(), aad)
        return bytes([FORMAT_VERSION, len(kid)]) + kid + nonce + body

    def open(self, sealed: bytes, aad: bytes) -> str:
        """Decrypt ``sealed``; the associated data must be the one it was sealed with.

        Raises:
            VaultError: on an unknown format or key id, or when authentication fails.
        """
        kid, nonce, body = self._split(sealed)
        cipher = self._keys.get(kid)
        if cipher is None:
            raise VaultError(f"sealed with key id {kid!r}, which is not in the key ring")
        try:
            return cipher.decrypt(nonce, body, aad).decode()
        except InvalidTag:
            raise VaultError(
                "sealed value does not open: tampered or bound to another row"
            ) from None

    def key_id(self, sealed: bytes) -> str:
        """Return the key id a value was sealed with."""
        return self._split(sealed)[0]

    def reseal(self, sealed: bytes, aad: bytes) -> bytes | None:
        """Return ``sealed`` re-encrypted under the active key, or None if it already is."""
        if self.key_id(sealed) == self.active_kid:
            return None
        return self.seal(self.open(sealed, aad), aad)

    @staticmethod
    def _split(sealed: bytes) -> tuple[str, bytes, bytes]:
        if len(sealed) < 2 or sealed[0] != FORMAT_VERSION:
            raise VaultError("unknown sealed-value format")
        kid_end = 2 + sealed[1]
        if len(sealed) < kid_end + NONCE_BYTES + 16:
            raise VaultError("sealed value is truncated")
        kid = sealed[2:kid_end].decode("ascii", errors="replace")
        return kid, sealed[kid_end : kid_end + NONCE_BYTES], sealed[kid_end + NONCE_BYTES :]


def current_vault() -> Vault:
    """The vault for the running app, built once from its key ring."""
    vault = current_app.extensions.get("kaleno_vault")
    if vault is None:
        vault = Vault(current_app.config["TOKEN_KEYS"])
        current_app.extensions["kaleno_vault"] = vault
    assert isinstance(vault, Vault)
    return vault
