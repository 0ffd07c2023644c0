"""/metrics: route templates (never raw paths), Google calls, outbox depth, access control."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from kaleno.extensions import db
from kaleno.google import calendar
from kaleno.google.endpoints import current_endpoints
from kaleno.google.errors import CalendarRevoked, GoogleUnavailable
from kaleno.grant.tokens import access_token_for
from kaleno.models import OutboxJob, User, utcnow
from tests.auth.browser import FREEBUSY, Browser
from tests.web.conftest import WebAppFactory, assert_problem

TOKEN = "metrics-token-Zp4vQ8rT2xL6nB9m"


def _samples(
    client: FlaskClient, **kwargs: object
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def _value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_requests_are_counted_by_route_template_without_ids_or_queries(
    web_app: WebAppFactory,
) -> None:
    app = web_app()

    @app.get("/api/_probe/things/<thing_id>")
    def probe_thing(thing_id: str) -> dict[str, str]:
        return {"ok": "yes"}

    client = app.test_client()
    route = {"route": "/api/_probe/things/<thing_id>", "method": "GET", "status": "200"}
    before = _samples(client)
    for _ in range(2):
        assert client.get("/api/_probe/things/id-canary-42?code=query-canary").status_code == 200
    assert client.get("/api/no-such/raw-path-canary").status_code == 404
    response = client.get("/metrics")
    text = response.get_data(as_text=True)
    after = _samples(client)
    assert (
        _value(after, "kaleno_http_requests_total", **route)
        - _value(before, "kaleno_http_requests_total", **route)
        == 2
    )
    assert _value(after, "kaleno_http_request_duration_seconds_count", **route) >= 2
    unmatched = {"route": "<unmatched>", "method": "GET", "status": "404"}
    assert _value(after, "kaleno_http_requests_total", **unmatched) >= 1
    for canary in ("id-canary-42", "query-canary", "raw-path-canary", "code="):
        assert canary not in text


def test_without_a_token_only_unproxied_loopback_may_scrape(client: FlaskClient) -> None:
    assert client.get("/metrics").status_code == 200
    remote = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert_problem(remote, 404)
    # (a slug-shaped one-segment path would be a host's booking page: HTML)
    assert remote.get_json() == client.get("/api/no-such-route").get_json()
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"})
    assert_problem(proxied, 404)


def test_with_a_token_the_bearer_token_is_required(web_app: WebAppFactory) -> None:
    client = web_app(METRICS_TOKEN=TOKEN).test_client()
    assert_problem(client.get("/metrics"), 404)  # loopback is not enough any more
    wrong = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"})
    assert_problem(wrong, 404)
    remote = {"REMOTE_ADDR": "10.1.2.3"}
    good = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, environ_base=remote)
    assert good.status_code == 200
    assert "kaleno_http_requests_total" in good.get_data(as_text=True)
    assert good.headers["Cache-Control"] == "no-store"


def test_outbox_depth_and_oldest_pending_age(app: Flask, client: FlaskClient) -> None:
    now = utcnow()
    with app.app_context():
        db.session.add_all(
            [
                OutboxJob(
                    kind="booking.sync", status="pending", created_at=now - timedelta(minutes=5)
                ),
                OutboxJob(
                    kind="booking.sync", status="pending", created_at=now - timedelta(minutes=1)
                ),
                OutboxJob(kind="booking.sync", status="done", created_at=now - timedelta(hours=3)),
            ]
        )
        db.session.commit()
    samples = _samples(client)
    assert _value(samples, "kaleno_outbox_up") == 1
    assert _value(samples, "kaleno_outbox_pending_jobs") == 2
    assert 300 <= _value(samples, "kaleno_outbox_oldest_pending_age_seconds") < 400


def test_empty_outbox_reports_zero(client: FlaskClient) -> None:
    samples = _samples(client)
    assert _value(samples, "kaleno_outbox_pending_jobs") == 0
    assert _value(samples, "kaleno_outbox_oldest_pending_age_seconds") == 0


def test_google_calls_errors_and_refresh_failures(
    app: Flask, client: FlaskClient, browser: Browser
) -> None:
    browser.sign_in("metrics@example.com")
    browser.connect_calendar("metrics@example.com")
    freebusy = {"method": "calendar.freebusy.query"}
    refresh = {"method": "oauth2.token.refresh"}
    before = _samples(client)
    with app.app_context():
        user = db.session.query(User).one()
        token = access_token_for(user, FREEBUSY, utcnow())
        api = current_endpoints().calendar_api
        start = utcnow()
        calendar.free_busy(api, token, ["primary"], start, start + timedelta(days=1))
        browser.google.fault("calendar.freebusy.query", 503, count=1)
        with pytest.raises(GoogleUnavailable):
            calendar.free_busy(api, token, ["primary"], start, start + timedelta(days=1), retries=0)
        browser.google.fault("oauth2.token.refresh", 400, count=1)
        with pytest.raises(CalendarRevoked):
            access_token_for(user, FREEBUSY, utcnow(), force_refresh=True)
    after = _samples(client)

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("kaleno_google_calls_total", **freebusy) == 2
    assert delta("kaleno_google_errors_total", **freebusy, status="503") == 1
    assert delta("kaleno_google_calls_total", **refresh) == 1
    assert delta("kaleno_google_errors_total", **refresh, status="400") == 1
    assert delta("kaleno_google_token_refresh_failures_total") == 1


def test_metrics_route_is_in_the_openapi_document(client: FlaskClient) -> None:
    operation = client.get("/openapi.json").get_json()["paths"]["/metrics"]["get"]
    assert set(operation["responses"]) >= {"200", "404"}
    assert "Bearer" in operation["summary"]
