"""Guest erasure and rectification against concurrent changes of the same host's bookings.

Every writer of a host's bookings takes the host's ``users`` row first (``FOR NO KEY
UPDATE``: a new booking in ``lock_bookable``, a cancel or a move in ``changes._locked``),
and every booking write bumps that row's ``bookings_version``. A guest request that
updated the bookings first and reached the host row only through that bump took the two
in the other order: on PostgreSQL, booking then host against host then booking is a
deadlock, and one of the two requests answered 500. SQLite serializes writers whole
(``BEGIN IMMEDIATE``), so these tests run on PostgreSQL only.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import Connection, select, text

from kaleno.bookings.sync_job import enqueue_sync
from kaleno.extensions import db
from kaleno.models import Booking, DataRequest, User, utcnow
from kaleno.unit_of_work import is_postgresql
from kaleno.vault import fingerprint
from tests.bookings.conftest import Page, next_slot
from tests.privacy import factories

GUEST = "gina.guest@example.org"


def _require_postgresql(page: Page) -> None:
    with page.app.app_context():
        if not is_postgresql():
            pytest.skip("row locks and deadlocks are a PostgreSQL matter (SQLite: BEGIN IMMEDIATE)")


def _guest_request(page: Page, kind: str, details: dict[str, Any] | None = None) -> tuple[str, str]:
    """A guest request as the emailed link leaves it: pending, with a token; (id, token)."""
    token = secrets.token_urlsafe(32)
    with page.app.app_context():
        now = utcnow()
        record = DataRequest(
            kind=kind,
            subject="guest",
            email=GUEST,
            token_hash=fingerprint(token),
            details=details or {},
            created_at=now,
            due_at=now + timedelta(days=30),
        )
        db.session.add(record)
        db.session.commit()
        return str(record.id), token


def _confirm(page: Page, request_id: str, token: str) -> requests.Response:
    return requests.post(
        f"{page.base}/api/privacy/requests/{request_id}/confirm", json={"token": token}, timeout=60
    )


def _guest_bookings(page: Page, count: int, first_day: int) -> list[uuid.UUID]:
    return [
        factories.booking(
            page.app,
            page.host_id,
            page.event_type_id,
            next_slot(days=first_day + index),
            email=GUEST,
            manage_token=secrets.token_urlsafe(16),
        )
        for index in range(count)
    ]


def _blocked_by(page: Page, pid: int) -> bool:
    """Whether some other session waits on a lock ``pid`` holds."""
    with page.app.app_context():
        waiting = db.session.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"),
            {"pid": pid},
        ).scalar_one()
        db.session.rollback()
        return bool(waiting)


def _while_a_writer_holds_the_host(
    page: Page, call: Callable[[], requests.Response], then: Callable[[Connection], None]
) -> requests.Response:
    """Hold the host's row as a booking writer does after its first lock, run ``call`` in a
    thread until it waits on that row, then take the writer's next step (``then``) and
    commit: a ``call`` holding that step's row already would deadlock with the writer.
    Returns what ``call`` answered."""
    answers: list[requests.Response] = []
    with page.app.app_context():
        writer = db.engine.connect()
        try:
            writer.execute(text("SET lock_timeout = '10s'"))
            pid = writer.execute(text("SELECT pg_backend_pid()")).scalar_one()
            writer.execute(
                text("SELECT id FROM users WHERE id = :id FOR NO KEY UPDATE"),
                {"id": page.host_id},
            )
            thread = threading.Thread(target=lambda: answers.append(call()))
            thread.start()
            deadline = time.monotonic() + 10
            while not _blocked_by(page, pid):
                assert thread.is_alive(), [answer.text for answer in answers]
                assert time.monotonic() < deadline, "the request never waited on the host"
                time.sleep(0.02)
            then(writer)
            writer.commit()
        finally:
            writer.close()
    thread.join(timeout=30)
    [answer] = answers
    return answer


@pytest.mark.parametrize(
    ("kind", "details"), [("erasure", {}), ("rectification", {"name": "Gina Right"})]
)
def test_guest_request_takes_the_host_row_before_the_bookings(
    page: Page, kind: str, details: dict[str, Any]
) -> None:
    """A booking writer holds the host row, the guest request waits for it, and the
    writer's next step (the booking's own row) is not held by the request meanwhile."""
    _require_postgresql(page)
    booking_ids = _guest_bookings(page, 3, first_day=2)
    request_id, token = _guest_request(page, kind, details)

    def cancel_one(writer: Connection) -> None:
        # The request waits on the host row: it must not hold this booking already.
        writer.execute(
            text(
                "UPDATE bookings SET status = 'cancelled', active = false, "
                "cancelled_by = 'host' WHERE id = :id"
            ),
            {"id": booking_ids[0]},
        )
        writer.execute(
            text("UPDATE users SET bookings_version = bookings_version + 1 WHERE id = :id"),
            {"id": page.host_id},
        )

    answer = _while_a_writer_holds_the_host(
        page, lambda: _confirm(page, request_id, token), cancel_one
    )
    assert answer.status_code == 200, answer.text
    with page.app.app_context():
        rows = {b.id: b for b in db.session.scalars(select(Booking))}
    assert rows[booking_ids[0]].status == "cancelled"
    assert [rows[i].status for i in booking_ids[1:]] == ["confirmed", "confirmed"]
    if kind == "erasure":
        assert answer.json()["result"] == {"bookings_anonymized": 3}
        assert {rows[i].customer_email for i in booking_ids} == {None}
    else:
        assert answer.json()["result"] == {"bookings_rectified": 3}
        assert {rows[i].customer_name for i in booking_ids} == {"Gina Right"}


def _race_round(page: Page, round_no: int, per_round: int) -> list[uuid.UUID]:
    """One round: the guest's erasure, the host cancelling each of the guest's bookings,
    and as many new bookings with the host, released at once; fails on any bad answer."""
    csrf = page.browser.csrf()
    cookies = page.browser.http.cookies.get_dict()
    booking_ids = _guest_bookings(page, per_round, first_day=2 + round_no * per_round)
    request_id, token = _guest_request(page, "erasure")
    barrier = threading.Barrier(2 * per_round + 1)
    answers: dict[str, requests.Response] = {}

    def erase() -> None:
        barrier.wait()
        answers["erasure"] = _confirm(page, request_id, token)

    def cancel(booking_id: uuid.UUID) -> None:
        http = requests.Session()  # the host's session, one client per thread
        http.cookies.update(cookies)
        barrier.wait()
        answers[f"cancel {booking_id}"] = http.post(
            f"{page.base}/api/bookings/{booking_id}/cancel",
            json={},
            headers={"X-CSRF-Token": csrf},
            timeout=60,
        )

    def book(index: int) -> None:
        start = next_slot(days=40 + round_no, hour=index)
        barrier.wait()
        answers[f"book {index}"] = page.book(start, email=f"c{round_no}.{index}@example.org")

    threads = [threading.Thread(target=erase)]
    threads += [threading.Thread(target=cancel, args=(b,)) for b in booking_ids]
    threads += [threading.Thread(target=book, args=(i,)) for i in range(per_round)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = Counter((name.split()[0], r.status_code) for name, r in answers.items())
    expected = {("erasure", 200): 1, ("cancel", 200): per_round, ("book", 201): per_round}
    assert statuses == expected, {n: r.text for n, r in answers.items() if r.status_code >= 300}
    assert answers["erasure"].json()["result"] == {"bookings_anonymized": per_round}
    return booking_ids


def test_guest_erasure_racing_host_cancels_and_new_bookings(page: Page) -> None:
    """Rounds of a guest erasure, the host cancelling the guest's bookings and customers
    booking the same host, all at once: every request answers, nothing deadlocks, and the
    guest's bookings end cancelled and anonymized. Each request also runs its Google
    sync inline, so sync jobs write their bookings back in the middle of it all.
    """
    _require_postgresql(page)
    per_round, rounds = 6, 5
    erased = [b for n in range(rounds) for b in _race_round(page, n, per_round)]
    with page.app.app_context():
        rows = {b.id: b for b in db.session.scalars(select(Booking))}
        host = db.session.get(User, page.host_id)
        assert host is not None
        version = host.bookings_version
    assert {(rows[i].status, rows[i].customer_email) for i in erased} == {("cancelled", None)}
    assert [b for b in rows.values() if b.customer_email == GUEST] == []
    others = [b for i, b in rows.items() if i not in erased]
    assert len(others) == rounds * per_round
    assert {b.status for b in others} == {"confirmed"}
    # Every change slots depend on counted: each insert, each cancel (anonymizing the
    # customer's details, or writing the Google ids back, changes no slot).
    assert version >= len(others) + 2 * len(erased)


def test_a_sync_job_never_waits_on_the_host_row(page: Page) -> None:
    """A writer holding the host row (a cancel, a guest or host erasure) and then taking
    one of its bookings is not deadlocked by that booking's sync job running meanwhile:
    writing the event's ids back changes nothing the slots depend on, so the job locks
    the booking's row only and never the host's (it used to bump the host's version after
    locking the booking, the reverse of every other writer)."""
    _require_postgresql(page)
    created = page.book(next_slot(days=3))
    assert created.status_code == 201, created.text
    booking_id = uuid.UUID(created.json()["id"])
    with page.app.app_context():
        booking = db.session.get(Booking, booking_id)
        assert booking is not None
        enqueue_sync(booking, utcnow())
        db.session.commit()
    ran: list[int] = []
    with page.app.app_context():
        writer = db.engine.connect()
        try:
            writer.execute(text("SET lock_timeout = '10s'"))
            writer.execute(
                text("SELECT id FROM users WHERE id = :id FOR NO KEY UPDATE"),
                {"id": page.host_id},
            )
            worker = threading.Thread(target=lambda: ran.append(page.run_worker()))
            worker.start()
            worker.join(timeout=10)  # the job runs through: it does not wait on the host
            assert not worker.is_alive(), "the sync job waited on the host's row"
            writer.execute(
                text("SELECT id FROM bookings WHERE id = :id FOR UPDATE"), {"id": booking_id}
            )
            writer.commit()
        finally:
            writer.close()
    worker.join(timeout=30)
    assert [job.status for job in page.jobs()] == ["done", "done"]
    assert page.booking(str(booking_id)).google_sync == "synced"


def test_a_disconnect_takes_the_host_row_before_the_bookings(page: Page) -> None:
    """A disconnect clears the Google ids of the host's bookings and the host's own Google
    fields: it waits for the host's row first, as a cancel holding that row and then
    taking one of the bookings does, so the two queue instead of deadlocking."""
    _require_postgresql(page)
    created = page.book(next_slot(days=3))
    assert created.status_code == 201, created.text
    booking_id = uuid.UUID(created.json()["id"])
    with page.app.app_context():
        host = db.session.get(User, page.host_id)
        assert host is not None
        host.hosted_domain = "example.org"  # a Workspace host: the disconnect clears it
        db.session.commit()

    def lock_booking(writer: Connection) -> None:
        writer.execute(
            text("SELECT id FROM bookings WHERE id = :id FOR UPDATE"), {"id": booking_id}
        )

    answer = _while_a_writer_holds_the_host(
        page, lambda: page.host("DELETE", "/api/calendar"), lock_booking
    )
    assert answer.status_code == 200, answer.text
    booking = page.booking(str(booking_id))
    assert booking.google_event_id is None
