"""A host erased while a booking request is between its slot check and its write.

Issue 12, defect 4: the booking died on an ``assert`` (500). Now the write re-checks the
page under the host's row lock and answers a clean 404; nothing is half-written.
"""

from __future__ import annotations

import threading

from flask import Flask

from kaleno.extensions import db
from kaleno.models import Booking, IdempotencyKey
from tests.auth.browser import Browser
from tests.bookings.conftest import Page, next_slot, open_page


def _key_claimed(app: Flask) -> bool:
    with app.app_context():
        return db.session.query(IdempotencyKey).count() > 0


def test_erasure_between_slot_check_and_write_answers_404(app: Flask, browser: Browser) -> None:
    host_id, event_type_id = open_page(app, browser)
    page = Page(app, browser, browser.google, host_id, event_type_id)
    # The slot check waits on free/busy; the host's erasure starts meanwhile and is still
    # revoking at Google when the slot check has passed and the booking goes to write.
    page.google.fault("calendar.freebusy.query", 200, count=1, delay_ms=800)
    page.google.fault("oauth2.revoke", 200, count=1, delay_ms=1500)
    answers = []
    booking = threading.Thread(target=lambda: answers.append(page.book(next_slot(), key="k")))
    booking.start()
    while not _key_claimed(app):
        threading.Event().wait(0.02)
    erased = page.host("DELETE", "/api/me?cancel_future_bookings=true")
    booking.join()
    assert erased.status_code == 200, erased.text
    [answer] = answers
    assert answer.status_code == 404, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    with app.app_context():
        assert db.session.query(Booking).count() == 0
    assert page.live_events() == []
