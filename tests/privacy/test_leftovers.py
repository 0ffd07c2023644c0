"""Privacy leftovers: what erasure, export and purge must not leave behind (issue 16)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from kaleno.extensions import db
from kaleno.models import DataRequest, EventType, User, utcnow
from kaleno.privacy.retention import purge
from kaleno.unit_of_work import unit
from tests.bookings.conftest import Page, next_slot
from tests.conftest import every_row
from tests.notices.mailbox import deliver_queued, memory_mail_to, token_in
from tests.privacy import factories

GUEST = "nora.leftover@example.org"
GUEST_NAME = "Nora Leftover"
GUEST_PHONE = "+33 6 9999 0000"
NOTES = "canary-notes-leftover"
REASON = "canary-reason-leftover"


def _open(page: Page, email: str, kind: str, **extra: str) -> tuple[str, str]:
    """Open a guest request over HTTP; return its id and the emailed token."""
    opened = requests.post(
        f"{page.base}/api/privacy/requests",
        json={"email": email, "kind": kind, **extra},
        timeout=30,
    )
    assert opened.status_code == 202, opened.text
    return str(opened.json()["id"]), token_in(memory_mail_to(page.app, email)[-1])


def _confirm(page: Page, request_id: str, token: str) -> dict[str, Any]:
    done = requests.post(
        f"{page.base}/api/privacy/requests/{request_id}/confirm", json={"token": token}, timeout=30
    )
    assert done.status_code == 200, done.text
    return dict(done.json())


def _download(page: Page, request_id: str, token: str) -> requests.Response:
    return requests.get(
        f"{page.base}/api/privacy/requests/{request_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def _book(page: Page, days: int, **changes: Any) -> dict[str, Any]:
    created = page.book(
        next_slot(days=days),
        email=GUEST,
        name=GUEST_NAME,
        phone=GUEST_PHONE,
        notes=NOTES,
        **changes,
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_guest_erasure_leaves_nothing_of_the_guest(page: Page) -> None:
    _book(page, 3)
    cancelled = _book(page, 4)
    gone = page.customer(
        "POST",
        f"/api/bookings/{cancelled['id']}/cancel",
        cancelled["manage_token"],
        json={"reason": REASON},
    )
    assert gone.status_code == 200, gone.text
    export_id, export_token = _open(page, GUEST, "export")
    _confirm(page, export_id, export_token)  # the result waits, not downloaded
    rect_id, rect_token = _open(page, GUEST, "rectification", name="Nora Renamed")
    _confirm(page, rect_id, rect_token)
    erase_id, erase_token = _open(page, GUEST.upper(), "erasure")
    assert _confirm(page, erase_id, erase_token)["result"] == {"bookings_anonymized": 2}
    page.run_worker()
    dump = every_row(page.app)
    for needle in (GUEST, GUEST_NAME, "Nora Renamed", GUEST_PHONE, NOTES, REASON):
        assert needle not in dump, needle
    earlier = _download(page, export_id, export_token)
    assert earlier.status_code == 200
    assert earlier.json()["result"] is None
    assert GUEST not in earlier.text and GUEST_NAME not in earlier.text


# Every column erasure keeps, per table (the receipt's ``kept_columns`` must match these,
# and every row left must hold nothing else).
def _non_null_columns(app: Flask) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)).mappings():
                if table.name == "data_requests" and row["subject"] == "guest":
                    continue  # the guest's own request, not the host's data
                filled = {name for name, value in row.items() if value is not None}
                found.setdefault(table.name, set()).update(filled)
    return found


def test_host_erasure_receipt_states_exactly_what_is_kept(page: Page) -> None:
    with page.app.app_context():
        db.session.get(EventType, page.event_type_id).title = "Canary Title Qz"  # type: ignore[union-attr]
        host = db.session.get(User, page.host_id)
        assert host is not None
        host_name, host_email = host.name, host.email
        db.session.commit()
    _book(page, 3)
    cancelled = _book(page, 4)
    page.customer(
        "POST",
        f"/api/bookings/{cancelled['id']}/cancel",
        cancelled["manage_token"],
        json={"reason": REASON},
    )
    export_id, export_token = _open(page, GUEST, "export")
    _confirm(page, export_id, export_token)  # stored result naming the host and the title
    erased = page.host("DELETE", "/api/me", params={"cancel_future_bookings": "true"})
    assert erased.status_code == 200, erased.text
    receipt = erased.json()
    # The customers' cancellation notices hold their address until sent, as the receipt says.
    assert "until the worker has sent them" in receipt["kept"]
    deliver_queued(page.app)
    dump = every_row(page.app)
    for needle in (host_name, host_email, "Canary Title Qz", REASON, GUEST_NAME, NOTES):
        assert needle and needle not in dump, needle
    kept = {table: set(columns) for table, columns in receipt["kept_columns"].items()}
    for table, columns in _non_null_columns(page.app).items():
        assert columns <= kept.get(table, set()), (table, columns - kept.get(table, set()))
    assert page.live_events() == []
    for table in receipt["kept_columns"]:
        assert table in receipt["kept"], table


def test_restricted_host_erasure_tells_customers_and_removes_invitations(page: Page) -> None:
    _book(page, 3)
    assert len(page.live_events()) == 1
    assert page.host("POST", "/api/me/restriction").status_code == 200
    erased = page.host("DELETE", "/api/me", params={"cancel_future_bookings": "true"})
    assert erased.status_code == 200, erased.text
    told = memory_mail_to(page.app, GUEST)
    assert any("cancelled" in str(m["Subject"]).lower() for m in told)
    assert page.live_events() == []


def test_erasure_while_google_fails_deletes_the_invitations_later(page: Page) -> None:
    _book(page, 3)
    assert page.host("POST", "/api/me/restriction").status_code == 200
    page.google.fault("calendar.events.delete", 503, count=2)  # the call and its retry
    erased = page.host("DELETE", "/api/me", params={"cancel_future_bookings": "true"})
    assert erased.status_code == 200, erased.text
    receipt = erased.json()["google"]
    assert receipt["google_events_deletion_queued"] == 1
    assert receipt["google_revoke"] == "queued"
    assert len(page.live_events()) == 1
    for _ in range(3):
        page.run_worker()
        if not page.live_events():
            break
    assert page.live_events() == []
    grants = page.google.state()["tokens"]["grants"]
    assert all(grant["revoked"] for grant in grants if "calendar" in " ".join(grant["scopes"]))
    assert "sealed" not in str(page.jobs()[-1].payload)


def test_emails_match_on_a_case_folded_form(app: Flask) -> None:
    client = app.test_client()
    with app.app_context():
        user = User(google_sub="h-sub", email="h@example.com", name="Hana Host")
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    et = factories.event_type(app, user_id)
    factories.booking(app, user_id, et, utcnow() + timedelta(days=1), email="Élodie@Exemple.fr")
    for kind, email in (("export", "élodie@exemple.fr"), ("erasure", "ÉLODIE@EXEMPLE.FR")):
        opened = client.post("/api/privacy/requests", json={"email": email, "kind": kind})
        assert opened.status_code == 202
        token = token_in(memory_mail_to(app, email)[-1])
        request_id = opened.get_json()["id"]
        done = client.post(f"/api/privacy/requests/{request_id}/confirm", json={"token": token})
        assert done.status_code == 200
        if kind == "export":
            shown = client.get(
                f"/api/privacy/requests/{request_id}",
                headers={"Authorization": f"Bearer {token}"},
            ).get_json()
            assert len(shown["result"]["bookings"]) == 1
        else:
            assert done.get_json()["result"] == {"bookings_anonymized": 1}


def _sqlite_files(app: Flask) -> list[Path]:
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("file-level remnants are a SQLite matter (PostgreSQL: PRIVACY.md, VACUUM)")
    path = Path(str(url.database))
    return [p for p in (path, Path(f"{path}-wal")) if p.exists()]


def _in_files(app: Flask, needle: str) -> bool:
    return any(needle.encode() in path.read_bytes() for path in _sqlite_files(app))


def test_guest_erasure_and_purge_leave_no_copy_in_the_sqlite_files(app: Flask) -> None:
    _sqlite_files(app)
    client = app.test_client()
    with app.app_context():
        user = User(google_sub="w-sub", email="w@example.com", name="Wanda Host")
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    et = factories.event_type(app, user_id)
    erased_name, purged_name = f"Zed-{uuid.uuid4().hex}", f"Old-{uuid.uuid4().hex}"
    factories.booking(
        app, user_id, et, utcnow() + timedelta(days=1), email="zed@example.org", name=erased_name
    )
    factories.booking(
        app, user_id, et, utcnow() - timedelta(days=900), email="old@example.org", name=purged_name
    )
    assert _in_files(app, erased_name) and _in_files(app, purged_name)
    opened = client.post(
        "/api/privacy/requests", json={"email": "zed@example.org", "kind": "erasure"}
    )
    token = token_in(memory_mail_to(app, "zed@example.org")[-1])
    done = client.post(
        f"/api/privacy/requests/{opened.get_json()['id']}/confirm", json={"token": token}
    )
    assert done.status_code == 200
    assert not _in_files(app, erased_name)
    with app.app_context(), unit():  # as ``flask kaleno purge`` runs it
        purge(utcnow(), dry_run=False)
    assert not _in_files(app, purged_name)


def test_export_results_are_kept_until_downloaded_or_a_short_expiry(page: Page) -> None:
    _book(page, 3)
    first_id, first_token = _open(page, GUEST, "export")
    confirmed = _confirm(page, first_id, first_token)
    assert confirmed["result"] is None  # delivered by the download, not here
    downloaded = _download(page, first_id, first_token)
    assert downloaded.json()["result"]["bookings"][0]["email"] == GUEST
    again = _download(page, first_id, first_token)
    assert again.status_code == 200 and again.json()["result"] is None
    second_id, second_token = _open(page, GUEST, "export")
    _confirm(page, second_id, second_token)
    with page.app.app_context():
        hours = int(page.app.config["RETENTION_EXPORT_HOURS"])
        assert 1 <= hours <= 48
        with unit():  # as ``flask kaleno purge`` runs it
            purge(utcnow() + timedelta(hours=hours, minutes=1), dry_run=False)
        results = [r.result for r in db.session.query(DataRequest).filter_by(kind="export")]
    assert results == [None, None]
    assert _download(page, second_id, second_token).json()["result"] is None
