"""Manage tokens and Idempotency-Keys never reach the logs; the worker command; OpenAPI;
the PostgreSQL constraint as the last word on overlaps."""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from kaleno.bookings.errors import SlotUnavailable
from kaleno.bookings.guard import overlap_is_conflict
from kaleno.extensions import db
from kaleno.logs import JSONFormatter
from kaleno.models import Booking
from kaleno.unit_of_work import is_postgresql
from tests.bookings.conftest import Page, next_slot, rfc3339


@pytest.fixture
def all_logs() -> Iterator[io.StringIO]:
    """Every record at DEBUG, from every logger, as the JSON lines production writes."""
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(JSONFormatter())
    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    yield sink
    root.removeHandler(handler)
    root.setLevel(previous)


def test_manage_tokens_and_idempotency_keys_never_reach_the_logs(
    page: Page, all_logs: io.StringIO
) -> None:
    key = f"canary-{uuid.uuid4().hex}"
    page.google.fault("calendar.events.insert", 500, count=1)
    created = page.book(next_slot(), key=key)
    token = created.json()["manage_token"]
    page.book(next_slot(), key=key)  # replay
    page.book(next_slot(), key=key, name="Other")  # 422
    page.run_worker()
    path = f"/api/bookings/{created.json()['id']}"
    page.customer("GET", path, token)
    page.customer("PATCH", path, token, json={"start": rfc3339(next_slot(hour=15))})
    page.customer("GET", path, token + "x")
    page.customer("POST", f"{path}/cancel", token, json={})
    logged = all_logs.getvalue()
    assert "outbox job ran" in logged  # the sink did capture the flow
    assert key not in logged
    assert token not in logged


def test_worker_command_drains_the_outbox(app: Flask, page: Page) -> None:
    app.config["BOOKING_INLINE_SYNC"] = False
    try:
        page.book(next_slot())
        page.book(next_slot(hour=14))
    finally:
        app.config.pop("BOOKING_INLINE_SYNC")
    result = app.test_cli_runner().invoke(args=["kaleno", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "outbox jobs run: 6" in result.output  # 2 Google syncs, 2 x 2 mails
    assert len(page.events()) == 2
    again = app.test_cli_runner().invoke(args=["kaleno", "worker", "--once", "--max-jobs", "1"])
    assert again.exit_code == 0
    assert "outbox jobs run: 0" in again.output


def test_openapi_lists_the_booking_routes_and_their_problems(app: Flask) -> None:
    document = app.test_client().get("/openapi.json").get_json()
    create = document["paths"]["/api/pages/{host_slug}/{event_slug}/bookings"]["post"]
    assert {"201", "400", "404", "409", "422"} <= set(create["responses"])
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]]
    assert set(document["paths"]["/api/bookings/{booking_id}"]) == {"get", "patch"}
    assert "post" in document["paths"]["/api/bookings/{booking_id}/cancel"]
    assert "get" in document["paths"]["/api/bookings"]


def test_postgres_exclusion_constraint_turns_an_overlap_into_409(page: Page) -> None:
    with page.app.app_context():
        if not is_postgresql():
            pytest.skip("the exclusion constraint exists on PostgreSQL only")
    booked = page.book(next_slot()).json()
    with page.app.app_context():
        existing = db.session.scalars(select(Booking)).one()
        clash = Booking(
            host_id=existing.host_id,
            event_type_id=existing.event_type_id,
            start_at=existing.start_at + timedelta(minutes=10),
            end_at=existing.end_at + timedelta(minutes=10),
            blocked_start=existing.blocked_start + timedelta(minutes=10),
            blocked_end=existing.blocked_end + timedelta(minutes=10),
        )
        with pytest.raises(SlotUnavailable), overlap_is_conflict():
            db.session.add(clash)  # no application check here: the database refuses
            db.session.commit()
        assert db.session.scalars(select(Booking.id)).all() == [uuid.UUID(booked["id"])]
