"""What erasure sends to the host's webhooks.

Account erasure cancels the host's upcoming bookings and announces each cancellation
(the customers are mailed), but it deletes the host's webhook endpoints in the same
commit: no receiver is left to tell, so nothing is queued and no delivery row (a copy of
the customer's details) outlives the erasure. A guest's erasure cancels nothing: the
bookings stay confirmed, anonymized, and the receiver gets no event for it.
"""

from __future__ import annotations

import uuid

import requests

from kaleno.extensions import db
from kaleno.models import Booking, OutboxJob, WebhookDelivery
from tests.bookings.conftest import Page, next_slot
from tests.integrations.conftest import Receiver
from tests.integrations.helpers import subscribe
from tests.notices.mailbox import memory_mail_to, token_in

GUEST = "gwen.guest@example.org"


def _types(receiver: Receiver) -> list[str]:
    return [r.message["type"] for r in receiver.accepted()]


def test_account_erasure_cancels_bookings_but_queues_no_webhook(
    page: Page, receiver: Receiver
) -> None:
    subscribe(page, receiver)
    booked = [page.book(next_slot(days=days)) for days in (3, 4)]
    assert [b.status_code for b in booked] == [201, 201]
    page.run_worker()
    assert _types(receiver) == ["booking.created", "booking.created"]

    erased = page.host("DELETE", "/api/me?cancel_future_bookings=true")
    assert erased.status_code == 200, erased.text
    assert erased.json()["bookings_cancelled"] == 2
    page.run_worker()

    assert _types(receiver) == ["booking.created", "booking.created"]  # nothing more
    with page.app.app_context():
        assert [b.status for b in db.session.query(Booking)] == ["cancelled", "cancelled"]
        # The cancellations were announced: the customers' notices wait in the outbox.
        notices = db.session.query(OutboxJob).filter_by(kind="mail").all()
        assert sorted(str(j.payload["notice"]) for j in notices) == ["cancelled", "cancelled"]
        assert db.session.query(WebhookDelivery).count() == 0
        assert db.session.query(OutboxJob).filter_by(kind="webhook.deliver").count() == 0


def test_guest_erasure_cancels_nothing_and_sends_no_webhook(page: Page, receiver: Receiver) -> None:
    subscribe(page, receiver)
    booked = page.book(next_slot(days=3), email=GUEST, name="Gwen Guest")
    assert booked.status_code == 201, booked.text
    page.run_worker()
    assert _types(receiver) == ["booking.created"]

    opened = requests.post(
        f"{page.base}/api/privacy/requests", json={"email": GUEST, "kind": "erasure"}, timeout=30
    )
    assert opened.status_code == 202, opened.text
    token = token_in(memory_mail_to(page.app, GUEST)[-1])
    confirmed = requests.post(
        f"{page.base}/api/privacy/requests/{opened.json()['id']}/confirm",
        json={"token": token},
        timeout=30,
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["result"] == {"bookings_anonymized": 1}
    page.run_worker()

    assert _types(receiver) == ["booking.created"]
    shown = page.host("GET", f"/api/bookings/{booked.json()['id']}")
    assert shown.status_code == 200 and shown.json()["status"] == "confirmed"
    with page.app.app_context():
        assert db.session.query(WebhookDelivery).count() == 0  # its copy went with the guest
        jobs = db.session.query(OutboxJob).filter_by(kind="webhook.deliver").all()
        assert [j.status for j in jobs] == ["done"]
        booking = db.session.get(Booking, uuid.UUID(booked.json()["id"]))
        assert booking is not None and booking.customer_email is None
