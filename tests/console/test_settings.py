"""Hours, overrides, blocking calendars and event types, edited from the console."""

from __future__ import annotations

import re

from flask import Flask

from kaleno.extensions import db
from kaleno.models import AvailabilityRules, EventType
from tests.console.conftest import Page, csrf_of, submit

EN = {"Accept-Language": "en"}


def test_hours_take_several_intervals_midnight_and_overrides(app: Flask, page: Page) -> None:
    saved = submit(
        page.browser,
        "/console/hours",
        "/console/hours",
        monday="09:00-12:00, 13:00-24:00",
        tuesday="8:30-17:00",
        overrides="2026-12-24 closed\n2026-12-31 10:00-14:00",
        calendars="primary",
    )
    assert saved.status_code == 303, saved.text
    with app.app_context():
        rules = db.session.query(AvailabilityRules).filter_by(user_id=page.host_id).one()
        assert rules.weekly["monday"] == [
            {"start": "09:00", "end": "12:00"},
            {"start": "13:00", "end": "24:00"},
        ]
        assert rules.weekly["tuesday"] == [{"start": "08:30", "end": "17:00"}]
        assert "wednesday" not in rules.weekly
        assert rules.overrides == [
            {"date": "2026-12-24", "intervals": []},
            {"date": "2026-12-31", "intervals": [{"start": "10:00", "end": "14:00"}]},
        ]
    shown = page.browser.get("/console/hours", headers=EN).text
    assert 'value="09:00-12:00, 13:00-24:00"' in shown


def test_bad_hours_are_refused_beside_the_field_and_nothing_changes(app: Flask, page: Page) -> None:
    with app.app_context():
        before = dict(
            db.session.query(AvailabilityRules).filter_by(user_id=page.host_id).one().weekly
        )
    for monday, status in (("9-12", 400), ("10:00-12:00, 11:00-13:00", 400), ("12:00-09:00", 400)):
        refused = submit(
            page.browser, "/console/hours", "/console/hours", monday=monday, calendars="primary"
        )
        assert refused.status_code == status, monday
        assert 'id="f-monday-error"' in refused.text
    with app.app_context():
        assert (
            db.session.query(AvailabilityRules).filter_by(user_id=page.host_id).one().weekly
            == before
        )


def test_event_type_create_edit_archive_with_a_public_link(app: Flask, page: Page) -> None:
    fields = {
        "title": "Consultation",
        "slug": "consult",
        "description": "",
        "duration_minutes": "45",
        "location_kind": "in_person",
        "location_address": "",
        "location_details": "",
        "buffer_before_minutes": "5",
        "buffer_after_minutes": "10",
        "min_notice_minutes": "120",
        "horizon_days": "30",
        "slot_interval_minutes": "15",
        "max_per_day": "4",
        "cancellation_notice_minutes": "1440",
        "reminders_minutes": "1440, 60",
        "active": "yes",
    }
    missing_address = submit(
        page.browser, "/console/event-types/new", "/console/event-types/new", **fields
    )
    assert missing_address.status_code == 400
    assert 'id="f-location_address-error"' in missing_address.text
    not_a_number = submit(
        page.browser,
        "/console/event-types/new",
        "/console/event-types/new",
        **{**fields, "location_address": "Jl. Sudirman 1", "duration_minutes": "forty"},
    )
    assert not_a_number.status_code == 400 and 'id="f-duration_minutes-error"' in not_a_number.text
    taken = submit(
        page.browser,
        "/console/event-types/new",
        "/console/event-types/new",
        **{**fields, "location_address": "Jl. Sudirman 1", "slug": "intro"},
    )
    assert taken.status_code == 409 and 'id="f-slug-error"' in taken.text

    created = submit(
        page.browser,
        "/console/event-types/new",
        "/console/event-types/new",
        **{**fields, "location_address": "Jl. Sudirman 1"},
    )
    assert created.status_code == 303
    with app.app_context():
        made = db.session.query(EventType).filter_by(user_id=page.host_id, slug="consult").one()
        assert (made.duration_minutes, made.buffer_before_minutes, made.max_per_day) == (45, 5, 4)
        assert (made.location_kind, made.location_address) == ("in_person", "Jl. Sudirman 1")
        assert list(made.reminders_minutes) == [1440, 60]
        made_id = made.id
    listing = page.browser.get("/console/event-types", headers=EN).text
    assert f'value="{page.base}/host/consult" readonly' in listing

    edited = submit(
        page.browser,
        f"/console/event-types/{made_id}",
        f"/console/event-types/{made_id}",
        **{
            **fields,
            "location_address": "Jl. Sudirman 1",
            "title": "Long consultation",
            "duration_minutes": "60",
        },
    )
    assert edited.status_code == 303
    first = submit(page.browser, "/console/event-types", f"/console/event-types/{made_id}/archive")
    assert first.status_code == 200 and "Archive “Long consultation”?" in first.text
    with app.app_context():
        assert db.session.get(EventType, made_id).archived_at is None  # type: ignore[union-attr]
    archived = page.browser.post(
        f"/console/event-types/{made_id}/archive",
        data={"csrf_token": csrf_of(first.text), "confirmed": "yes"},
    )
    assert archived.status_code == 303
    with app.app_context():
        assert db.session.get(EventType, made_id).archived_at is not None  # type: ignore[union-attr]
    assert "Long consultation" not in page.browser.get("/console/event-types", headers=EN).text
    assert re.search(r"Intro", page.browser.get("/console/event-types", headers=EN).text)
