"""Injected faults: googleapiclient retries them, then surfaces the last one."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from googleapiclient.errors import HttpError

WINDOW = {"timeMin": "2026-03-10T00:00:00Z", "timeMax": "2026-03-11T00:00:00Z"}


def _execute(request: Any, retries: int) -> tuple[Any, list[float]]:
    """Execute with retries, recording googleapiclient's backoff sleeps instead of sleeping."""
    sleeps: list[float] = []
    request._sleep = sleeps.append  # the library's own hook; keeps the test fast
    return request.execute(num_retries=retries), sleeps


def _calls(kit: Any, method: str) -> int:
    return int(kit.google.state()["calls"].get(method, 0))


def test_500_is_retried_until_it_succeeds(calendar: Any, kit: Any) -> None:
    kit.google.fault("calendar.freebusy.query", 500, count=1)
    body, sleeps = _execute(calendar.freebusy().query(body=WINDOW), retries=2)
    assert body["kind"] == "calendar#freeBusy"
    assert len(sleeps) == 1
    assert _calls(kit, "calendar.freebusy.query") == 2


def test_500_beyond_the_retries_surfaces_as_http_error(calendar: Any, kit: Any) -> None:
    kit.google.fault("calendar.events.list", 500, count=3)
    with pytest.raises(HttpError) as exc:
        _execute(calendar.events().list(calendarId="primary"), retries=2)
    assert exc.value.resp.status == 500
    assert json.loads(exc.value.content) == {
        "error": {
            "errors": [{"domain": "global", "reason": "backendError", "message": "Backend Error"}],
            "code": 500,
            "message": "Backend Error",
        }
    }
    assert _calls(kit, "calendar.events.list") == 3
    assert calendar.events().list(calendarId="primary").execute()["items"] == []


def test_429_is_retried_and_then_surfaced(calendar: Any, kit: Any) -> None:
    event = {
        "start": {"dateTime": "2026-03-10T08:00:00Z"},
        "end": {"dateTime": "2026-03-10T09:00:00Z"},
    }
    kit.google.fault("calendar.events.insert", 429, count=1)
    created, _ = _execute(calendar.events().insert(calendarId="primary", body=event), retries=1)
    assert created["status"] == "confirmed"
    assert _calls(kit, "calendar.events.insert") == 2

    kit.google.fault("calendar.events.insert", 429, count=2)
    with pytest.raises(HttpError) as exc:
        _execute(calendar.events().insert(calendarId="primary", body=event), retries=1)
    assert exc.value.resp.status == 429
    error = json.loads(exc.value.content)["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert error["errors"][0]["reason"] == "rateLimitExceeded"
    assert len(kit.google.state()["events"][kit.host_email]) == 1


def test_403_rate_limit_is_retried_but_quota_exceeded_is_not(calendar: Any, kit: Any) -> None:
    kit.google.fault("calendar.events.get", 403, count=1)
    kit.google.fault("calendar.events.get", 403, count=1, reason="quotaExceeded")
    with pytest.raises(HttpError) as exc:
        _execute(calendar.events().get(calendarId="primary", eventId="abcde12345"), retries=3)
    assert exc.value.resp.status == 403
    assert exc.value.error_details[0]["reason"] == "quotaExceeded"
    assert _calls(kit, "calendar.events.get") == 2


def test_503_and_delay_only(calendar: Any, kit: Any) -> None:
    kit.google.fault("calendar.events.delete", 503, count=1)
    with pytest.raises(HttpError) as exc:
        calendar.events().delete(calendarId="primary", eventId="abcde12345").execute()
    assert exc.value.resp.status == 503

    kit.google.fault("calendar.freebusy.query", 200, count=1, delay_ms=300)
    started = time.monotonic()
    assert calendar.freebusy().query(body=WINDOW).execute()["kind"] == "calendar#freeBusy"
    assert time.monotonic() - started >= 0.3


def test_oauth_endpoint_faults(kit: Any) -> None:
    credentials = kit.sign_in()
    kit.google.fault("oauth2.revoke", 503, count=1)
    failed = requests.post(f"{kit.url}/revoke", data={"token": credentials.token}, timeout=10)
    assert failed.status_code == 503
    assert failed.json()["error"] == "internal_failure"
    ok = requests.post(f"{kit.url}/revoke", data={"token": credentials.token}, timeout=10)
    assert ok.status_code == 200

    kit.google.fault("oauth2.token.code", 400, count=1)
    flow = kit.flow(kit.sign_in_scopes)
    kit.google.set_authorization("approve", kit.host_email, None)
    url, _ = flow.authorization_url()
    code = kit.query(kit.follow(url))["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": kit.redirect_uri,
        "code_verifier": flow.code_verifier,
    }
    auth = (kit.client_id, kit.client_secret)
    refused = requests.post(f"{kit.url}/token", data=form, auth=auth, timeout=10)
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    # The fault answered before the code was looked at, so the code is still good.
    assert requests.post(f"{kit.url}/token", data=form, auth=auth, timeout=10).status_code == 200
    assert kit.google.state()["calls"]["oauth2.token.code"] == 3
