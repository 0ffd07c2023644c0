"""Disconnect and erasure ask Google to forget only once their unit has committed.

Issue 12: ``disconnect()`` stopped the channels, deleted the events and revoked the grant
inside the writing transaction, so a unit failing afterwards left Google changed and the
database not (and SQLite's write lock was held while Google answered). The unit now only
queues one ``google.revoke`` job; the entry point commits, then runs it once inline.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests

from kaleno.extensions import db
from kaleno.models import AuditEvent, GoogleConnection, OutboxJob
from kaleno.unit_of_work import begin_write
from tests.bookings.conftest import next_slot
from tests.sync.conftest import Host, Worker, eventually

GOOGLE_FORGETS = ("calendar.events.delete", "calendar.channels.stop", "oauth2.revoke")


def _counts(host: Host) -> dict[str, int]:
    return {method: host.page.calls(method) for method in GOOGLE_FORGETS}


def _connected_with_event(host: Host, worker: Worker) -> None:
    host.wait_for_channel()
    host.book(next_slot())
    assert len(host.page.live_events()) == 1
    worker.stop()  # from here on, only the request itself may call Google


def _fail(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("the unit fails after the disconnect's work")


@pytest.mark.parametrize(
    ("path", "later_step"),
    [
        ("/api/me?cancel_future_bookings=true", "kaleno.privacy.erasure.anonymize_bookings"),
        ("/api/calendar?delete_future_events=true", "kaleno.privacy.disconnect._reset_calendars"),
    ],
)
def test_a_failing_unit_leaves_google_untouched(
    host: Host, worker: Worker, monkeypatch: pytest.MonkeyPatch, path: str, later_step: str
) -> None:
    _connected_with_event(host, worker)
    before = _counts(host)
    monkeypatch.setattr(later_step, _fail)
    assert host.page.host("DELETE", path).status_code == 500
    assert _counts(host) == before
    assert len(host.page.live_events()) == 1
    assert not any(c["stopped"] for c in host.google_channels())
    assert not any(g["revoked"] for g in host.google.state()["tokens"]["grants"])
    with host.page.app.app_context():
        assert db.session.query(GoogleConnection).one().status == "connected"
        assert db.session.query(OutboxJob).filter_by(kind="google.revoke").count() == 0
    monkeypatch.undo()
    host.book(next_slot(days=3))  # the grant still works: the new booking is synced


def _google_forgot(host: Host) -> None:
    assert host.page.live_events() == []
    assert host.google_channels() and all(c["stopped"] for c in host.google_channels())
    assert all(g["revoked"] for g in host.google.state()["tokens"]["grants"])


def test_disconnect_leaves_google_done_by_the_answer(host: Host, worker: Worker) -> None:
    _connected_with_event(host, worker)
    answer = host.page.host("DELETE", "/api/calendar?delete_future_events=true")
    assert answer.status_code == 200, answer.text
    receipt = answer.json()
    assert (receipt["google_revoke"], receipt["google_confirmed_revoke"]) == ("confirmed", True)
    assert receipt["google_events_deleted"] == 1
    assert receipt["google_events_not_deleted"] == receipt["google_events_deletion_queued"] == 0
    _google_forgot(host)
    [job] = [j for j in host.page.jobs() if j.kind == "google.revoke"]
    assert (job.status, job.secret_sealed) == ("done", None)
    assert "delete_event_ids" not in job.payload and "stop_channels" not in job.payload


def test_erasure_leaves_google_done_by_the_answer(host: Host, worker: Worker) -> None:
    _connected_with_event(host, worker)
    answer = host.page.host("DELETE", "/api/me?cancel_future_bookings=true")
    assert answer.status_code == 200, answer.text
    receipt = answer.json()["google"]
    assert (receipt["google_revoke"], receipt["google_confirmed_revoke"]) == ("confirmed", True)
    assert receipt["google_events_deleted"] == 1
    assert receipt["google_events_deletion_queued"] == 0
    _google_forgot(host)


@pytest.mark.parametrize(
    "path", ["/api/calendar?delete_future_events=true", "/api/me?cancel_future_bookings=true"]
)
def test_with_google_down_the_receipt_says_queued_and_the_worker_finishes(
    host: Host, worker: Worker, path: str
) -> None:
    _connected_with_event(host, worker)
    host.google.fault("calendar.events.delete", 503, count=2)
    host.google.fault("oauth2.revoke", 503, count=1)
    answer = host.page.host("DELETE", path)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    receipt = body.get("google", body)
    assert (receipt["google_revoke"], receipt["google_confirmed_revoke"]) == ("queued", False)
    assert receipt["google_events_deleted"] == 0
    assert receipt["google_events_deletion_queued"] == 1
    assert len(host.page.live_events()) == 1
    for _ in range(4):
        host.page.run_worker()
    _google_forgot(host)
    [job] = [j for j in host.page.jobs() if j.kind == "google.revoke"]
    assert (job.status, job.secret_sealed) == ("done", None)


def test_no_writer_waits_while_google_answers_a_disconnect(host: Host, worker: Worker) -> None:
    """SQLite has one writer: the disconnect must not hold the write lock while Google
    takes its time to answer the revoke (a write elsewhere goes through at once)."""
    _connected_with_event(host, worker)
    host.google.fault("oauth2.revoke", 200, count=1, delay_ms=3000)
    answers: list[requests.Response] = []
    delete = threading.Thread(
        target=lambda: answers.append(host.page.host("DELETE", "/api/calendar"))
    )
    delete.start()
    eventually(lambda: host.page.calls("oauth2.revoke"), what="the revoke asked")
    started = time.monotonic()
    with host.page.app.app_context():
        begin_write()
        db.session.add(AuditEvent(actor="operator", action="probe"))
        db.session.commit()
    waited = time.monotonic() - started
    delete.join()
    assert answers[0].status_code == 200, answers[0].text
    assert answers[0].json()["google_revoke"] == "confirmed"
    assert waited < 1.5, f"a writer waited {waited:.1f} s for Google's answer"
