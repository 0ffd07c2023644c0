"""Disconnect racing a Google insert in flight: the disconnect wins, no event stays.

Issue 12, defect 3: the worker wrote the Google ids back after the disconnect had deleted
the events, and the event stayed in Google with the customer invited. The disconnect now
queues the in-flight job's event with the revoke (run after the job's lease), and the
job, parked by the disconnect, writes nothing back.
"""

from __future__ import annotations

import threading

import requests
from flask import Flask

from kaleno.extensions import db
from kaleno.models import Booking, OutboxJob
from tests.auth.browser import Browser
from tests.bookings.conftest import Page, next_slot, open_page


def test_disconnect_during_an_inflight_insert_leaves_no_event(app: Flask, browser: Browser) -> None:
    host_id, event_type_id = open_page(app, browser)
    page = Page(app, browser, browser.google, host_id, event_type_id)
    page.google.fault("calendar.events.insert", 200, count=1, delay_ms=1500)
    answers: list[requests.Response] = []
    booking = threading.Thread(target=lambda: answers.append(page.book(next_slot())))
    booking.start()  # the request commits, then tries its sync inline: the insert hangs
    while page.calls("calendar.events.insert") == 0:
        threading.Event().wait(0.02)
    receipt = page.host("DELETE", "/api/calendar?delete_future_events=true")
    assert receipt.status_code == 200, receipt.text
    booking.join()
    assert answers[0].status_code == 201
    assert receipt.json()["google_revoke"] == "queued"
    page.run_worker()  # the lease is over: the queued revoke deletes, then revokes
    assert page.live_events() == []
    assert all(g["revoked"] for g in page.google.state()["tokens"]["grants"])
    with app.app_context():
        [row] = db.session.query(Booking).all()
        assert (row.google_event_id, row.google_sync) == (None, "parked")
        revoke = db.session.query(OutboxJob).filter_by(kind="google.revoke").one()
        assert (revoke.status, revoke.secret_sealed) == ("done", None)
