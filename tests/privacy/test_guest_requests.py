"""Guest privacy requests: verified by an emailed token, no account enumeration."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from kaleno.extensions import db
from kaleno.models import Booking, DataRequest, OutboxJob, User, utcnow
from tests.notices.mailbox import memory_mail_to, token_in
from tests.privacy import factories

GUEST = "gina@example.com"


def _host_with_bookings(app: Flask) -> None:
    with app.app_context():
        user = User(google_sub="host-sub", email="h@example.com", name="Hana Host")
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    et = factories.event_type(app, user_id)
    factories.booking(app, user_id, et, utcnow() + timedelta(days=1), email="Gina@Example.com")
    factories.booking(app, user_id, et, utcnow() + timedelta(days=2), email="other@example.com")


def _token_for(app: Flask, to: str) -> str:
    return token_in(memory_mail_to(app, to)[-1])


def _open(client: FlaskClient, email: str, kind: str, **extra: str) -> dict[str, object]:
    response = client.post("/api/privacy/requests", json={"email": email, "kind": kind, **extra})
    assert response.status_code == 202
    return response.get_json()  # type: ignore[no-any-return]


def test_same_answer_for_known_and_unknown_emails(app: Flask, client: FlaskClient) -> None:
    _host_with_bookings(app)
    known = _open(client, GUEST, "export")
    unknown = _open(client, "nobody@example.com", "export")
    assert set(known) == set(unknown)
    assert known["status"] == unknown["status"] == "pending_verification"
    assert known["detail"] == unknown["detail"]


def test_export_needs_the_emailed_token(app: Flask, client: FlaskClient) -> None:
    _host_with_bookings(app)
    request_id = _open(client, GUEST, "export")["id"]
    assert (
        client.post(
            f"/api/privacy/requests/{request_id}/confirm", json={"token": "x" * 43}
        ).status_code
        == 404
    )
    assert client.get(f"/api/privacy/requests/{request_id}").status_code == 404
    token = _token_for(app, GUEST)
    done = client.post(f"/api/privacy/requests/{request_id}/confirm", json={"token": token})
    assert done.status_code == 200
    assert done.get_json()["status"] == "completed"
    shown = client.get(
        f"/api/privacy/requests/{request_id}", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    [booking] = shown["result"]["bookings"]
    assert booking["email"] == "Gina@Example.com"
    assert booking["host"] == "Hana Host"
    assert booking["notes"] == "gluten free"


def test_erasure_anonymizes_that_emails_bookings_and_queues_google_update(
    app: Flask, client: FlaskClient
) -> None:
    _host_with_bookings(app)
    request_id = _open(client, GUEST, "erasure")["id"]
    token = _token_for(app, GUEST)
    done = client.post(f"/api/privacy/requests/{request_id}/confirm", json={"token": token})
    assert done.get_json()["result"] == {"bookings_anonymized": 1}
    with app.app_context():
        emails = sorted(str(b.customer_email) for b in db.session.query(Booking).all())
        jobs = db.session.query(OutboxJob).filter_by(kind="booking.sync").count()
    assert emails == ["None", "other@example.com"]
    assert jobs == 1


def test_rectification_updates_name_and_phone(app: Flask, client: FlaskClient) -> None:
    _host_with_bookings(app)
    request_id = _open(client, GUEST, "rectification", name="Gina Right", phone="+62 811 1111")[
        "id"
    ]
    token = _token_for(app, GUEST)
    client.post(f"/api/privacy/requests/{request_id}/confirm", json={"token": token})
    with app.app_context():
        booking = (
            db.session.query(Booking).filter(Booking.customer_email == "Gina@Example.com").one()
        )
    assert (booking.customer_name, booking.customer_phone) == ("Gina Right", "+62 811 1111")


def test_bad_input_is_400(client: FlaskClient) -> None:
    response = client.post("/api/privacy/requests", json={"email": "not-an-email", "kind": "steal"})
    assert response.status_code == 400
    assert {e["field"] for e in response.get_json()["errors"]} == {"email", "kind"}


def test_a_request_confirmed_too_late_is_refused_and_then_scrubbed(
    app: Flask, client: FlaskClient
) -> None:
    _host_with_bookings(app)
    request_id = _open(client, GUEST, "rectification", name="Gina Late")["id"]
    token = _token_for(app, GUEST)
    with app.app_context():
        record = db.session.get(DataRequest, uuid.UUID(str(request_id)))
        assert record is not None
        record.created_at -= timedelta(hours=49)
        db.session.commit()
    late = client.post(f"/api/privacy/requests/{request_id}/confirm", json={"token": token})
    assert late.status_code == 409
    assert app.test_cli_runner().invoke(args=["kaleno", "purge"]).exit_code == 0
    with app.app_context():
        record = db.session.get(DataRequest, uuid.UUID(str(request_id)))
        assert record is not None
        kept = (record.status, record.email, record.token_hash, record.details)
        names = [b.customer_name for b in db.session.query(Booking)]
    assert kept == ("expired", None, None, {})  # the address and the new name are gone
    assert "Gina Late" not in names
