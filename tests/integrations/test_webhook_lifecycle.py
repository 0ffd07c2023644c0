"""A booking's whole life, made through the public API, reaches the receiver as three
signed events, each exactly once, carrying the booking as the API shows it."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from kaleno.extensions import db
from kaleno.models import OutboxJob, WebhookDelivery
from tests.bookings.conftest import Page, next_slot, rfc3339
from tests.integrations.conftest import Receiver
from tests.integrations.helpers import deliveries, subscribe


def test_create_reschedule_cancel_deliver_each_event_once(page: Page, receiver: Receiver) -> None:
    endpoint_id = subscribe(page, receiver)
    start = next_slot(days=3)
    created = page.book(start)
    assert created.status_code == 201, created.text
    booking = created.json()
    path = f"/api/bookings/{booking['id']}"
    token = booking["manage_token"]
    moved = page.customer("PATCH", path, token, json={"start": rfc3339(start + timedelta(hours=2))})
    assert moved.status_code == 200, moved.text
    cancelled = page.host("POST", f"{path}/cancel", json={"reason": "host is ill"})
    assert cancelled.status_code == 200, cancelled.text

    page.run_worker()
    page.run_worker()  # a second pass finds nothing more to send

    accepted = receiver.accepted()
    assert all(r.verified for r in receiver.requests)
    assert [r.message["type"] for r in accepted] == [
        "booking.created",
        "booking.rescheduled",
        "booking.cancelled",
    ]
    assert Counter(r.webhook_id for r in accepted).most_common(1)[0][1] == 1
    documents = [r.message["data"] for r in accepted]
    assert {d["id"] for d in documents} == {booking["id"]}
    assert all(
        "manage_token" not in d and token not in r.body.decode()
        for d, r in zip(documents, accepted, strict=True)
    )
    assert documents[0]["start"] == booking["start"]
    assert documents[1]["start"] == moved.json()["start"]
    assert documents[2]["status"] == "cancelled"
    assert documents[2]["cancel_reason"] == "host is ill"
    # Same shape as the API's booking body (the manage token aside).
    assert set(documents[0]) == set(booking) - {"manage_token"}

    log = deliveries(page, endpoint_id)
    assert [d["event"] for d in log] == [
        "booking.cancelled",
        "booking.rescheduled",
        "booking.created",
    ]
    assert {d["webhook_id"] for d in log} == {r.webhook_id for r in accepted}
    for row in log:
        assert row["status"] == "delivered"
        assert [a["status_code"] for a in row["attempts"]] == [204]
        assert row["attempts"][0]["attempted_at"].endswith("Z")


def test_events_are_queued_with_the_booking_in_one_commit(page: Page, receiver: Receiver) -> None:
    subscribe(page, receiver, ["booking.created"])
    created = page.book(next_slot(days=4))
    assert created.status_code == 201
    with page.app.app_context():
        rows = db.session.query(WebhookDelivery).all()
        jobs = db.session.query(OutboxJob).filter_by(kind="webhook.deliver").all()
        assert [r.event for r in rows] == ["booking.created"]
        assert [j.payload["delivery_id"] for j in jobs] == [str(rows[0].id)]
        # Same transaction as the booking: created at the same instant, before any send.
        assert rows[0].status == "pending" and receiver.requests == []
    cancelled = page.customer(
        "POST",
        f"/api/bookings/{created.json()['id']}/cancel",
        created.json()["manage_token"],
        json={},
    )
    assert cancelled.status_code == 200
    page.run_worker()
    assert [r.message["type"] for r in receiver.accepted()] == ["booking.created"]


def test_a_host_without_endpoints_queues_nothing(page: Page) -> None:
    assert page.book(next_slot(days=5)).status_code == 201
    assert [job.kind for job in page.jobs()] == ["booking.sync"]


def test_a_deleted_endpoint_gets_nothing_more(page: Page, receiver: Receiver) -> None:
    endpoint_id = subscribe(page, receiver)
    assert page.book(next_slot(days=6)).status_code == 201
    assert page.host("DELETE", f"/api/webhooks/{endpoint_id}").status_code == 204
    page.run_worker()
    assert receiver.requests == []
    assert page.host("GET", f"/api/webhooks/{endpoint_id}/deliveries").status_code == 404
    assert [j.status for j in page.jobs() if j.kind == "webhook.deliver"] == ["done"]
