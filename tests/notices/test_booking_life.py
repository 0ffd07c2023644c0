"""A booking's whole life mails the right people, once each, through a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kaleno.extensions import db
from kaleno.models import EventType
from tests.bookings.conftest import HOST_EMAIL, Page, next_slot, rfc3339
from tests.notices.mailbox import calendar_of, deliver_queued, html_of, mail_jobs, text_of
from tests.notices.smtp_server import SMTPServer

CUSTOMER = "ada@example.org"


def _event(message: object) -> tuple[str, int, str, datetime]:
    """METHOD, SEQUENCE, UID and DTSTART of a message's .ics."""
    calendar = calendar_of(message)  # type: ignore[arg-type]
    assert calendar is not None
    [event] = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    return str(calendar["method"]), int(event["sequence"]), str(event["uid"]), start


def test_create_reschedule_cancel_mails_each_party_once(page: Page, smtp: SMTPServer) -> None:
    start, moved = next_slot(days=3, hour=10), next_slot(days=3, hour=14)
    created = page.book(start)
    assert created.status_code == 201, created.text
    booking, token = created.json(), created.json()["manage_token"]
    assert smtp.received == []  # nothing leaves inside the request
    deliver_queued(page.app)
    [confirmation] = smtp.to(CUSTOMER)
    [new_booking] = smtp.to(HOST_EMAIL)
    assert f"{page.base}/m/{token}" in text_of(confirmation)
    assert f'href="{page.base}/m/{token}"' in html_of(confirmation)
    method, sequence, uid, dtstart = _event(confirmation)
    assert (method, sequence, dtstart) == ("REQUEST", 0, start)
    assert booking["id"] in uid
    assert "Ada Customer" in text_of(new_booking) and calendar_of(new_booking) is None

    path = f"/api/bookings/{booking['id']}"
    moved_answer = page.customer("PATCH", path, token, json={"start": rfc3339(moved)})
    assert moved_answer.status_code == 200, moved_answer.text
    deliver_queued(page.app)
    assert len(smtp.to(CUSTOMER)) == 1  # the customer acted: only the host is told
    [_, rescheduled] = smtp.to(HOST_EMAIL)
    assert rescheduled["Subject"].startswith("Booking moved")
    assert _event(rescheduled) == ("REQUEST", 1, uid, moved)

    cancelled = page.host("POST", f"{path}/cancel", json={"reason": "Ill <b>today</b>"})
    assert cancelled.status_code == 200, cancelled.text
    deliver_queued(page.app)
    assert len(smtp.to(HOST_EMAIL)) == 2  # the host acted: only the customer is told
    [_, cancellation] = smtp.to(CUSTOMER)
    assert cancellation["Subject"].startswith("Booking cancelled")
    assert _event(cancellation) == ("CANCEL", 2, uid, moved)
    assert "Ill &lt;b&gt;today&lt;/b&gt;" in html_of(cancellation)

    deliver_queued(page.app)  # nothing is sent twice
    ids = [m["Message-ID"] for m in (r.message for r in smtp.received)]
    assert len(ids) == 4 == len(set(ids))
    assert {j.payload["message_id"] for j in mail_jobs(page.app) if j.status == "done"} == set(ids)


def test_customer_text_is_escaped_and_never_a_link(page: Page, smtp: SMTPServer) -> None:
    # Names are plain words (markup is refused at booking); notes may hold anything.
    refused = page.book(next_slot(days=3), name='<a href="https://evil.example/">Click</a>')
    assert refused.status_code == 400
    name = "O'Brien (Ann)"
    notes = '<a href="https://evil.example/">Click</a> see <script>x</script>'
    created = page.book(next_slot(days=3), name=name, notes=notes)
    assert created.status_code == 201, created.text
    deliver_queued(page.app)
    [host_mail] = smtp.to(HOST_EMAIL)
    html = html_of(host_mail)
    assert 'evil.example/">' not in html and "<script>" not in html
    assert "&lt;a href=&#34;https://evil.example/&#34;&gt;" in html  # the notes, escaped
    assert "<a " not in html  # the host's notice has no link at all
    assert name in text_of(host_mail)  # the text part shows the name as typed
    [confirmation] = smtp.to(CUSTOMER)
    assert html_of(confirmation).count("<a ") == 1  # only the manage link


def test_host_can_switch_off_new_booking_mail(page: Page, smtp: SMTPServer) -> None:
    switched = page.host("PATCH", "/api/me", json={"notify_new_booking": False})
    assert switched.status_code == 200, switched.text
    assert switched.json()["notify_new_booking"] is False
    assert page.book(next_slot(days=3)).status_code == 201
    deliver_queued(page.app)
    assert smtp.to(HOST_EMAIL) == []
    assert len(smtp.to(CUSTOMER)) == 1
    bad = page.host("PATCH", "/api/me", json={"notify_new_booking": "no"})
    assert bad.status_code == 400


