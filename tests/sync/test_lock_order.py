"""Changes read from Google and customers' changes of one host's bookings, at once.

Every writer of a host's bookings takes the host's row first (a booking's change bumps
its ``bookings_version``); on PostgreSQL a writer that locks a booking first and the host
row after deadlocks against one that goes the other way.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest

from kaleno.unit_of_work import is_postgresql
from tests.bookings.conftest import HOST_EMAIL, next_slot, rfc3339
from tests.sync.conftest import Host, Worker, event_start, eventually

ROUNDS = 8
PAIRS = 4  # bookings a customer moves, and as many the host moves in Google
SETTLE_S = 60.0


def _times(day: int, hours: tuple[int, int]) -> tuple[datetime, datetime]:
    first = next_slot(days=day, hour=hours[0])
    return first, first.replace(hour=hours[1])


def _customer(host: Host, booking: dict[str, Any], day: int) -> list[int]:
    """Move the booking back and forth every round, then cancel it."""
    path, token = f"/api/bookings/{booking['id']}", booking["manage_token"]
    here, there = _times(day, (9, 10))
    statuses = []
    for round_ in range(ROUNDS):
        start = there if round_ % 2 == 0 else here
        moved = host.page.customer("PATCH", path, token, json={"start": rfc3339(start)})
        statuses.append(moved.status_code)
    cancelled = host.page.customer("POST", f"{path}/cancel", token, json={})
    return [*statuses, cancelled.status_code]


def _in_google(host: Host, bookings: list[tuple[dict[str, Any], int]]) -> None:
    """The host moves each of these bookings' events in Google every round, then deletes one."""
    for round_ in range(ROUNDS):
        for booking, day in bookings:
            here, there = _times(day, (14, 15))
            start = there if round_ % 2 == 0 else here
            host.move_event(booking["google"]["event_id"], start)
    host.google.delete_event(HOST_EMAIL, bookings[0][0]["google"]["event_id"])


def _settled(host: Host) -> bool:
    return all(job.status != "pending" for job in host.page.jobs())


def test_sync_and_customers_changing_one_hosts_bookings_at_once_never_deadlock(
    host: Host, worker: Worker, caplog: pytest.LogCaptureFixture
) -> None:
    with host.page.app.app_context():
        if not is_postgresql():
            pytest.skip("row locks and deadlocks are PostgreSQL's; SQLite serializes writers")
    caplog.set_level(logging.ERROR)
    host.wait_for_channel()
    # Each booking on its own day: customers' and Google's moves never compete for time.
    customers = [(host.book(_times(2 + i, (9, 10))[0]), 2 + i) for i in range(PAIRS)]
    in_google = [(host.book(_times(20 + i, (14, 15))[0]), 20 + i) for i in range(PAIRS)]
    go = threading.Barrier(PAIRS + 1)

    def customer(index: int) -> list[int]:
        go.wait()
        return _customer(host, *customers[index])

    def google() -> None:
        go.wait()
        _in_google(host, in_google)

    with ThreadPoolExecutor(max_workers=PAIRS + 1) as pool:
        moved_in_google = pool.submit(google)
        statuses = list(pool.map(customer, range(PAIRS)))
        moved_in_google.result()

    assert statuses == [[200] * (ROUNDS + 1)] * PAIRS  # no 500, no lost change
    deleted, *followed = in_google
    last_hour = 15 if (ROUNDS - 1) % 2 == 0 else 14  # where the last round put them

    def in_line() -> bool:
        ends = [_start_of(host, b["id"]) for b, _ in followed]
        lasts = [next_slot(days=day, hour=last_hour) for _, day in followed]
        cancelled = host.booking(deleted[0]["id"])["status"] == "cancelled"
        return ends == lasts and cancelled and _settled(host)

    eventually(in_line, timeout=SETTLE_S, what="Google's last moves followed, every job run")
    crashes = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert crashes == []  # e.g. "calendar sync job crashed" on a deadlock

    events = {event["id"]: event for event in host.page.events()}
    for booking, _ in customers:
        shown = host.booking(booking["id"])
        assert shown["status"] == "cancelled" and shown["cancelled_by"] == "customer"
        assert events[booking["google"]["event_id"]]["status"] == "cancelled"
    shown = host.booking(deleted[0]["id"])
    assert shown["cancelled_by"] == "host" and "deleted the event" in shown["cancel_reason"]
    for booking, _ in followed:
        shown = host.booking(booking["id"])
        event = events[booking["google"]["event_id"]]
        assert shown["status"] == "confirmed" and shown["google"]["sync"] == "synced", shown
        assert datetime.fromisoformat(shown["start"]) == event_start(event)
    notified = host.google.state()["push"]["delivered"]
    assert all(n["status"] == 204 for n in notified), notified  # Google's pushes answered


def _start_of(host: Host, booking_id: str) -> datetime:
    return datetime.fromisoformat(host.booking(booking_id)["start"])
