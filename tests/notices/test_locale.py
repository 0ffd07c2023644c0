"""Mails speak the language the customer booked in (English, Indonesian)."""

from __future__ import annotations

import uuid

import requests

from tests.bookings.conftest import HOST_EMAIL, Page, next_slot
from tests.notices.mailbox import deliver_queued, html_of, text_of
from tests.notices.smtp_server import SMTPServer


def _book(page: Page, language: str, email: str) -> requests.Response:
    return requests.post(
        page.url(),
        json=page.body(next_slot(days=3), email=email),
        headers={"Idempotency-Key": uuid.uuid4().hex, "Accept-Language": language},
        timeout=30,
    )


def test_indonesian_customer_gets_indonesian_mail(page: Page, smtp: SMTPServer) -> None:
    assert _book(page, "id-ID,id;q=0.9", "budi@example.id").status_code == 201
    deliver_queued(page.app)
    [mail] = smtp.to("budi@example.id")
    assert mail["Subject"].startswith("Pemesanan dikonfirmasi: Intro call, ")
    assert mail["Content-Language"] == "id"
    text = text_of(mail)
    assert "Kelola pemesanan Anda" in text and "Kapan: " in text
    days = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
    assert any(f"Kapan: {day}, " in text for day in days), text
    assert '<html lang="id">' in html_of(mail)
    [host_mail] = smtp.to(HOST_EMAIL)  # hosts have no language setting: the default
    assert host_mail["Subject"].startswith("New booking")


def test_english_is_the_default_and_uses_a_24_hour_clock(page: Page, smtp: SMTPServer) -> None:
    assert _book(page, "fr-FR", "claire@example.fr").status_code == 201
    deliver_queued(page.app)
    [mail] = smtp.to("claire@example.fr")
    assert mail["Subject"].startswith("Booking confirmed: Intro call, ")
    assert ":" in mail["Subject"].rsplit(", ", 1)[1] and " AM" not in mail["Subject"]
    assert "(Europe/Paris)" in mail["Subject"]
