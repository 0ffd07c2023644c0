"""Rules Google documents and the emulator now keeps (each test cites its source)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request
from googleapiclient.errors import HttpError

EVENT = {
    "id": "kb0123456789abcdefghijklmn",
    "summary": "Intro call",
    "start": {"dateTime": "2030-03-04T10:00:00Z"},
    "end": {"dateTime": "2030-03-04T10:30:00Z"},
}


def _reason(exc: pytest.ExceptionInfo[HttpError]) -> tuple[int, str]:
    body = json.loads(exc.value.content)["error"]
    return int(body["code"]), str(body["errors"][0]["reason"])


def test_revoking_one_token_ends_every_grant_of_the_client_and_its_consent(kit: Any) -> None:
    """Revoking any token removes the app's access to the account altogether.

    Source: https://developers.google.com/identity/protocols/oauth2/web-server "Revoking a
    token": the app can revoke access "by invalidating any issued access or refresh
    tokens"; "If the token is an access token and it has a corresponding refresh token,
    the refresh token will also be revoked" (shared/google-samples/token-errors.json).
    """
    sign_in = kit.sign_in(kit.sign_in_scopes, access_type="online")
    calendar = kit.sign_in(
        [kit.freebusy], include_granted_scopes="true", access_type="offline", prompt="consent"
    )
    assert sign_in.token != calendar.token
    answer = requests.post(kit.url + "/revoke", data={"token": sign_in.token}, timeout=10)
    assert answer.status_code == 200
    with pytest.raises(RefreshError, match="invalid_grant"):
        calendar.refresh(Request())
    userinfo = requests.get(
        kit.url + "/v1/userinfo", headers={"Authorization": f"Bearer {sign_in.token}"}, timeout=10
    )
    assert userinfo.status_code == 401
    state = kit.google.state()
    assert all(g["revoked"] for g in state["tokens"]["grants"])
    assert state["consents"] == []
    # Incremental authorization afterwards does not bring the revoked scopes back.
    again = kit.sign_in(kit.sign_in_scopes, include_granted_scopes="true", access_type="online")
    assert kit.freebusy not in again.granted_scopes


def test_an_event_its_owner_deleted_cannot_be_updated_or_reinserted(calendar: Any) -> None:
    """A deleted event keeps its id: update/patch answer 403, re-inserting the id 409.

    Source: Calendar "Handle API errors" guide (shared/google-samples/calendar-errors.json):
    409 duplicate "An instance with the given ID already exists", 410 deleted for deleting
    a deleted event. The 403 for changing a deleted event is as reported in issue 13's
    audit; Google documents no body for it, so the reason string (``forbidden``) is not
    confirmed. ``events.get`` still returns the deleted event with status ``cancelled``
    (discovery ``calendar.v3.json`` Event.status: "The get method always returns them").
    """
    events = calendar.events()
    events.insert(calendarId="primary", body=EVENT).execute()
    events.delete(calendarId="primary", eventId=EVENT["id"]).execute()
    with pytest.raises(HttpError) as patched:
        events.patch(calendarId="primary", eventId=EVENT["id"], body={"summary": "x"}).execute()
    assert _reason(patched) == (403, "forbidden")
    with pytest.raises(HttpError) as updated:
        events.update(calendarId="primary", eventId=EVENT["id"], body=EVENT).execute()
    assert _reason(updated) == (403, "forbidden")
    with pytest.raises(HttpError) as inserted:
        events.insert(calendarId="primary", body=EVENT).execute()
    assert _reason(inserted) == (409, "duplicate")
    with pytest.raises(HttpError) as deleted:
        events.delete(calendarId="primary", eventId=EVENT["id"]).execute()
    assert _reason(deleted) == (410, "deleted")
    fetched = events.get(calendarId="primary", eventId=EVENT["id"]).execute()
    assert fetched["status"] == "cancelled"


def test_clock_offset_moves_id_token_times(kit: Any) -> None:
    """``clock_offset_s`` issues id_tokens from a clock ahead of ours.

    Source: google-auth ``google/oauth2/id_token.py`` ``verify_token(...,
    clock_skew_in_seconds=0)``: with the default, a token whose ``iat`` lies ahead of the
    verifier's clock fails with "Token used too early" (the field report issue 13 cites).
    """
    import time

    from google.oauth2 import id_token

    kit.google.settings(clock_offset_s=120)
    credentials = kit.sign_in(kit.sign_in_scopes, access_type="online")
    certs = kit.url + "/oauth2/v1/certs"
    with pytest.raises(ValueError, match="too early"):
        id_token.verify_token(credentials.id_token, Request(), kit.client_id, certs_url=certs)
    claims = id_token.verify_token(
        credentials.id_token, Request(), kit.client_id, certs_url=certs, clock_skew_in_seconds=180
    )
    assert claims["iat"] >= int(time.time()) + 110
    assert claims["exp"] == claims["iat"] + 3600


def test_quota_exceeded_is_an_injectable_403(calendar: Any, kit: Any) -> None:
    """Injectable 403 quotaExceeded with Google's documented body.

    Source: Calendar "Handle API errors" guide, 403 "Calendar usage limits exceeded."
    (shared/google-samples/calendar-errors.json ``403_quotaExceeded``).
    """
    kit.google.fault("calendar.events.insert", 403, reason="quotaExceeded")
    with pytest.raises(HttpError) as refused:
        calendar.events().insert(calendarId="primary", body=EVENT).execute()
    body = json.loads(refused.value.content)["error"]
    assert body["code"] == 403
    assert body["message"] == "Calendar usage limits exceeded."
    assert body["errors"] == [
        {
            "domain": "usageLimits",
            "reason": "quotaExceeded",
            "message": "Calendar usage limits exceeded.",
        }
    ]


@pytest.mark.parametrize(
    ("status", "reason", "error"),
    [
        (503, None, "internal_failure"),
        (429, None, "rate_limit_exceeded"),
        (401, None, "invalid_client"),
        (401, "unauthorized_client", "unauthorized_client"),
        (400, "invalid_rapt", "invalid_grant"),
    ],
)
def test_token_refresh_faults_answer_by_status(
    kit: Any, status: int, reason: str | None, error: str
) -> None:
    """Refresh faults answer what Google's token endpoint does for that status.

    Sources: shared/google-samples/token-errors.json (observed invalid_client 401 "The
    OAuth client was not found.", unauthorized_client 401 "Unauthorized"); google-auth
    ``google/oauth2/_client.py`` ``_can_retry`` (5xx/429 retried) and
    ``google/oauth2/reauth.py`` (invalid_grant with ``error_subtype: invalid_rapt`` means
    reauthentication is needed).
    """
    credentials = kit.sign_in()
    kit.google.fault("oauth2.token.refresh", status, reason=reason)
    answer = requests.post(
        kit.url + "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": credentials.refresh_token,
            "client_id": kit.client_id,
            "client_secret": kit.client_secret,
        },
        timeout=10,
    )
    assert (answer.status_code, answer.json()["error"]) == (status, error)
    if reason == "invalid_rapt":
        assert answer.json()["error_subtype"] == "invalid_rapt"
    if status < 429:  # (retryable ones google-auth would retry after sleeping)
        kit.google.fault("oauth2.token.refresh", status, reason=reason)
        with pytest.raises(RefreshError):
            credentials.refresh(Request())


def test_pending_conference_becomes_ready_after_a_delay(calendar: Any, kit: Any) -> None:
    """``conference_status: pending``: insert answers createRequest status ``pending`` and
    no link; reading the event after the delay shows the Meet link.

    Source: Calendar API reference, Event ``conferenceData.createRequest.status.statusCode``
    ("pending": the conference create request is still being processed; "success"), from
    the discovery document ``calendar.v3.json`` ConferenceRequestStatus.
    """
    import time

    kit.google.settings(conference_status="pending", conference_ready_after_s=0.2)
    body = {
        **EVENT,
        "conferenceData": {
            "createRequest": {"requestId": "r-1", "conferenceSolutionKey": {"type": "hangoutsMeet"}}
        },
    }
    created = (
        calendar.events().insert(calendarId="primary", body=body, conferenceDataVersion=1).execute()
    )
    kit.conforms(created, "Event")
    assert created["conferenceData"]["createRequest"]["status"] == {"statusCode": "pending"}
    assert "hangoutLink" not in created and "entryPoints" not in created["conferenceData"]
    time.sleep(0.3)
    ready = calendar.events().get(calendarId="primary", eventId=EVENT["id"]).execute()
    kit.conforms(ready, "Event")
    assert ready["conferenceData"]["createRequest"]["status"] == {"statusCode": "success"}
    assert ready["hangoutLink"].startswith("https://meet.google.com/")


def test_repeat_consent_gets_no_new_refresh_token_unless_prompted(kit: Any) -> None:
    """A refresh token comes with the first offline consent, or with ``prompt=consent``.

    Source: https://developers.google.com/identity/protocols/oauth2/web-server, Step 1
    ``access_type``: "offline ... instructs the Google authorization server to return a
    refresh token and an access token the first time that your application exchanges an
    authorization code for tokens"; ``prompt=consent`` asks again (and so issues a new
    one). ``refresh_token_on_repeat_consent: true`` turns the rule off.
    """
    scopes = [*kit.sign_in_scopes, kit.freebusy]
    first = kit.sign_in(scopes)
    assert first.refresh_token
    again = kit.sign_in(scopes)
    assert again.refresh_token is None
    prompted = kit.sign_in(scopes, prompt="consent")
    assert prompted.refresh_token and prompted.refresh_token != first.refresh_token
    wider = kit.sign_in([*scopes, kit.events_owned], include_granted_scopes="true")
    assert wider.refresh_token  # a new scope is a new consent
    kit.google.settings(refresh_token_on_repeat_consent=True)
    assert kit.sign_in(scopes).refresh_token
