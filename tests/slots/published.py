"""A host with a public page: signed in, calendar connected, hours and one event type set."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from flask import Flask

from kaleno.extensions import db
from kaleno.models import Booking, User
from tests.auth.browser import Browser
from tests.scheduling.helpers import Host, sign_in_host

# The clock the public routes read, fixed so dates in 2030 are inside the horizon.
NOW = datetime(2030, 1, 1, tzinfo=UTC)
NINE_TO_FIVE = [{"start": "09:00", "end": "17:00"}]
EVERY_DAY = {
    day: NINE_TO_FIVE
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
}


def freeze_clock(monkeypatch: pytest.MonkeyPatch, now: datetime = NOW) -> datetime:
    """Fix the public routes' clock (the one place they read it) at ``now``."""
    monkeypatch.setattr("kaleno.scheduling.pages.current_time", lambda: now)
    return now


@dataclass
class Published:
    app: Flask
    host: Host
    host_id: uuid.UUID
    event_type: dict[str, Any]

    @property
    def google(self) -> Any:
        return self.host.browser.google

    def slots(self, first: str, last: str, tz: str | None = None, event: str = "intro") -> Any:
        """GET the slots endpoint and return the JSON body (asserting 200)."""
        response = self.slots_response(first, last, tz, event)
        assert response.status_code == 200, response.text
        return response.json()

    def slots_response(
        self, first: str | None, last: str | None, tz: str | None = None, event: str = "intro"
    ) -> requests.Response:
        params = {"from": first, "to": last, "tz": tz}
        return self.host.browser.get(
            f"/api/pages/ada/{event}/slots",
            params={k: v for k, v in params.items() if v is not None},
        )

    def starts(self, first: str, last: str, tz: str | None = None) -> list[str]:
        """Every slot start in the range, flattened."""
        body = self.slots(first, last, tz)
        return [slot["start"] for day in body["days"] for slot in day["slots"]]

    def freebusy_calls(self) -> int:
        return int(self.google.state()["calls"].get("calendar.freebusy.query", 0))

    def busy_event(self, start: str, end: str, calendar: str = "primary") -> None:
        """Put an opaque event into the host's Google calendar."""
        event = {"summary": "busy", "start": {"dateTime": start}, "end": {"dateTime": end}}
        self.google.add_event(self.host.email, calendar, event)

    def book(self, start: datetime, minutes: int, before: int = 0, after: int = 0) -> uuid.UUID:
        """Insert an active booking of the event type straight into the database."""
        with self.app.app_context():
            booking = Booking(
                host_id=self.host_id,
                event_type_id=uuid.UUID(self.event_type["id"]),
                start_at=start,
                end_at=start + timedelta(minutes=minutes),
                blocked_start=start - timedelta(minutes=before),
                blocked_end=start + timedelta(minutes=minutes + after),
            )
            db.session.add(booking)
            db.session.commit()
            return booking.id


def publish(
    app: Flask,
    browser: Browser,
    *,
    timezone: str = "Asia/Jakarta",
    weekly: dict[str, Any] | None = None,
    event: dict[str, Any] | None = None,
    calendars: list[str] | None = None,
    connect: bool = True,
    scopes: list[str] | None = None,
) -> Published:
    """Set a host up through the API: slug ``ada``, availability, event type ``intro``."""
    host = sign_in_host(browser, connect=connect, scopes=scopes)
    assert host.call("PATCH", "/api/me", {"slug": "ada", "name": "Ada"}).status_code == 200
    availability = {
        "timezone": timezone,
        "weekly": EVERY_DAY if weekly is None else weekly,
        "calendars": calendars or ["primary"],
    }
    response = host.call("PUT", "/api/availability", availability)
    assert response.status_code == 200, response.text
    body = {
        "slug": "intro",
        "title": "Intro call",
        "duration_minutes": 60,
        "slot_interval_minutes": 60,
        "horizon_days": 60,
        **(event or {}),
    }
    created = host.call("POST", "/api/event-types", body)
    assert created.status_code == 201, created.text
    with app.app_context():
        host_id = db.session.query(User.id).filter(User.slug == "ada").scalar()
    return Published(app, host, host_id, created.json())
