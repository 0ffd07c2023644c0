"""Lost, repeated, late and refused notifications; a forgotten sync token; channel expiry.

Google: "Notifications are not 100% reliable. Expect a small percentage of messages to
get dropped" and "Sync messages ... message numbers will not be sequential" (push guide);
a sync token Google no longer honours answers 410 ("full sync required").
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from kaleno.extensions import db
from kaleno.models import CalendarSync
from tests.bookings.conftest import HOST_EMAIL, next_slot
from tests.sync.conftest import Host, Worker, eventually


def _cancelled(host: Host, booking_id: str) -> dict[str, Any] | None:
    shown = host.booking(booking_id)
    return shown if shown["status"] == "cancelled" else None


def _start(host: Host, booking_id: str) -> datetime:
    return datetime.fromisoformat(host.booking(booking_id)["start"])


def test_dropped_notifications_converge_within_one_reconciliation(
    host: Host, worker: Worker
) -> None:
    host.wait_for_channel()
    booking = host.book(next_slot())
    eventually(lambda: host.delivered("exists"), what="the insert's notification")
    delivered = len(host.delivered("exists"))
    host.google.push_fault("drop", count=10)
    dropped_at = datetime.now().timestamp()
    host.google.delete_event(HOST_EMAIL, booking["google"]["event_id"])
    reconcile_s = float(host.page.app.config["SYNC_RECONCILE_S"])
    shown = eventually(lambda: _cancelled(host, booking["id"]), timeout=reconcile_s + 3)
    assert shown["cancelled_by"] == "host"
    assert datetime.now().timestamp() - dropped_at <= reconcile_s + 3
    assert len(host.delivered("exists")) == delivered  # none delivered: reconciliation did it


def test_duplicated_notifications_change_nothing_twice(host: Host, worker: Worker) -> None:
    host.wait_for_channel()
    booking = host.book(next_slot())
    eventually(lambda: host.delivered("exists"), what="the insert's notification")
    delivered = len(host.delivered("exists"))
    host.google.push_fault("duplicate", count=1)
    host.google.delete_event(HOST_EMAIL, booking["google"]["event_id"])
    first = eventually(lambda: _cancelled(host, booking["id"]))
    eventually(lambda: len(host.delivered("exists")) >= delivered + 2, what="both copies")
    numbers = [d["message_number"] for d in host.delivered("exists")[delivered:]]
    assert len(numbers) == 2 and len(set(numbers)) == 1  # the same message, twice
    again = host.booking(booking["id"])
    assert again["cancelled_at"] == first["cancelled_at"]
    assert host.notices(booking["id"]).count(("cancelled", "customer")) == 1  # told once
    assert again["cancel_reason"] == first["cancel_reason"]


def test_a_late_notification_does_not_undo_a_newer_change(host: Host, worker: Worker) -> None:
    host.wait_for_channel()
    start = next_slot()
    booking = host.book(start)
    event_id = booking["google"]["event_id"]
    first, second = start + timedelta(hours=1), start + timedelta(hours=3)
    host.google.push_fault("delay", count=1, delay_ms=1500)
    host.move_event(event_id, first)  # its notification arrives last
    host.move_event(event_id, second)
    eventually(lambda: _start(host, booking["id"]) == second, what="the second move")
    eventually(lambda: len(host.delivered("exists")) >= 2, timeout=5, what="the late one")
    assert _start(host, booking["id"]) == second


def test_a_forgotten_sync_token_means_a_full_resync_that_still_sees_the_deletion(
    host: Host, worker: Worker
) -> None:
    host.wait_for_channel()
    booking = host.book(next_slot())
    eventually(lambda: _sync_state(host) and _sync_state(host).sync_token, what="a sync token")
    host.google.settings(invalidate_sync_tokens=True)  # every token answers 410 now
    host.google.delete_event(HOST_EMAIL, booking["google"]["event_id"])
    shown = eventually(lambda: _cancelled(host, booking["id"]))
    assert shown["cancelled_by"] == "host"
    state = eventually(lambda: (s := _sync_state(host)) and s.last_full_sync_at and s)
    assert state.last_full_sync_at is not None


def _sync_state(host: Host) -> CalendarSync | None:
    with host.page.app.app_context():
        row = db.session.query(CalendarSync).one_or_none()
        if row is not None:
            db.session.expunge(row)
        return row


def test_channels_are_renewed_before_they_expire_and_the_old_one_is_stopped(
    host: Host, worker: Worker
) -> None:
    host.google.settings(channel_ttl_s=2)  # Google's lifetime wins over the one asked
    first = host.wait_for_channel()
    eventually(
        lambda: any(c.id != first.id and c.status == "active" for c in host.channels()),
        timeout=6,
        what="a new channel",
    )
    eventually(
        lambda: any(c["id"] == str(first.id) and c["stopped"] for c in host.google_channels()),
        what="the old channel stopped at Google",
    )
    booking = host.book(next_slot())
    host.google.delete_event(HOST_EMAIL, booking["google"]["event_id"])
    eventually(lambda: _cancelled(host, booking["id"]), timeout=5)


def test_a_wrong_token_is_refused_and_nothing_is_queued(host: Host, worker: Worker) -> None:
    channel = host.wait_for_channel()
    config = host.page.app.config
    config["SYNC_RECONCILE_S"] = config["SYNC_POLL_S"] = 3600.0  # nothing else queues jobs
    eventually(lambda: all(j.status != "pending" for j in host.sync_jobs()), what="idle")
    before = len(host.sync_jobs())
    url = host.page.base + "/webhooks/google/calendar"
    headers = {
        "X-Goog-Channel-ID": str(channel.id),
        "X-Goog-Channel-Token": "not-the-token",
        "X-Goog-Resource-ID": str(channel.resource_id),
        "X-Goog-Resource-State": "exists",
        "X-Goog-Message-Number": "99",
    }
    refused = requests.post(url, headers=headers, timeout=10)
    assert refused.status_code == 403
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert "not-the-token" not in refused.text
    unknown = requests.post(
        url, headers={**headers, "X-Goog-Channel-ID": str(uuid.uuid4())}, timeout=10
    )
    assert unknown.status_code == 404
    missing = requests.post(url, headers={**headers, "X-Goog-Channel-Token": ""}, timeout=10)
    assert missing.status_code == 403
    assert len(host.sync_jobs()) == before


def test_the_webhook_answers_without_calling_google(host: Host, worker: Worker) -> None:
    """Google wants a quick 2xx: the answer makes no Google call, the sync runs later from
    the outbox (speed itself is a benchmark's business, not a test's)."""
    channel = host.wait_for_channel()
    [at_google] = host.google_channels()
    config = host.page.app.config
    config["SYNC_RECONCILE_S"] = config["SYNC_POLL_S"] = 3600.0
    worker.stop()  # nothing runs the queued sync while we look
    calls_before = host.google.state()["calls"]
    answer = requests.post(
        host.page.base + "/webhooks/google/calendar",
        headers={
            "X-Goog-Channel-ID": str(channel.id),
            "X-Goog-Channel-Token": str(at_google["token"]),
            "X-Goog-Resource-ID": str(channel.resource_id),
            "X-Goog-Resource-State": "exists",
            "X-Goog-Message-Number": "7",
        },
        timeout=10,
    )
    assert answer.status_code == 204 and answer.content == b""
    assert host.google.state()["calls"] == calls_before  # no Google call inline
    assert [j.status for j in host.sync_jobs()].count("pending") == 1


def test_an_expired_channel_that_cannot_be_renewed_falls_back_to_polling(
    host: Host, request: pytest.FixtureRequest
) -> None:
    host.google.settings(channel_ttl_s=1)
    # The worker opens the first channel: start it only now, so that channel gets the short
    # lifetime (started earlier, a loaded machine let it open a long-lived one first).
    request.getfixturevalue("worker")
    first = host.wait_for_channel()
    host.google.fault("calendar.events.watch", 503, count=1000)  # no new channel for now
    booking = host.book(next_slot())
    eventually(lambda: all(c["expired"] for c in host.google_channels()), timeout=5, what="expiry")
    host.google.delete_event(HOST_EMAIL, booking["google"]["event_id"])
    poll_s = float(host.page.app.config["SYNC_POLL_S"])
    shown = eventually(lambda: _cancelled(host, booking["id"]), timeout=poll_s + 3)
    assert shown["cancelled_by"] == "host"
    # Google refused every new channel: the only active row is the expired first one.
    assert [c.id for c in host.channels() if c.status == "active"] == [first.id]