def _set_reminders(page: Page, minutes: list[int]) -> None:
    answer = page.host(
        "PATCH", f"/api/event-types/{page.event_type_id}", json={"reminders_minutes": minutes}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["reminders_minutes"] == sorted(minutes, reverse=True)


def _reminders(page: Page) -> list[tuple[str, datetime]]:
    return sorted(
        (j.status, j.next_attempt_at)
        for j in mail_jobs(page.app)
        if j.payload.get("notice") == "reminder"
    )


def test_reminders_follow_the_booking_and_go_out_once(page: Page, smtp: SMTPServer) -> None:
    _set_reminders(page, [1440, 60])
    start, moved = next_slot(days=3, hour=10), next_slot(days=4, hour=9)
    created = page.book(start).json()
    assert _reminders(page) == [
        ("pending", start - timedelta(minutes=1440)),
        ("pending", start - timedelta(minutes=60)),
    ]
    path = f"/api/bookings/{created['id']}"
    assert page.host("PATCH", path, json={"start": rfc3339(moved)}).status_code == 200
    pending = sorted(at for status, at in _reminders(page) if status == "pending")
    assert pending == [moved - timedelta(minutes=1440), moved - timedelta(minutes=60)]
    deliver_queued(page.app)  # now: confirmation, host notice, reschedule notice; no reminder
    assert [m["Subject"].split(":")[0] for m in smtp.to(CUSTOMER)] == [
        "Booking confirmed",
        "Booking moved",
    ]
    deliver_queued(page.app, now=moved - timedelta(minutes=59))
    reminders = [m for m in smtp.to(CUSTOMER) if m["Subject"].startswith("Reminder")]
    assert len(reminders) == 2  # both are due by then, each goes out once
    assert "Intro call" in text_of(reminders[0])
    deliver_queued(page.app, now=moved - timedelta(minutes=30))
    assert len(smtp.to(CUSTOMER)) == 4


def test_no_reminder_for_a_cancelled_booking_or_a_past_time(page: Page, smtp: SMTPServer) -> None:
    _set_reminders(page, [1440, 60])
    soon = next_slot(days=0, hour=0) + timedelta(hours=(datetime.now(UTC).hour + 3))
    booked_soon = page.book(soon)
    assert booked_soon.status_code == 201, booked_soon.text
    # 1440 minutes before is already past: only the 60-minute reminder is planned
    assert [at for _, at in _reminders(page)] == [soon - timedelta(minutes=60)]
    later = page.book(next_slot(days=5)).json()
    cancelled = page.customer(
        "POST", f"/api/bookings/{later['id']}/cancel", later["manage_token"], json={}
    )
    assert cancelled.status_code == 200
    statuses = [status for status, _ in _reminders(page)]
    assert statuses.count("pending") == 1 and statuses.count("superseded") == 2
    deliver_queued(page.app, now=next_slot(days=6))  # long after every start
    assert not [m for m in smtp.to(CUSTOMER) if m["Subject"].startswith("Reminder")]


def test_reminders_minutes_are_validated_and_shown(page: Page) -> None:
    listed = page.host("GET", f"/api/event-types/{page.event_type_id}").json()
    assert listed["reminders_minutes"] == [1440]
    for bad in ([-5], [1] * 6, "60", [60.5]):
        answer = page.host(
            "PATCH", f"/api/event-types/{page.event_type_id}", json={"reminders_minutes": bad}
        )
        assert answer.status_code == 400, (bad, answer.text)
        assert answer.headers["Content-Type"].startswith("application/problem+json")
    with page.app.app_context():
        assert db.session.get(EventType, page.event_type_id).reminders_minutes == [1440]  # type: ignore[union-attr]


def test_smtp_down_never_fails_a_request(page: Page, smtp: SMTPServer) -> None:
    smtp.stop()
    created = page.book(next_slot(days=3))
    assert created.status_code == 201, created.text
    booking, token = created.json(), created.json()["manage_token"]
    path = f"/api/bookings/{booking['id']}"
    moved = page.customer("PATCH", path, token, json={"start": rfc3339(next_slot(days=4))})
    assert moved.status_code == 200, moved.text
    assert page.host("POST", f"{path}/cancel", json={}).status_code == 200
    deliver_queued(page.app)
    notices = [j.payload["notice"] for j in mail_jobs(page.app) if j.status == "pending"]
    assert sorted(notices) == ["cancelled", "confirmation", "new_booking", "rescheduled"]


def test_openapi_describes_the_mail_settings(page: Page) -> None:
    schemas = requests_get_json(page, "/openapi.json")["components"]["schemas"]
    assert "notify_new_booking" in schemas["Me"]["properties"]
    assert "notify_new_booking" in schemas["MePatch"]["properties"]
    for name in ("EventTypeIn", "EventTypePatch", "EventTypeOut"):
        assert "reminders_minutes" in schemas[name]["properties"], name


def requests_get_json(page: Page, path: str) -> dict[str, Any]:
    answer = page.host("GET", path)
    assert answer.status_code == 200
    return dict(answer.json())
