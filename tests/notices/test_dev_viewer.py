"""``/_dev/mail`` shows what ``file://`` delivered, in development only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from icalendar import Calendar

from kaleno import create_app
from kaleno.extensions import db
from kaleno.models import utcnow
from kaleno.notices.facts import BookingFacts
from kaleno.notices.queue import enqueue_mail
from kaleno.worker import run_worker
from tests.conftest import dispose, make_config

START = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)


def _facts() -> BookingFacts:
    return BookingFacts(
        booking_id=str(uuid.uuid4()),
        sequence=0,
        status="confirmed",
        start=START.isoformat(),
        end=START.replace(minute=59).isoformat(),
        title="Intro call",
        description="",
        location_kind="phone",
        location=None,
        meet_link=None,
        host_name="Hana Host",
        host_email="hana@example.com",
        host_timezone="Asia/Jakarta",
        customer_name="Dev <Customer>",
        customer_email="dev@example.org",
        customer_phone=None,
        customer_timezone="Europe/Paris",
        notes=None,
        cancel_reason=None,
        locale="en",
    )


def test_dev_viewer_lists_shows_and_serves_the_ics(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    dev = create_app(
        make_config(database_url, ENV_NAME="development", MAIL_URL=f"file://{tmp_path}")
    )
    try:
        with dev.app_context():
            payload = {"notice": "confirmation", "to": "dev@example.org", "to_role": "customer"}
            enqueue_mail({**payload, "facts": _facts().as_payload()}, utcnow(), secret="tok")
            db.session.commit()
            assert run_worker(once=True, kinds=("mail",)) == 1
        client = dev.test_client()
        index = client.get("/_dev/mail")
        assert index.status_code == 200
        page = index.get_data(as_text=True)
        assert "Booking confirmed: Intro call" in page and "dev@example.org" in page
        [name] = [p.name for p in tmp_path.iterdir()]
        shown = client.get(f"/_dev/mail/{name}").get_data(as_text=True)
        assert "/m/tok" in shown and "Monday, 7 December 2026, 15:30 (Europe/Paris)" in shown
        ics = client.get(f"/_dev/mail/{name}/attachments/0")
        assert ics.status_code == 200 and ics.mimetype == "text/calendar"
        assert "attachment" in ics.headers["Content-Disposition"]
        [event] = Calendar.from_ical(ics.data).walk("VEVENT")
        assert event.decoded("dtstart") == START
        assert client.get(f"/_dev/mail/{name}/attachments/5").status_code == 404
        assert client.get("/_dev/mail/../../etc/passwd").status_code == 404
        assert client.get("/_dev/mail/not-a-mail.eml").status_code == 404
    finally:
        dispose(dev)


def test_dev_viewer_is_404_outside_development(app: Flask) -> None:
    assert app.test_client().get("/_dev/mail").status_code == 404
