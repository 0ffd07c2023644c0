"""What the host (or the customer) changes in Google reaches the host's webhooks too: the
sync announces it like any other booking change, so the receiver gets one signed event."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from tests.bookings.conftest import HOST_EMAIL, next_slot
from tests.integrations.conftest import Received, Receiver, receiver  # noqa: F401 - fixture
from tests.integrations.helpers import deliveries, subscribe
from tests.sync.conftest import Host, Worker, eventually


def _events_of(receiver: Receiver, booking_id: str) -> list[Received]:  # noqa: F811
    return [r for r in receiver.accepted() if r.message["data"]["id"] == booking_id]


def _after_created(receiver: Receiver, booking: dict[str, Any], want: str) -> Received:  # noqa: F811
    """Wait for ``want`` to reach the receiver (after ``booking.created``); return it."""
    arrived = eventually(
        lambda: [r for r in _events_of(receiver, booking["id"]) if r.message["type"] == want],
        what=f"{want} delivered",
    )
    types = [r.message["type"] for r in _events_of(receiver, booking["id"])]
    assert types == ["booking.created", want]
    assert Counter(r.webhook_id for r in receiver.requests).most_common(1)[0][1] == 1
    assert all(r.verified for r in receiver.requests)
    [event] = arrived
    assert booking["manage_token"] not in event.body.decode()
    assert "manage_token" not in event.message["data"]
    return event


def test_deleted_in_google_delivers_a_signed_booking_cancelled(
    host: Host,
    worker: Worker,
    receiver: Receiver,  # noqa: F811
) -> None:
    endpoint_id = subscribe(host.page, receiver)
    host.wait_for_channel()
    booking = host.book(next_slot())
    host.google.delete_event(HOST_EMAIL, booking["google"]["event_id"])
    event = _after_created(receiver, booking, "booking.cancelled")
    document = event.message["data"]
    shown = host.booking(booking["id"])
    assert document["status"] == "cancelled" == shown["status"]
    assert document["cancelled_by"] == "host"
    assert document["cancel_reason"] == shown["cancel_reason"]
    log = deliveries(host.page, endpoint_id)
    assert [(d["event"], d["status"]) for d in log] == [
        ("booking.cancelled", "delivered"),
        ("booking.created", "delivered"),
    ]


def test_declined_in_google_delivers_booking_cancelled_by_the_customer(
    host: Host,
    worker: Worker,
    receiver: Receiver,  # noqa: F811
) -> None:
    subscribe(host.page, receiver, ["booking.cancelled"])
    host.wait_for_channel()
    booking = host.book(next_slot())
    event_id = booking["google"]["event_id"]
    [event] = [e for e in host.page.events() if e["id"] == event_id]
    attendees = [
        {**a, "responseStatus": "declined"} if a["email"] == "ada@example.org" else a
        for a in event["attendees"]
    ]
    host.google.edit_event(HOST_EMAIL, event_id, {"attendees": attendees})
    [cancelled] = eventually(lambda: _events_of(receiver, booking["id"]), what="delivered")
    assert cancelled.message["type"] == "booking.cancelled"
    assert cancelled.message["data"]["cancelled_by"] == "customer"


def test_moved_in_google_delivers_a_signed_booking_rescheduled(
    host: Host,
    worker: Worker,
    receiver: Receiver,  # noqa: F811
) -> None:
    subscribe(host.page, receiver)
    host.wait_for_channel()
    start = next_slot()
    booking = host.book(start)
    later = start + timedelta(hours=2)
    host.move_event(booking["google"]["event_id"], later)
    event = _after_created(receiver, booking, "booking.rescheduled")
    document = event.message["data"]
    assert datetime.fromisoformat(document["start"]) == later
    assert document["status"] == "confirmed"
    assert document["start"] == host.booking(booking["id"])["start"]
