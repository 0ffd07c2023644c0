"""What the host does in Google reaches Kaleno through push (DESIGN, "Two-way sync")."""

from __future__ import annotations

from datetime import timedelta

from tests.bookings.conftest import HOST_EMAIL, next_slot, rfc3339
from tests.sync.conftest import Host, Worker, eventually


def test_a_channel_watches_the_primary_calendar_and_its_secret_is_stored_hashed(
    host: Host, worker: Worker
) -> None:
    channel = host.wait_for_channel()
    [at_google] = host.google_channels()
    assert at_google["id"] == str(channel.id) and not at_google["stopped"]
    assert at_google["address"].endswith("/webhooks/google/calendar")
    assert channel.resource_id == at_google["resourceId"]
    assert len(channel.token_hash) == 64  # SHA-256 hex, never the token itself
    [sync] = host.delivered("sync")
    assert sync["status"] == 204


def test_deleted_in_google_cancels_the_booking_by_the_host_and_frees_the_slot(
    host: Host, worker: Worker
) -> None:
    host.wait_for_channel()
    start = next_slot()
    booking = host.book(start)
    assert start not in host.slot_starts(start)  # and that answer is cached now
    host.google.delete_event(HOST_EMAIL, booking["google"]["event_id"])
    shown = eventually(
        lambda: (b := host.booking(booking["id"]))["status"] == "cancelled" and b,
        what="the booking cancelled",
    )
    assert shown["cancelled_by"] == "host"
    assert "deleted the event in Google" in shown["cancel_reason"]
    assert start in host.slot_starts(start)  # cache dropped at once
    assert host.notices(booking["id"]).count(("cancelled", "customer")) == 1  # customer told


def test_moved_in_google_the_booking_follows(host: Host, worker: Worker) -> None:
    host.wait_for_channel()
    start = next_slot()
    booking = host.book(start)
    later = start + timedelta(hours=2)
    host.move_event(booking["google"]["event_id"], later)
    from datetime import datetime

    shown = eventually(
        lambda: (
            (b := host.booking(booking["id"])) and datetime.fromisoformat(b["start"]) == later and b
        ),
        what="the booking moved",
    )
    assert shown["status"] == "confirmed" and shown["rules_warning"] is None
    assert ("rescheduled", "customer") in host.notices(booking["id"])  # customer told
    assert later not in host.slot_starts(later) and start in host.slot_starts(start)
    # Kaleno's own event was not written back (no patch after the move).
    assert host.page.calls("calendar.events.patch") == 0


def test_a_move_outside_the_hosts_rules_is_followed_and_flagged(host: Host, worker: Worker) -> None:
    host.wait_for_channel()
    start = next_slot()
    booking = host.book(start)
    odd = start + timedelta(minutes=17)  # off the 30-minute grid
    host.move_event(booking["google"]["event_id"], odd, 45)
    shown = eventually(
        lambda: (b := host.booking(booking["id"]))["rules_warning"] and b,
        what="the warning",
    )
    assert "would not offer" in shown["rules_warning"]
    assert "length" in shown["rules_warning"]
    assert shown["status"] == "confirmed"


def test_the_customer_declined_cancels_by_the_customer_and_removes_the_event(
    host: Host, worker: Worker
) -> None:
    host.wait_for_channel()
    booking = host.book(next_slot())
    event_id = booking["google"]["event_id"]
    [event] = [e for e in host.page.events() if e["id"] == event_id]
    attendees = [
        {**a, "responseStatus": "declined"} if a["email"] == "ada@example.org" else a
        for a in event["attendees"]
    ]
    host.google.edit_event(HOST_EMAIL, event_id, {"attendees": attendees})
    shown = eventually(
        lambda: (b := host.booking(booking["id"]))["status"] == "cancelled" and b,
        what="the booking cancelled",
    )
    assert shown["cancelled_by"] == "customer"
    eventually(lambda: not host.page.live_events(), what="the event removed from Google")
    notices = host.notices(booking["id"])
    assert ("cancelled", "host") in notices and ("cancelled", "customer") not in notices


def test_a_new_busy_event_in_google_drops_the_cached_slots_at_once(
    host: Host, worker: Worker
) -> None:
    host.wait_for_channel()
    start = next_slot()
    assert start in host.slot_starts(start)  # cached for 60 s from here
    host.google.add_event(
        HOST_EMAIL,
        "primary",
        {
            "summary": "Dentist",
            "start": {"dateTime": rfc3339(start)},
            "end": {"dateTime": rfc3339(start + timedelta(hours=1))},
        },
    )
    eventually(lambda: start not in host.slot_starts(start), what="the slot gone")


def _settle(host: Host) -> None:
    """Wait until the notifications so far are delivered and no sync job waits."""
    import time

    time.sleep(0.3)
    eventually(lambda: all(j.status != "pending" for j in host.sync_jobs()), what="idle")


def test_kalenos_own_changes_are_not_read_back_as_the_hosts(host: Host, worker: Worker) -> None:
    host.wait_for_channel()
    start = next_slot()
    booking = host.book(start)
    later = start + timedelta(hours=3)
    moved = host.page.host(
        "PATCH", f"/api/bookings/{booking['id']}", json={"start": rfc3339(later)}
    )
    assert moved.status_code == 200, moved.text
    _settle(host)
    shown = host.booking(booking["id"])
    from datetime import datetime

    assert datetime.fromisoformat(shown["start"]) == later and shown["status"] == "confirmed"
    assert shown["rules_warning"] is None


def test_a_cancel_in_kaleno_stays_the_customers(host: Host, worker: Worker) -> None:
    host.wait_for_channel()
    response = host.page.book(next_slot())
    created = response.json()
    answer = host.page.customer(
        "POST", f"/api/bookings/{created['id']}/cancel", created["manage_token"], json={}
    )
    assert answer.status_code == 200, answer.text
    _settle(host)
    shown = host.booking(created["id"])
    assert shown["cancelled_by"] == "customer" and shown["status"] == "cancelled"
    assert "Google" not in (shown["cancel_reason"] or "")


def test_a_move_onto_another_booking_is_followed_and_flagged(host: Host, worker: Worker) -> None:
    host.wait_for_channel()
    start = next_slot()
    first = host.book(start)
    second = host.book(start + timedelta(hours=2))
    host.move_event(second["google"]["event_id"], start)
    shown = eventually(
        lambda: (b := host.booking(second["id"]))["rules_warning"] and b, what="the warning"
    )
    assert "another booking" in shown["rules_warning"]
    assert host.booking(first["id"])["status"] == "confirmed"
