"""``flask kaleno keys generate|rotate``: a new key seals, every row is re-sealed."""

from __future__ import annotations

import base64
import uuid

from flask import Flask

from config import new_token_key_entry, parse_token_keys
from kaleno.extensions import db
from kaleno.models import GoogleConnection, User
from kaleno.vault import Vault, binding


def test_generate_prints_a_valid_key_entry(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["kaleno", "keys", "generate", "--kid", "k9"])
    assert result.exit_code == 0
    ring = parse_token_keys(result.output.strip())
    assert list(ring) == ["k9"]
    assert len(ring["k9"]) == 32
    assert base64.b64encode(ring["k9"]).decode() in result.output


def test_rotate_reseals_every_row_and_old_key_can_go(app: Flask) -> None:
    old_entry, new_entry = app.config["TOKEN_KEYS_RAW"], new_token_key_entry("k2")
    old_ring = parse_token_keys(old_entry)
    with app.app_context():
        old_vault = Vault(old_ring)
        for n in range(5):
            user = User(google_sub=f"sub-{n}")
            db.session.add(user)
            db.session.flush()
            conn = GoogleConnection(id=uuid.uuid4(), user_id=user.id, granted_scopes="")
            conn.refresh_token_sealed = old_vault.seal(
                f"1//refresh-{n}", binding("google_connections", "refresh_token", conn.id, user.id)
            )
            conn.access_token_sealed = old_vault.seal(
                f"ya29.access-{n}", binding("google_connections", "access_token", conn.id, user.id)
            )
            db.session.add(conn)
        db.session.commit()
    previous = (app.config["TOKEN_KEYS"], app.extensions.pop("kaleno_vault", None))
    try:
        app.config["TOKEN_KEYS"] = parse_token_keys(f"{new_entry},{old_entry}")
        result = app.test_cli_runner().invoke(args=["kaleno", "keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert "active key: k2; sealed values examined: 10; re-sealed: 10" in result.output
        again = app.test_cli_runner().invoke(args=["kaleno", "keys", "rotate"])
        assert "re-sealed: 0" in again.output
    finally:
        app.config["TOKEN_KEYS"] = previous[0]
        app.extensions.pop("kaleno_vault", None)
    new_only = Vault(parse_token_keys(new_entry))
    with app.app_context():
        conns = db.session.query(GoogleConnection).all()
        assert len(conns) == 5
        opened = set()
        for conn in conns:
            assert new_only.key_id(conn.refresh_token_sealed or b"") == "k2"
            aad = binding("google_connections", "refresh_token", conn.id, conn.user_id)
            opened.add(new_only.open(conn.refresh_token_sealed or b"", aad))
    assert opened == {f"1//refresh-{n}" for n in range(5)}
