"""Schemathesis against the app's own /openapi.json: every documented operation is fuzzed
with valid and invalid input, anonymously and as a signed-in host, with the emulator as
Google. Bounded and deterministic (fixed seed, few examples per operation)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from kaleno import create_app
from tests.auth.browser import Browser
from tests.bookings.conftest import open_page
from tests.conftest import dispose, make_config

SEED = 20260316
MAX_EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def _served_document() -> dict[str, Any]:
    """The document the app serves at /openapi.json (routes do not depend on the database)."""
    app = create_app(make_config("sqlite://"))
    try:
        document: dict[str, Any] = app.test_client().get("/openapi.json").get_json()
    finally:
        dispose(app)
    return document


def _config(*, credentials: bool, **extra: Any) -> schemathesis.Config:
    """Bounded, seeded generation of valid and invalid input; ``credentials``: whether
    schemathesis may generate (and break) the session cookie and the bearer token itself."""
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "mode": "all",
                "with-security-parameters": credentials,
            },
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                # A body over KALENO_MAX_BODY_BYTES is refused before it is read: 413 rejects too.
                "negative_data_rejection": {
                    "expected-statuses": [400, 401, 403, 404, 405, 409, 413, 415, 422, 429]
                },
            },
            **extra,
        }
    )


DOCUMENT = _served_document()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=_config(credentials=True))
# Signed in, the public paths name the host's own page, so bookings and slots get past 404.
host_schema = schemathesis.openapi.from_dict(
    DOCUMENT,
    config=_config(credentials=False, parameters={"host_slug": "host", "event_slug": "intro"}),
)
# The fixtures hold one app and one host for all of an operation's examples, on purpose.
BOUNDED = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@schema.parametrize()
@BOUNDED
def test_anonymous(case: schemathesis.Case, app: Flask) -> None:
    """Without a session: no 5xx, documented statuses and bodies, bad input refused."""
    case.call_and_validate(app=app, checks=CHECKS)


@pytest.fixture
def host(app: Flask, browser: Browser) -> dict[str, dict[str, str]]:
    """A signed-in host with a connected calendar and a page open every day: the session
    cookie and the CSRF header, taken once (an example may sign out or erase the host)."""
    open_page(app, browser)
    cookies = {name: value for name, value in browser.http.cookies.items() if value}
    return {"cookies": cookies, "headers": {"X-CSRF-Token": browser.csrf()}}


@host_schema.parametrize()
@BOUNDED
def test_signed_in(case: schemathesis.Case, app: Flask, host: dict[str, dict[str, str]]) -> None:
    """As the signed-in host of a bookable page, with the CSRF token."""
    case.call_and_validate(app=app, checks=CHECKS, **host)
