"""A host with a connected calendar and a bookable page, and helpers to book against it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import update

from kaleno.emulator.testing import EmulatorServer
from kaleno.extensions import db
from kaleno.models import AvailabilityRules, Booking, EventType, OutboxJob, User, utcnow
from kaleno.notices.queue import MAIL_KIND
from kaleno.outbox import registered_kinds
from kaleno.worker import run_worker
from tests.auth.browser import Browser

HOST_EMAIL = "host@example.com"
ALL_DAY = [{"start": "00:00", "end": "24:00"}]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def next_slot(days: int = 2, hour: int = 10) -> datetime:
    """A start on the 30-minute grid, ``days`` from now (inside any default horizon)."""
    base = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=days)
    return base.replace(hour=hour)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Page:
    """A published booking page of a connected host."""

    app: Flask
    browser: Browser
    google: EmulatorServer
    host_id: uuid.UUID
    event_type_id: uuid.UUID
    slug: str = "intro"

    @property
    def base(self) -> str:
        return str(self.app.config["BASE_URL"])

    def url(self, event_slug: str | None = None) -> str:
        return f"{self.base}/api/pages/host/{event_slug or self.slug}/bookings"

    def body(self, start: datetime, **changes: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "start": rfc3339(start),
            "name": "Ada Customer",
            "email": "ada@example.org",
            "timezone": "Europe/Paris",
        }
        body.update(changes)
        return {k: v for k, v in body.items() if v is not None}

    def book(
        self,
        start: datetime,
        key: str | None = None,
        *,
        event_slug: str | None = None,
        session: requests.Session | None = None,
        **changes: Any,
    ) -> requests.Response:
        """POST a booking over real HTTP (a fresh key unless one is given)."""
        http = session or requests
        return http.post(
            self.url(event_slug),
            json=self.body(start, **changes),
            headers={"Idempotency-Key": key or uuid.uuid4().hex},
            timeout=30,
        )

    def customer(self, method: str, path: str, token: str, **kwargs: Any) -> requests.Response:
        """A request as the customer, with the manage token and no cookies."""
        headers = {"Authorization": f"Bearer {token}"}
        return requests.request(method, self.base + path, headers=headers, timeout=30, **kwargs)

    def host(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A request as the signed-in host (session cookie + CSRF token)."""
        headers = {"X-CSRF-Token": self.browser.csrf()} if method != "GET" else {}
        return self.browser.http.request(
            method, self.base + path, headers=headers, timeout=30, **kwargs
        )

    def events(self) -> list[dict[str, Any]]:
        """Every event in the host's primary calendar, cancelled ones included."""
        return list(self.google.state()["events"].get(HOST_EMAIL, []))

    def live_events(self) -> list[dict[str, Any]]:
        return [e for e in self.events() if e.get("status") != "cancelled"]

    def calls(self, method: str) -> int:
        return int(self.google.state()["calls"].get(method, 0))

    def add_event_type(self, slug: str, **fields: Any) -> uuid.UUID:
        with self.app.app_context():
            event_type = EventType(**_event_type_fields(self.host_id, slug, **fields))
            db.session.add(event_type)
            db.session.commit()
            return event_type.id

    def run_worker(self, *, now: datetime | None = None) -> int:
        """Make every pending job due, then run every kind but mail once (mail is not counted)."""
        with self.app.app_context():
            make_due()
            clock: Callable[[], datetime] = (lambda: now) if now else utcnow
            kinds = tuple(kind for kind in registered_kinds() if kind != MAIL_KIND)
            return run_worker(once=True, clock=clock, kinds=kinds)

    def booking(self, booking_id: str) -> Booking:
        with self.app.app_context():
            booking = db.session.get(Booking, uuid.UUID(booking_id))
            assert booking is not None
            db.session.expunge(booking)
            return booking

    def jobs(self) -> list[OutboxJob]:
        """The outbox's jobs except mail (Google work, webhooks), oldest first."""
        with self.app.app_context():
            query = db.session.query(OutboxJob).filter(OutboxJob.kind != MAIL_KIND)
            rows = list(query.order_by(OutboxJob.created_at))
            for row in rows:
                db.session.expunge(row)
            return rows


def make_due() -> None:
    """Fast-forward the outbox: pending jobs are due and unleased now."""
    db.session.execute(
        update(OutboxJob)
        .where(OutboxJob.status == "pending")
        .values(next_attempt_at=utcnow() - timedelta(seconds=1), locked_until=None)
    )
    db.session.commit()


def _event_type_fields(host_id: uuid.UUID, slug: str, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "user_id": host_id,
        "slug": slug,
        "title": "Intro call",
        "description": "",
        "duration_minutes": 30,
        "location_kind": "google_meet",
        "slot_interval_minutes": 30,
        "horizon_days": 60,
        "cancellation_notice_minutes": 60,
    }
    values.update(fields)
    return values


def open_page(app: Flask, browser: Browser) -> tuple[uuid.UUID, uuid.UUID]:
    """Sign the host in, connect the calendar, open every day at slug ``host`` with one
    event type ``intro``; return the host's and the event type's ids."""
    browser.sign_in(HOST_EMAIL)
    response = browser.connect_calendar(HOST_EMAIL)
    assert response.status_code == 302, response.text
    with app.app_context():
        host = db.session.query(User).filter_by(email=HOST_EMAIL).one()
        host.slug, host.timezone = "host", "UTC"
        db.session.add(
            AvailabilityRules(
                user_id=host.id, weekly={day: ALL_DAY for day in WEEKDAYS}, overrides=[]
            )
        )
        event_type = EventType(**_event_type_fields(host.id, "intro"))
        db.session.add(event_type)
        db.session.commit()
        return host.id, event_type.id


@pytest.fixture
def page(app: Flask, browser: Browser) -> Page:
    """Host signed in, calendar connected, open every day, one event type ``intro``."""
    host_id, event_type_id = open_page(app, browser)
    return Page(app, browser, browser.google, host_id, event_type_id)
