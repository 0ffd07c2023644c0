"""``flask kaleno keys rotate`` re-seals webhook secrets too, so an old vault key can go."""

from __future__ import annotations

from standardwebhooks import Webhook

from config import new_token_key_entry, parse_token_keys
from kaleno.extensions import db
from kaleno.models import WebhookEndpoint
from tests.bookings.conftest import Page, next_slot
from tests.integrations.conftest import Receiver
from tests.integrations.helpers import subscribe


def test_rotating_vault_keys_keeps_webhooks_signing(page: Page, receiver: Receiver) -> None:
    endpoint_id = subscribe(page, receiver, ["booking.created"])
    rotated = page.host("POST", f"/api/webhooks/{endpoint_id}/secret").json()["secret"]
    receiver.secrets.append(rotated)
    app = page.app
    old_entry, new_entry = app.config["TOKEN_KEYS_RAW"], new_token_key_entry("k2")
    previous = (app.config["TOKEN_KEYS"], app.extensions.pop("kaleno_vault", None))
    try:
        app.config["TOKEN_KEYS"] = parse_token_keys(f"{new_entry},{old_entry}")
        result = app.test_cli_runner().invoke(args=["kaleno", "keys", "rotate"])
        assert result.exit_code == 0, result.output
        # The host's two Google tokens, and the current and previous webhook secret.
        assert "examined: 4; re-sealed: 4" in result.output
        app.config["TOKEN_KEYS"] = parse_token_keys(new_entry)  # the old key is gone
        app.extensions.pop("kaleno_vault", None)
        with app.app_context():
            endpoint = db.session.query(WebhookEndpoint).one()
            assert rotated.encode() not in endpoint.secret_sealed
        assert page.book(next_slot(days=3)).status_code == 201
        page.run_worker()
    finally:
        app.config["TOKEN_KEYS"] = previous[0]
        app.extensions.pop("kaleno_vault", None)
    (received,) = receiver.accepted()
    Webhook(rotated).verify(received.body, received.headers)
    Webhook(receiver.secrets[0]).verify(received.body, received.headers)
