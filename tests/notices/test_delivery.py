"""SMTP down, then back: every mail goes out once, with the Message-ID it was queued with."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask

from kaleno.extensions import db
from kaleno.logs import JSONFormatter
from kaleno.mail import eml_name
from kaleno.models import OutboxJob, utcnow
from kaleno.worker import run_worker
from tests.bookings.conftest import HOST_EMAIL, Page, next_slot
from tests.conftest import every_row
from tests.notices.mailbox import deliver_queued, mail_jobs, text_of
from tests.notices.smtp_server import SMTPServer


def test_smtp_down_then_up_delivers_each_mail_once(page: Page, smtp: SMTPServer) -> None:
    smtp.stop()
    created = page.book(next_slot(days=3))
    assert created.status_code == 201, created.text  # the request never waits on SMTP
    for _ in range(3):
        deliver_queued(page.app)
    jobs = mail_jobs(page.app)
    assert {j.status for j in jobs if j.payload["notice"] != "reminder"} == {"pending"}
    assert all(j.attempts == 3 and "SMTP unreachable" in (j.last_error or "") for j in jobs[:2])
    queued_ids = {j.payload["message_id"] for j in jobs[:2]}
    smtp.start()
    deliver_queued(page.app)
    deliver_queued(page.app)
    received = [r.message["Message-ID"] for r in smtp.received]
    assert sorted(received) == sorted(queued_ids)
    assert {r.rcpt_tos[0] for r in smtp.received} == {"ada@example.org", HOST_EMAIL}


def test_a_permanent_refusal_fails_the_job_without_retrying(page: Page, smtp: SMTPServer) -> None:
    smtp.refuse("nobody@example.org")
    page.book(next_slot(days=3), email="nobody@example.org")
    deliver_queued(page.app)
    deliver_queued(page.app)
    assert [r.rcpt_tos for r in smtp.received] == [[HOST_EMAIL]]
    [confirmation] = [j for j in mail_jobs(page.app) if j.payload["notice"] == "confirmation"]
    assert (confirmation.status, confirmation.attempts) == ("failed", 1)
    assert confirmation.last_error == "recipient refused (550)"


def test_file_transport_writes_one_eml_per_message_id(
    page: Page, tmp_path: pytest.TempPathFactory, app: Flask
) -> None:
    app.config["MAIL_URL"] = f"file://{tmp_path}"
    try:
        page.book(next_slot(days=3))
        deliver_queued(app)
    finally:
        app.config["MAIL_URL"] = "memory://"
    ids = [j.payload["message_id"] for j in mail_jobs(app) if j.status == "done"]
    files = sorted(p.name for p in tmp_path.iterdir())  # type: ignore[attr-defined]
    assert files == sorted(eml_name(i) for i in ids) and len(files) == 2


@pytest.fixture
def all_logs() -> Iterator[io.StringIO]:
    """Everything every logger writes, as the production JSON formatter writes it."""
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(JSONFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield sink
    root.removeHandler(handler)
    root.setLevel(previous)


def test_manage_token_is_sealed_until_sent_then_gone(
    page: Page, smtp: SMTPServer, all_logs: io.StringIO
) -> None:
    smtp.stop()
    created = page.book(next_slot(days=3))
    token = created.json()["manage_token"]
    deliver_queued(page.app)  # SMTP down: a failed attempt, error recorded
    [confirmation] = [j for j in mail_jobs(page.app) if j.payload["notice"] == "confirmation"]
    assert (
        confirmation.secret_sealed is not None and token.encode() not in confirmation.secret_sealed
    )
    assert token not in every_row(page.app)
    smtp.start()
    deliver_queued(page.app)
    [mail] = smtp.to("ada@example.org")
    assert f"/m/{token}" in text_of(mail)  # the canary did travel, in the mail only
    [confirmation] = [j for j in mail_jobs(page.app) if j.payload["notice"] == "confirmation"]
    assert confirmation.status == "done" and confirmation.secret_sealed is None
    assert set(confirmation.payload) == {"notice", "to_role", "message_id", "outcome"}
    dump = every_row(page.app)
    assert token not in dump
    assert "outbox job ran" in all_logs.getvalue()
    assert token not in all_logs.getvalue()


def test_first_retry_through_makes_the_other_waiting_mails_due(
    page: Page, smtp: SMTPServer
) -> None:
    smtp.stop()
    page.book(next_slot(days=3))
    deliver_queued(page.app)  # both mails fail once and back off
    smtp.start()
    now = utcnow()
    with page.app.app_context():
        waiting = db.session.query(OutboxJob).filter(
            OutboxJob.kind == "mail", OutboxJob.status == "pending", OutboxJob.attempts == 1
        )
        jobs = {job.payload["notice"]: job for job in waiting}
        assert all(job.next_attempt_at > now for job in jobs.values())
        jobs["confirmation"].next_attempt_at = now - timedelta(seconds=1)
        db.session.commit()
        # the confirmation goes through, so the host's notice stops waiting: same drain
        assert run_worker(once=True, clock=lambda: now, kinds=("mail",)) == 2
    assert len(smtp.received) == 2


def test_mail_outlasts_a_long_outage_then_gives_up(page: Page, smtp: SMTPServer) -> None:
    smtp.stop()
    page.book(next_slot(days=3), email="late@example.org")
    with page.app.app_context():
        for job in db.session.query(OutboxJob).filter(OutboxJob.kind == "mail"):
            job.attempts = 20  # far past the 8 runs a Google job gets
        db.session.commit()
    deliver_queued(page.app)
    assert {j.status for j in mail_jobs(page.app) if j.attempts == 21} == {"pending"}
    with page.app.app_context():
        for job in db.session.query(OutboxJob).filter(OutboxJob.kind == "mail"):
            job.attempts = 299  # about a day of 5-minute retries
        db.session.commit()
    deliver_queued(page.app)
    assert {j.status for j in mail_jobs(page.app) if j.attempts == 300} == {"failed"}


def test_after_an_outage_a_booking_s_notices_arrive_in_order(page: Page, smtp: SMTPServer) -> None:
    smtp.stop()
    created = page.book(next_slot(days=3)).json()
    path = f"/api/bookings/{created['id']}"
    assert page.host("PATCH", path, json={"start": created["end"]}).status_code == 200
    assert page.host("POST", f"{path}/cancel", json={}).status_code == 200
    deliver_queued(page.app)
    smtp.start()
    with page.app.app_context():  # the backoff jitter happens to favour the latest notice
        now = utcnow()
        for job in db.session.query(OutboxJob).filter(OutboxJob.status == "pending"):
            ahead = {"cancelled": 30, "rescheduled": 20}.get(job.payload["notice"], 10)
            job.next_attempt_at = now - timedelta(seconds=ahead)
        db.session.commit()
    for _ in range(4):
        deliver_queued(page.app)
    subjects = [m["Subject"].split(":")[0] for m in smtp.to("ada@example.org")]
    assert subjects == ["Booking confirmed", "Booking moved", "Booking cancelled"]
