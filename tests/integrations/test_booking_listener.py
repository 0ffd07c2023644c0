"""Webhooks listen to booking changes once, however often the app is built."""

from __future__ import annotations

from collections import Counter

from flask import Flask

from kaleno import create_app
from kaleno.extensions import db
from kaleno.integrations import init_integrations
from kaleno.models import OutboxJob, WebhookDelivery
from tests.bookings.conftest import Page, next_slot
from tests.conftest import dispose
from tests.integrations.conftest import Receiver
from tests.integrations.helpers import subscribe


def test_building_the_app_again_still_queues_one_delivery_per_endpoint(
    page: Page, receiver: Receiver
) -> None:
    again: Flask = create_app(dict(page.app.config))
    dispose(again)
    init_integrations(page.app)
    first, second = subscribe(page, receiver), subscribe(page, receiver)
    booked = page.book(next_slot(days=3))
    assert booked.status_code == 201, booked.text
    with page.app.app_context():
        rows = db.session.query(WebhookDelivery).all()
        assert Counter(str(r.endpoint_id) for r in rows) == {first: 1, second: 1}
        assert db.session.query(OutboxJob).filter_by(kind="webhook.deliver").count() == 2
    page.run_worker()
    assert sorted(r.message["type"] for r in receiver.accepted()) == ["booking.created"] * 2


def test_a_restricted_host_sends_no_webhook(page: Page, receiver: Receiver) -> None:
    """Restriction of processing: data kept, nothing goes out (no mail, no Google, and no
    webhook carrying the customer's details to a third party)."""
    subscribe(page, receiver)
    booked = page.book(next_slot(days=3))
    assert booked.status_code == 201, booked.text
    page.run_worker()
    assert [r.message["type"] for r in receiver.accepted()] == ["booking.created"]
    restricted = page.host("POST", "/api/me/restriction")
    assert restricted.status_code == 200, restricted.text
    token = booked.json()["manage_token"]
    cancelled = page.customer("POST", f"/api/bookings/{booked.json()['id']}/cancel", token, json={})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    with page.app.app_context():
        assert db.session.query(WebhookDelivery).count() == 1  # the creation's, delivered
    page.run_worker()
    assert [r.message["type"] for r in receiver.accepted()] == ["booking.created"]
