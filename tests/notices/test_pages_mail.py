"""A booking made on the customer pages mails its confirmation; the mailed link works."""

from __future__ import annotations

import re
from datetime import datetime

import requests

from tests.bookings.conftest import Page, next_slot
from tests.notices.mailbox import calendar_of, deliver_queued, text_of
from tests.notices.smtp_server import SMTPServer
from tests.pages.forms import TIMEOUT, book_form, day_with_times, starts


def test_page_booking_mails_a_working_manage_link_in_the_page_language(
    page: Page, smtp: SMTPServer
) -> None:
    indonesian = {"Accept-Language": "id-ID,id;q=0.9"}
    shown = day_with_times(page.base, "Asia/Jakarta", next_slot(days=2))
    start = starts(shown.text)[0]
    form = book_form(page.base, shown.text, start, tz="Asia/Jakarta", email="sari@example.id")
    booked = requests.post(f"{page.base}/host/intro", data=form, headers=indonesian, timeout=30)
    assert booked.status_code == 200, booked.text
    deliver_queued(page.app)
    [mail] = smtp.to("sari@example.id")
    assert mail["Subject"].startswith("Pemesanan dikonfirmasi")
    calendar = calendar_of(mail)
    assert calendar is not None
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == datetime.fromisoformat(start)  # the booked instant
    found = re.search(rf"{re.escape(page.base)}/m/\S+", text_of(mail))
    assert found
    traded = requests.get(found.group(0), allow_redirects=False, timeout=TIMEOUT)
    assert traded.status_code == 303 and traded.headers["Location"].startswith("/m/b/")
