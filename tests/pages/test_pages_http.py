"""The customer pages over plain HTTP: booking, fail-closed, headers, grants, languages."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import requests
from flask import Flask
from sqlalchemy import text

from kaleno.extensions import db
from kaleno.models import Booking, User
from kaleno.pages.grants import GRANT_COOKIE
from kaleno.vault import fingerprint
from tests.bookings.conftest import next_slot, rfc3339
from tests.pages.conftest import Page
from tests.pages.forms import TIMEOUT, book_form, day_with_times, form_key, manage_link, starts

PARIS = "Europe/Paris"


def _bookings(app: Flask) -> list[Booking]:
    with app.app_context():
        rows = list(db.session.query(Booking))
        for row in rows:
            db.session.expunge(row)
        return rows


def _book(named: Page) -> tuple[requests.Session, str, str]:
    """Book the first time two days ahead; return the session, manage link and start."""
    session = requests.Session()
    page = day_with_times(named.base, PARIS, next_slot(days=2))
    start = starts(page.text)[0]
    answer = session.post(
        f"{named.base}/host/intro", data=book_form(named.base, page.text, start), timeout=TIMEOUT
    )
    assert answer.status_code == 200, answer.text
    assert "You are booked" in answer.text
    return session, manage_link(answer.text), start


def test_the_host_page_lists_active_event_types(named: Page) -> None:
    named.add_event_type("hidden", title="Secret", active=False)
    response = requests.get(f"{named.base}/host", timeout=TIMEOUT)
    assert response.status_code == 200
    assert "Hana Host" in response.text and 'href="/host/intro"' in response.text
    assert "Secret" not in response.text


def test_the_booking_page_offers_the_api_s_slots_in_the_visitor_zone(named: Page) -> None:
    day = next_slot(days=3)
    page = day_with_times(named.base, PARIS, day)
    api = requests.get(
        f"{named.base}/api/pages/host/intro/slots",
        params={"from": day.date().isoformat(), "to": day.date().isoformat(), "tz": PARIS},
        timeout=TIMEOUT,
    ).json()
    assert starts(page.text) == [slot["start"] for slot in api["days"][0]["slots"]]
    assert "Europe/Paris (Central European Time)" in page.text
    assert "America/New_York" in page.text  # the host's zone is stated
    assert 'data-zone-auto="false"' in page.text


def test_without_tz_the_page_shows_the_host_zone_and_lets_the_script_choose(named: Page) -> None:
    response = requests.get(f"{named.base}/host/intro", timeout=TIMEOUT)
    assert response.status_code == 200
    assert 'data-zone-auto="true" data-zone="America/New_York"' in response.text


def test_an_unknown_zone_or_date_is_said_and_the_page_still_works(named: Page) -> None:
    response = requests.get(
        f"{named.base}/host/intro", params={"tz": "Mars/Olympus", "date": "2026-02-31"}, timeout=30
    )
    assert response.status_code == 200
    assert "That time zone is not known" in response.text
    assert "That date could not be read" in response.text
    assert starts(response.text)


def test_unknown_pages_are_html_404_and_unknown_api_paths_stay_problems(named: Page) -> None:
    for path in ("/nobody", "/host/nothing"):
        response = requests.get(named.base + path, timeout=TIMEOUT)
        assert response.status_code == 404
        assert response.headers["Content-Type"].startswith("text/html")
    for path in ("/api/nothing", "/auth/nothing"):
        response = requests.post(named.base + path, timeout=TIMEOUT)
        assert response.status_code in (404, 405)
        assert response.headers["Content-Type"] == "application/problem+json"


def test_google_down_offers_nothing_and_says_so(named: Page) -> None:
    named.google.fault("calendar.freebusy.query", 500, count=2)
    response = day_with_times(named.base, PARIS, next_slot(days=2))
    assert response.status_code == 503
    assert "cannot be checked right now" in response.text
    assert starts(response.text) == [] and 'name="key"' not in response.text


def test_booking_page_can_be_framed_only_by_listed_origins(app: Flask, named: Page) -> None:
    response = requests.get(f"{named.base}/host/intro", timeout=TIMEOUT)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    with app.app_context():
        host = db.session.get(User, named.host_id)
        assert host is not None
        host.embed_origins = ["https://shop.example.com"]
        db.session.commit()
    for path in ("/host", "/host/intro"):
        framed = requests.get(named.base + path, timeout=TIMEOUT)
        csp = framed.headers["Content-Security-Policy"]
        assert "frame-ancestors https://shop.example.com;" in csp
        assert "X-Frame-Options" not in framed.headers


def test_the_manage_link_is_traded_for_a_scoped_cookie_without_the_token(
    app: Flask, named: Page
) -> None:
    _session, link, _ = _book(named)
    token = link.rsplit("/", 1)[1]
    fresh = requests.Session()
    traded = fresh.get(link, allow_redirects=False, timeout=TIMEOUT)
    assert traded.status_code == 303
    assert traded.headers["Referrer-Policy"] == "no-referrer"
    assert traded.headers["Cache-Control"] == "no-store"
    (booking,) = _bookings(app)
    assert traded.headers["Location"] == f"/m/b/{booking.id}"
    cookie = traded.headers["Set-Cookie"]
    assert f"Path=/m/b/{booking.id}" in cookie and "HttpOnly" in cookie
    assert token not in cookie and fingerprint(token) not in cookie
    shown = fresh.get(named.base + traded.headers["Location"], timeout=TIMEOUT)
    assert shown.status_code == 200 and "Your booking" in shown.text
    assert shown.headers["Referrer-Policy"] == "no-referrer"
    assert shown.headers["Cache-Control"] == "no-store"
    assert token not in shown.text


def test_manage_pages_need_the_grant_of_that_booking(app: Flask, named: Page) -> None:
    first, _link, _start = _book(named)
    (booking,) = _bookings(app)
    other = f"{named.base}/m/b/{uuid.uuid4()}"
    assert requests.get(f"{named.base}/m/b/{booking.id}", timeout=TIMEOUT).status_code == 403
    assert first.get(other, timeout=TIMEOUT).status_code == 403
    forged = requests.get(
        f"{named.base}/m/b/{booking.id}", cookies={GRANT_COOKIE: str(booking.id)}, timeout=30
    )
    assert forged.status_code == 403
    refused = requests.post(f"{named.base}/m/b/{booking.id}/cancel", data={}, timeout=TIMEOUT)
    assert refused.status_code == 403
    assert _bookings(app)[0].status == "confirmed"
    assert requests.get(f"{named.base}/m/not-a-token", timeout=TIMEOUT).status_code == 404


def test_a_post_from_another_site_is_refused(app: Flask, named: Page) -> None:
    session, link, _ = _book(named)
    session.get(link, timeout=TIMEOUT)
    (booking,) = _bookings(app)
    response = session.post(
        f"{named.base}/m/b/{booking.id}/cancel",
        data={},
        headers={"Origin": "https://evil.example"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 403
    assert _bookings(app)[0].status == "confirmed"


def test_inside_the_cancellation_notice_the_customer_is_told_to_ask_the_host(
    app: Flask, named: Page
) -> None:
    soon = next_slot(days=0, hour=0) + timedelta(days=1)
    created = named.book(soon)
    assert created.status_code == 201, created.text
    with app.app_context():
        from kaleno.models import EventType

        event_type = db.session.get(EventType, named.event_type_id)
        assert event_type is not None
        event_type.cancellation_notice_minutes = 3 * 24 * 60
        db.session.commit()
    session = requests.Session()
    session.get(f"{named.base}/m/{created.json()['manage_token']}", timeout=TIMEOUT)
    booking_id = created.json()["id"]
    shown = session.get(f"{named.base}/m/b/{booking_id}", timeout=TIMEOUT)
    assert "Please contact the host" in shown.text and "Cancel my booking" not in shown.text
    refused = session.post(f"{named.base}/m/b/{booking_id}/cancel", data={}, timeout=TIMEOUT)
    assert refused.status_code == 409 and "too late" in refused.text
    moved = session.post(
        f"{named.base}/m/b/{booking_id}/reschedule",
        data={"start": rfc3339(soon + timedelta(hours=2))},
        timeout=TIMEOUT,
    )
    assert moved.status_code == 409
    assert _bookings(app)[0].start_at == soon and _bookings(app)[0].status == "confirmed"


def test_indonesian_pages(named: Page) -> None:
    response = requests.get(
        f"{named.base}/host/intro", headers={"Accept-Language": "id-ID,id"}, timeout=TIMEOUT
    )
    assert '<html lang="id">' in response.text
    assert "Pilih waktu" in response.text and "Nama" in response.text


def test_the_ics_download_is_the_booked_instant(named: Page) -> None:
    from icalendar import Calendar

    session, link, start = _book(named)
    session.get(link, timeout=TIMEOUT)
    manage = session.get(link, timeout=TIMEOUT).url
    data = session.get(f"{manage}/booking.ics", timeout=TIMEOUT)
    assert data.headers["Content-Type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(data.content).walk("VEVENT")
    from datetime import datetime

    assert event["DTSTART"].dt == datetime.fromisoformat(start)


def test_a_booking_elsewhere_shows_at_once_on_the_page(named: Page) -> None:
    day = next_slot(days=2)
    before = starts(day_with_times(named.base, PARIS, day).text)
    again = starts(day_with_times(named.base, PARIS, day).text)  # the kept rendering
    assert again == before
    from datetime import datetime

    taken = datetime.fromisoformat(before[3])
    assert named.book(taken).status_code == 201
    after = starts(day_with_times(named.base, PARIS, day).text)
    assert before[3] not in after and len(after) == len(before) - 1


def test_a_kept_page_gets_a_fresh_form_key_and_a_closed_one_is_not_kept(named: Page) -> None:
    day = next_slot(days=2)
    first, second = (day_with_times(named.base, PARIS, day).text for _ in range(2))
    assert form_key(first) != form_key(second)
    assert first.replace(form_key(first), "") == second.replace(form_key(second), "")
    named.google.fault("calendar.freebusy.query", 500, count=2)
    other_day = next_slot(days=20)  # another window: its free/busy is asked anew
    assert day_with_times(named.base, PARIS, other_day).status_code == 503
    recovered = day_with_times(named.base, PARIS, other_day)  # Google answers again
    assert recovered.status_code == 200 and starts(recovered.text)


def test_the_reschedule_picker_offers_times_overlapping_the_booking_itself(
    app: Flask, named: Page
) -> None:
    """Moving by a little (a quarter of an hour later) is the commonest change: the
    picker leaves the booking's own time free, as the reschedule itself does."""
    with app.app_context():
        db.session.execute(
            text("UPDATE event_types SET slot_interval_minutes = 15 WHERE slug = 'intro'")
        )
        db.session.commit()
    session, link, start = _book(named)
    later = (datetime.fromisoformat(start) + timedelta(minutes=15)).isoformat()
    manage = session.get(link, timeout=TIMEOUT)
    assert manage.status_code == 200, manage.text
    assert later in starts(manage.text)
    booking_id = manage.url.rsplit("/", 1)[1]
    moved = session.post(
        f"{named.base}/m/b/{booking_id}/reschedule",
        data={"start": later, "tz": PARIS},
        timeout=TIMEOUT,
    )
    assert moved.status_code == 200, moved.text
    [booking] = _bookings(app)
    assert booking.start_at == datetime.fromisoformat(later)
