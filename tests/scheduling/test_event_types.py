"""/api/event-types: CRUD of the host's bookable services, owner only, archived on delete."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from kaleno.extensions import db
from kaleno.models import Booking, EventType
from tests.auth.browser import Browser
from tests.scheduling.helpers import EVENT_TYPE, Host, fields_of, sign_in_host


@pytest.fixture
def host(browser: Browser) -> Host:
    return sign_in_host(browser)


def test_create_applies_defaults_and_lists(host: Host) -> None:
    response = host.call("POST", "/api/event-types", EVENT_TYPE)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["slug"] == "intro"
    assert created["location"] == {"kind": "google_meet", "address": None, "details": None}
    assert (created["buffer_before_minutes"], created["buffer_after_minutes"]) == (0, 0)
    assert (created["horizon_days"], created["slot_interval_minutes"]) == (60, 30)
    assert created["max_per_day"] is None
    assert created["cancellation_notice_minutes"] == 0
    assert created["active"] is True
    assert host.call("GET", "/api/event-types").json() == {"event_types": [created]}
    assert host.call("GET", f"/api/event-types/{created['id']}").json() == created


def test_create_with_every_field(host: Host) -> None:
    full = {
        "slug": "site-visit",
        "title": "  Site visit ",
        "description": "We walk the site.",
        "duration_minutes": 90,
        "location": {"kind": "in_person", "address": "Jl. Sudirman 1, Jakarta"},
        "buffer_before_minutes": 15,
        "buffer_after_minutes": 30,
        "min_notice_minutes": 1440,
        "horizon_days": 30,
        "slot_interval_minutes": 60,
        "max_per_day": 2,
        "cancellation_notice_minutes": 720,
        "active": False,
    }
    body = host.call("POST", "/api/event-types", full).json()
    assert body["title"] == "Site visit"
    assert body["location"]["address"] == "Jl. Sudirman 1, Jakarta"
    assert {k: body[k] for k in full if k not in ("title", "location")} == {
        k: v for k, v in full.items() if k not in ("title", "location")
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 4}, "duration_minutes"),
        ({"duration_minutes": 721}, "duration_minutes"),
        ({"duration_minutes": "30"}, "duration_minutes"),
        ({"duration_minutes": 30.5}, "duration_minutes"),
        ({"buffer_before_minutes": -1}, "buffer_before_minutes"),
        ({"buffer_after_minutes": 241}, "buffer_after_minutes"),
        ({"min_notice_minutes": 60 * 24 * 60 + 1}, "min_notice_minutes"),
        ({"horizon_days": 10_000}, "horizon_days"),
        ({"horizon_days": 0}, "horizon_days"),
        ({"slot_interval_minutes": 1}, "slot_interval_minutes"),
        ({"max_per_day": 0}, "max_per_day"),
        ({"max_per_day": 101}, "max_per_day"),
        ({"cancellation_notice_minutes": 43_201}, "cancellation_notice_minutes"),
        ({"title": ""}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"slug": "Intro Call"}, "slug"),
        ({"location": {"kind": "zoom"}}, "location.kind"),
        ({"location": {"kind": "in_person"}}, "location.address"),
        ({"location": {"kind": "phone", "number": "1"}}, "location.number"),
        ({"active": "yes"}, "active"),
        ({"price": 10}, "price"),
    ],
)
def test_create_rejects_absurd_values_naming_the_field(
    host: Host, change: dict[str, object], field: str
) -> None:
    assert fields_of(host.call("POST", "/api/event-types", {**EVENT_TYPE, **change})) == {field}


def test_create_names_missing_required_fields(host: Host) -> None:
    assert fields_of(host.call("POST", "/api/event-types", {})) == {
        "slug",
        "title",
        "duration_minutes",
    }


def test_slug_is_unique_per_host_only(app: Flask, host: Host) -> None:
    assert host.call("POST", "/api/event-types", EVENT_TYPE).status_code == 201
    again = host.call("POST", "/api/event-types", EVENT_TYPE)
    assert again.status_code == 409
    assert again.json()["type"] == "urn:kaleno:problem:slug-taken"
    other = sign_in_host(Browser(app, host.browser.google), "other@example.com", "Other")
    assert other.call("POST", "/api/event-types", EVENT_TYPE).status_code == 201


def test_patch_changes_only_sent_fields(host: Host) -> None:
    created = host.call("POST", "/api/event-types", {**EVENT_TYPE, "max_per_day": 3}).json()
    path = f"/api/event-types/{created['id']}"
    response = host.call("PATCH", path, {"duration_minutes": 45, "max_per_day": None})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["duration_minutes"], body["max_per_day"]) == (45, None)
    assert body["title"] == "Intro call"
    assert fields_of(host.call("PATCH", path, {"title": None})) == {"title"}
    assert fields_of(host.call("PATCH", path, {"horizon_days": 731})) == {"horizon_days"}


def test_patch_slug_conflict_is_409(host: Host) -> None:
    host.call("POST", "/api/event-types", EVENT_TYPE)
    second = host.call("POST", "/api/event-types", {**EVENT_TYPE, "slug": "deep-dive"}).json()
    response = host.call("PATCH", f"/api/event-types/{second['id']}", {"slug": "intro"})
    assert response.status_code == 409


def test_other_hosts_event_types_are_404(app: Flask, host: Host) -> None:
    created = host.call("POST", "/api/event-types", EVENT_TYPE).json()
    path = f"/api/event-types/{created['id']}"
    other = sign_in_host(Browser(app, host.browser.google), "other@example.com", "Other")
    assert other.call("GET", "/api/event-types").json() == {"event_types": []}
    for method, body in (("GET", None), ("PATCH", {"title": "Mine"}), ("DELETE", None)):
        response = other.call(method, path, body)
        assert response.status_code == 404, method
        assert response.json()["type"] == "urn:kaleno:problem:not-found"
    assert host.call("GET", path).json()["title"] == "Intro call"
    assert host.call("GET", "/api/event-types/not-a-uuid").status_code == 404


def test_delete_archives_and_keeps_bookings(app: Flask, host: Host) -> None:
    created = host.call("POST", "/api/event-types", EVENT_TYPE).json()
    path = f"/api/event-types/{created['id']}"
    with app.app_context():
        event_type = db.session.get(EventType, uuid.UUID(created["id"]))
        assert event_type is not None
        start = datetime(2030, 1, 7, 9, tzinfo=UTC)
        db.session.add(
            Booking(
                host_id=event_type.user_id,
                event_type_id=event_type.id,
                start_at=start,
                end_at=start + timedelta(minutes=30),
                blocked_start=start,
                blocked_end=start + timedelta(minutes=30),
            )
        )
        db.session.commit()
    response = host.call("DELETE", path)
    assert response.status_code == 204
    assert host.call("GET", "/api/event-types").json() == {"event_types": []}
    assert host.call("GET", path).status_code == 404
    assert host.call("DELETE", path).status_code == 404
    with app.app_context():
        row = db.session.query(EventType).one()
        assert row.archived_at is not None
        assert row.active is False
        assert db.session.query(Booking).one().event_type_id == row.id
    # The slug is free again.
    assert host.call("POST", "/api/event-types", EVENT_TYPE).status_code == 201


def test_unsafe_methods_need_csrf(host: Host) -> None:
    assert host.call("POST", "/api/event-types", EVENT_TYPE, csrf=False).status_code == 403
    created = host.call("POST", "/api/event-types", EVENT_TYPE).json()
    path = f"/api/event-types/{created['id']}"
    response = host.call("PATCH", path, {"title": "New"}, csrf=False)
    assert response.status_code == 403
    assert response.json()["type"] == "urn:kaleno:problem:csrf-failed"
    assert host.call("DELETE", path, csrf=False).status_code == 403
    assert host.call("GET", path).json()["title"] == "Intro call"


def test_needs_sign_in(app: Flask, browser: Browser) -> None:
    assert browser.get("/api/event-types").status_code == 401
