"""The customers' privacy centre: ask by email, open the link, confirm, download once."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from kaleno.extensions import db
from kaleno.models import Booking, User, utcnow
from kaleno.site.cookies import REQUEST_GRANT_COOKIE
from tests.conftest import every_row
from tests.notices.mailbox import memory_mail_to, text_of, token_in
from tests.privacy import factories

GUEST = "gina@example.com"
EN = {"Accept-Language": "en"}


def _host_with_booking(app: Flask) -> None:
    with app.app_context():
        user = User(google_sub="host-sub", email="h@example.com", name="Hana Host")
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    et = factories.event_type(app, user_id)
    factories.booking(app, user_id, et, utcnow() + timedelta(days=1), email=GUEST)


def _ask(client: FlaskClient, email: str, kind: str, **extra: str) -> str:
    response = client.post(
        "/privacy/requests", data={"email": email, "kind": kind, **extra}, headers=EN
    )
    assert response.status_code == 200, response.text
    return response.get_data(as_text=True)


def _open_link(app: Flask, client: FlaskClient) -> str:
    [mail] = memory_mail_to(app, GUEST)[-1:]
    text = text_of(mail)
    link = re.search(r"(/privacy/requests/[0-9a-f-]+/t/\S+)", text)
    assert link, text
    traded = client.get(link.group(1))
    assert traded.status_code == 303
    assert token_in(mail) not in traded.headers["Location"]
    grant = client.get_cookie(REQUEST_GRANT_COOKIE, path=traded.headers["Location"])
    assert grant is not None and token_in(mail) not in grant.value
    assert grant.http_only
    return traded.headers["Location"]


def test_the_answer_is_the_same_for_known_and_unknown_addresses(
    app: Flask, client: FlaskClient
) -> None:
    _host_with_booking(app)
    known = _ask(client, GUEST, "export")
    unknown = _ask(client, "nobody@example.com", "export")
    sent = re.search(r'<p id="sent">(.*?)</p>', known)
    assert sent and sent.group(0) in unknown


def test_a_bad_address_is_named_beside_the_field(client: FlaskClient) -> None:
    response = client.post(
        "/privacy/requests", data={"email": "nope", "kind": "export"}, headers=EN
    )
    assert response.status_code == 400
    assert 'id="f-email-error"' in response.get_data(as_text=True)


def test_export_is_confirmed_on_the_page_and_downloaded_once(
    app: Flask, client: FlaskClient
) -> None:
    _host_with_booking(app)
    _ask(client, GUEST, "export")
    mail_text = text_of(memory_mail_to(app, GUEST)[-1])
    assert "POST" not in mail_text
    shown_at = _open_link(app, client)
    shown = client.get(shown_at, headers=EN).get_data(as_text=True)
    assert "Waiting for your confirmation" in shown
    done = client.post(f"{shown_at}/confirm", headers=EN).get_data(as_text=True)
    assert 'id="download"' in done
    download = client.get(f"{shown_at}/export.json")
    assert download.status_code == 200
    assert json.loads(download.data)["bookings"][0]["email"] == GUEST
    assert client.get(f"{shown_at}/export.json").status_code == 410  # handed out once


def test_erasure_through_the_page_removes_the_guest(app: Flask, client: FlaskClient) -> None:
    _host_with_booking(app)
    _ask(client, GUEST, "erasure")
    shown_at = _open_link(app, client)
    done = client.post(f"{shown_at}/confirm", headers=EN).get_data(as_text=True)
    assert "Erased from 1 bookings." in done
    assert GUEST not in every_row(app)
    with app.app_context():
        assert db.session.query(Booking).one().customer_email is None


def test_without_the_grant_the_request_stays_closed(app: Flask, client: FlaskClient) -> None:
    _host_with_booking(app)
    _ask(client, GUEST, "erasure")
    shown_at = _open_link(app, client)
    stranger = app.test_client()
    assert stranger.get(shown_at).status_code == 403
    assert stranger.post(f"{shown_at}/confirm").status_code == 403
    request_id = shown_at.rsplit("/", 1)[-1]
    assert stranger.get(f"/privacy/requests/{request_id}/t/{'x' * 43}").status_code == 404
    with app.app_context():
        assert db.session.query(Booking).one().customer_email == GUEST


def test_rectification_through_the_page_corrects_name_and_phone(
    app: Flask, client: FlaskClient
) -> None:
    _host_with_booking(app)
    _ask(client, GUEST, "rectification", name="Gina Fixed", phone="+62 21 555 0101")
    shown_at = _open_link(app, client)
    done = client.post(f"{shown_at}/confirm", headers=EN).get_data(as_text=True)
    assert "Corrected on 1 bookings." in done
    with app.app_context():
        booking = db.session.query(Booking).one()
        assert (booking.customer_name, booking.customer_phone) == ("Gina Fixed", "+62 21 555 0101")


def test_a_bad_phone_is_named_beside_the_field_in_indonesian(client: FlaskClient) -> None:
    response = client.post(
        "/privacy/requests",
        data={"email": GUEST, "kind": "rectification", "phone": "call me <maybe>"},
        headers={"Accept-Language": "id"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="f-phone-error"' in html and "Masukkan nomor telepon" in html
    assert "<title>Kesalahan:" in html
