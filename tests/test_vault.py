"""The token vault: AES-GCM, bound to its row, with key rotation."""

from __future__ import annotations

import base64
import os
import uuid

import pytest

from kaleno.vault import Vault, VaultError, binding

K1, K2 = os.urandom(32), os.urandom(32)
ROW, USER = uuid.uuid4(), uuid.uuid4()
AAD = binding("google_connections", "refresh_token", ROW, USER)
CANARY = "1//canary-refresh-token-value"


def test_seal_then_open_round_trips_and_hides_plaintext() -> None:
    vault = Vault({"k1": K1})
    sealed = vault.seal(CANARY, AAD)
    assert CANARY.encode() not in sealed
    assert sealed[0] == 1
    assert vault.open(sealed, AAD) == CANARY


def test_every_seal_uses_a_fresh_nonce() -> None:
    vault = Vault({"k1": K1})
    assert vault.seal(CANARY, AAD) != vault.seal(CANARY, AAD)


@pytest.mark.parametrize(
    "other",
    [
        binding("google_connections", "refresh_token", uuid.uuid4(), USER),
        binding("google_connections", "refresh_token", ROW, uuid.uuid4()),
        binding("google_connections", "access_token", ROW, USER),
        binding("other_table", "refresh_token", ROW, USER),
    ],
)
def test_ciphertext_moved_to_another_row_user_or_column_fails(other: bytes) -> None:
    vault = Vault({"k1": K1})
    with pytest.raises(VaultError, match="another row"):
        vault.open(vault.seal(CANARY, AAD), other)


def test_tampered_ciphertext_fails() -> None:
    vault = Vault({"k1": K1})
    sealed = bytearray(vault.seal(CANARY, AAD))
    sealed[-1] ^= 1
    with pytest.raises(VaultError):
        vault.open(bytes(sealed), AAD)


def test_rotation_new_key_seals_old_key_still_opens() -> None:
    old = Vault({"k1": K1})
    sealed_old = old.seal(CANARY, AAD)
    rotated = Vault({"k2": K2, "k1": K1})
    assert rotated.open(sealed_old, AAD) == CANARY
    resealed = rotated.reseal(sealed_old, AAD)
    assert resealed is not None
    assert rotated.key_id(resealed) == "k2"
    assert rotated.reseal(resealed, AAD) is None
    only_new = Vault({"k2": K2})
    assert only_new.open(resealed, AAD) == CANARY
    with pytest.raises(VaultError, match="not in the key ring"):
        only_new.open(sealed_old, AAD)


def test_repr_and_errors_never_show_key_material() -> None:
    vault = Vault({"k1": K1})
    text = repr(vault)
    assert base64.b64encode(K1).decode() not in text
    assert K1.hex() not in text
    with pytest.raises(VaultError) as info:
        vault.open(vault.seal(CANARY, AAD), b"wrong")
    assert CANARY not in str(info.value)


def test_malformed_values_are_refused() -> None:
    vault = Vault({"k1": K1})
    for junk in (b"", b"\x02abc", b"\x01\x02k1" + b"\x00" * 5):
        with pytest.raises(VaultError):
            vault.open(junk, AAD)
