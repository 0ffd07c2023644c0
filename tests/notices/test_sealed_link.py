"""A mail's sealed link survives key rotation; a key retired too early fails the job, once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from config import new_token_key_entry, parse_token_keys
from tests.bookings.conftest import HOST_EMAIL, Page, next_slot
from tests.notices.mailbox import deliver_queued, mail_jobs, text_of
from tests.notices.smtp_server import SMTPServer

CUSTOMER = "ada@example.org"


@pytest.fixture
def key_ring(app: Flask) -> Iterator[tuple[str, str]]:
    """The app's key entry and a new one; the app's ring is restored afterwards."""
    previous = app.config["TOKEN_KEYS"]
    yield app.config["TOKEN_KEYS_RAW"], new_token_key_entry("k2")
    app.config["TOKEN_KEYS"] = previous
    app.extensions.pop("kaleno_vault", None)


def _use_keys(app: Flask, raw: str) -> None:
    app.config["TOKEN_KEYS"] = parse_token_keys(raw)
    app.extensions.pop("kaleno_vault", None)


def test_rotation_reseals_a_queued_mail_link(
    page: Page, smtp: SMTPServer, key_ring: tuple[str, str]
) -> None:
    old_entry, new_entry = key_ring
    token = page.book(next_slot(days=3)).json()["manage_token"]
    _use_keys(page.app, f"{new_entry},{old_entry}")
    rotated = page.app.test_cli_runner().invoke(args=["kaleno", "keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    _use_keys(page.app, new_entry)  # the old key is retired
    deliver_queued(page.app)
    [confirmation] = smtp.to(CUSTOMER)
    assert f"/m/{token}" in text_of(confirmation)


def test_a_link_under_a_retired_key_fails_its_job_for_good(
    page: Page, smtp: SMTPServer, key_ring: tuple[str, str]
) -> None:
    page.book(next_slot(days=3))
    _use_keys(page.app, key_ring[1])  # the old key dropped without rotating first
    deliver_queued(page.app)
    deliver_queued(page.app)
    assert smtp.to(CUSTOMER) == [] and len(smtp.to(HOST_EMAIL)) == 1
    [job] = [j for j in mail_jobs(page.app) if j.payload["notice"] == "confirmation"]
    assert (job.status, job.attempts) == ("failed", 1)
    assert job.last_error == "The sealed link cannot be opened with the current keys."
