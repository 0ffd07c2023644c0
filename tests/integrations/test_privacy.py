"""Erasure reaches integrations: keys, endpoints and the booking copies in the delivery log."""

from __future__ import annotations

import uuid

from kaleno.extensions import db
from kaleno.models import ApiKey, Booking, WebhookDelivery, WebhookEndpoint, utcnow
from kaleno.privacy.erasure import anonymize_bookings
from tests.bookings.conftest import Page, next_slot
from tests.conftest import every_row
from tests.integrations.conftest import Receiver
from tests.integrations.helpers import add_key, subscribe, with_key
from tests.notices.mailbox import deliver_queued

CUSTOMER = "ada@example.org"


def test_account_erasure_removes_keys_endpoints_and_deliveries(
    page: Page, receiver: Receiver
) -> None:
    subscribe(page, receiver, ["booking.created"])
    key = add_key(page, ["bookings:read"])["key"]
    assert page.book(next_slot(days=3)).status_code == 201
    page.run_worker()
    assert CUSTOMER in every_row(page.app)  # the delivery log holds a copy
    erased = page.host("DELETE", "/api/me?cancel_future_bookings=true")
    assert erased.status_code == 200, erased.text
    deliver_queued(page.app)  # the customer's cancellation notice holds the address until sent
    assert CUSTOMER not in every_row(page.app)
    with page.app.app_context():
        for model in (ApiKey, WebhookEndpoint, WebhookDelivery):
            assert db.session.query(model).count() == 0, model
    assert with_key(page, key, "GET", "/api/bookings").status_code == 401


def test_anonymizing_a_booking_drops_its_webhook_copies(page: Page, receiver: Receiver) -> None:
    subscribe(page, receiver, ["booking.created"])
    kept = page.book(next_slot(days=3)).json()
    gone = page.book(next_slot(days=4), email="bea@example.org").json()
    with page.app.app_context():
        query = db.select(Booking).where(Booking.id == uuid.UUID(gone["id"]))
        assert anonymize_bookings(query, utcnow()) == 1
        db.session.commit()
        left = db.session.query(WebhookDelivery).all()
        assert [str(d.booking_id) for d in left] == [kept["id"]]
        assert "bea@example.org" not in repr([d.payload for d in left])


def test_the_export_lists_keys_and_endpoints_without_secrets(
    page: Page, receiver: Receiver
) -> None:
    endpoint_id = subscribe(page, receiver, ["booking.created"])
    created = add_key(page, ["settings:read"], name="Zapier")
    response = page.host("GET", "/api/me/export")
    assert response.status_code == 200, response.text
    document = response.json()
    assert [(k["id"], k["name"], k["scopes"]) for k in document["api_keys"]] == [
        (created["id"], "Zapier", ["settings:read"])
    ]
    assert [e["id"] for e in document["webhook_endpoints"]] == [endpoint_id]
    for secret in (created["key"], created["prefix"], receiver.secrets[0]):
        assert secret not in response.text
