"""A connected host with a booking page, Kaleno's outbox worker running (sync on), and
helpers to wait for what the host's change in Google should bring about."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pytest
from flask import Flask

from kaleno.extensions import db
from kaleno.models import GoogleChannel, OutboxJob
from kaleno.worker import run_worker
from tests.bookings.conftest import HOST_EMAIL, Page, page, rfc3339  # noqa: F401

T = TypeVar("T")
FAST = {
    "SYNC_ENABLED": True,
    "SYNC_PUSH": "on",
    "SYNC_POLL_S": 0.5,
    "SYNC_RECONCILE_S": 2.0,
    "SYNC_TICK_S": 0.1,
    "SYNC_RENEW_BEFORE_S": 1.0,
    "SYNC_CHANNEL_TTL_S": 3600.0,
    "OUTBOX_BACKOFF_MIN_S": 0.1,
    "OUTBOX_BACKOFF_MAX_S": 0.5,
    "FREEBUSY_CACHE_TTL_S": 60,
}


def eventually(check: Callable[[], T | None], timeout: float = 10.0, what: str = "") -> T:
    """Poll ``check`` until it answers something truthy (bounded wait)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what or check}")
        time.sleep(0.05)


@pytest.fixture
def settings(app: Flask) -> Iterator[dict[str, Any]]:
    """Sync on, push on (the emulator takes http to loopback), short intervals."""
    saved = {key: app.config.get(key) for key in FAST}
    app.config.update(FAST)
    yield app.config
    app.config.update(saved)


class Worker:
    """``run_worker`` in a thread, as ``flask kaleno worker`` runs it."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with self.app.app_context():
            run_worker(poll_interval=0.05, stop=self._stop)

    def start(self) -> Worker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=20)


@pytest.fixture
def worker(settings: dict[str, Any], page: Page) -> Iterator[Worker]:  # noqa: F811
    running = Worker(page.app).start()
    yield running
    running.stop()


class Host:
    """The host's side: their Google calendar, Kaleno's rows, waiting helpers."""

    def __init__(self, page: Page) -> None:  # noqa: F811
        self.page = page
        self.google = page.google

    def channels(self) -> list[GoogleChannel]:
        with self.page.app.app_context():
            rows = list(db.session.query(GoogleChannel))
            for row in rows:
                db.session.expunge(row)
            return rows

    def google_channels(self) -> list[dict[str, Any]]:
        return list(self.google.state()["channels"])

    def wait_for_channel(self) -> GoogleChannel:
        def active() -> GoogleChannel | None:
            return next((c for c in self.channels() if c.status == "active"), None)

        channel = eventually(active, what="an active channel")
        eventually(lambda: self.delivered("sync"), what="the sync message delivered")
        return channel

    def delivered(self, state: str) -> list[dict[str, Any]]:
        return [d for d in self.google.state()["push"]["delivered"] if d["state"] == state]

    def move_event(self, event_id: str, start: datetime, minutes: int = 30) -> None:
        """Move the event in the host's Google calendar, as the host would there."""
        end = start + timedelta(minutes=minutes)
        patch = {"start": {"dateTime": rfc3339(start)}, "end": {"dateTime": rfc3339(end)}}
        self.google.edit_event(HOST_EMAIL, event_id, patch)

    def book(self, start: datetime, **changes: Any) -> dict[str, Any]:
        response = self.page.book(start, **changes)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        assert body["google"]["sync"] == "synced", body
        return body

    def booking(self, booking_id: str) -> dict[str, Any]:
        response = self.page.host("GET", f"/api/bookings/{booking_id}")
        assert response.status_code == 200, response.text
        shown: dict[str, Any] = response.json()
        return shown

    def notices(self, booking_id: str) -> list[tuple[str, str]]:
        """The notice mails queued for a booking: ``(notice, to_role)``, oldest first."""
        with self.page.app.app_context():
            query = db.session.query(OutboxJob).filter(
                OutboxJob.kind == "mail", OutboxJob.booking_id == uuid.UUID(booking_id)
            )
            return [
                (str(j.payload["notice"]), str(j.payload["to_role"]))
                for j in query.order_by(OutboxJob.created_at)
            ]

    def sync_jobs(self) -> list[OutboxJob]:
        return [j for j in self.page.jobs() if j.kind == "calendar.sync"]

    def slot_starts(self, day: datetime) -> list[datetime]:
        url = f"/api/pages/host/intro/slots?from={day:%Y-%m-%d}&to={day:%Y-%m-%d}&tz=UTC"
        response = self.page.host("GET", url)
        assert response.status_code == 200, response.text
        return [
            datetime.fromisoformat(slot["start"])
            for d in response.json()["days"]
            for slot in d["slots"]
        ]


@pytest.fixture
def host(page: Page) -> Host:  # noqa: F811
    return Host(page)


def event_start(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(event["start"]["dateTime"]).replace("Z", "+00:00"))


def same(a: str, b: datetime) -> bool:
    return datetime.fromisoformat(a) == b


def new_id() -> str:
    return uuid.uuid4().hex
