"""One registry of sealed values: key rotation walks every one, none can be forgotten."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import Flask

from config import new_token_key_entry, parse_token_keys
from kaleno.bookings.idempotency import seal_token
from kaleno.extensions import db
from kaleno.models import Base, IdempotencyKey, OutboxJob, utcnow
from kaleno.sealed import registered_columns
from tests.auth.browser import Browser
from tests.bookings.conftest import Page, next_slot, open_page


def test_every_sealed_column_of_every_model_is_registered() -> None:
    sealed = {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.name.endswith("_sealed")
    }
    assert sealed, "the models hold sealed columns"
    assert sealed <= registered_columns(), sealed - registered_columns()
    # JSON fields that hold a sealed value are registered as ``column.field``.
    assert ("idempotency_keys", "response_body.manage_token_sealed") in registered_columns()


@contextmanager
def _ring(app: Flask, entry: str) -> Iterator[None]:
    """Run with ``KALENO_TOKEN_KEYS`` set to ``entry`` (the live server sees it too)."""
    previous = app.config["TOKEN_KEYS"]
    app.extensions.pop("kaleno_vault", None)
    app.config["TOKEN_KEYS"] = parse_token_keys(entry)
    try:
        yield
    finally:
        app.config["TOKEN_KEYS"] = previous
        app.extensions.pop("kaleno_vault", None)


def test_rotation_reaches_queued_revokes_and_running_idempotency_rows(
    app: Flask, browser: Browser
) -> None:
    """Issue 12, defect 1: after ``keys rotate`` and removing the old key, as the README
    says, the queued revoke still runs and the retry of a request that died after booking
    still gets its manage token (not a 500)."""
    old_entry, new_entry = app.config["TOKEN_KEYS_RAW"], new_token_key_entry("k2")
    host_id, event_type_id = open_page(app, browser)
    page = Page(app, browser, browser.google, host_id, event_type_id)
    start = next_slot()
    first = page.book(start, key="k")
    assert first.status_code == 201
    token = first.json()["manage_token"]
    with app.app_context():  # the first request died after its commit, before answering
        row = db.session.query(IdempotencyKey).one()
        row.state, row.response_status = "running", None
        row.created_at = utcnow() - timedelta(minutes=5)
        row.response_body = seal_token(row.id, host_id, token)
        db.session.commit()
    page.google.fault("oauth2.revoke", 503, count=1)
    assert page.host("DELETE", "/api/calendar").json()["google_revoke"] == "queued"

    with _ring(app, f"{new_entry},{old_entry}"):
        result = app.test_cli_runner().invoke(args=["kaleno", "keys", "rotate"])
        assert result.exit_code == 0, result.output
    with _ring(app, new_entry):  # the old key is gone
        retry = page.book(start, key="k")
        assert retry.status_code == 201, retry.text
        assert retry.json()["manage_token"] == token
        page.run_worker(now=utcnow() + timedelta(minutes=10))
    with app.app_context():
        job = db.session.query(OutboxJob).filter_by(kind="google.revoke").one()
        assert (job.status, job.secret_sealed, job.last_error) == ("done", None, None)
    assert all(g["revoked"] for g in page.google.state()["tokens"]["grants"])
