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


def _busy(calendar: Any, time_min: str, time_max: str) -> list[tuple[str, str]]:
    body = {"timeMin": time_min, "timeMax": time_max, "items": [{"id": "primary"}]}
    answer = calendar.freebusy().query(body=body).execute()
    return [(b["start"], b["end"]) for b in answer["calendars"]["primary"]["busy"]]


def test_freebusy_expands_recurring_events_with_exdates_and_overrides(
    calendar: Any, kit: Any
) -> None:
    """Each instance of a recurring event is busy; EXDATE removes one, an override moves
    or cancels one; wall-clock times stay put across DST in the event's zone.

    Sources: Calendar API "Recurring events" guide (recurrence holds RFC 5545 RRULE,
    RDATE and EXDATE lines; an instance changed or cancelled on its own is an exception
    with ``recurringEventId`` and ``originalStartTime``); discovery ``calendar.v3.json``
    Event.recurrence and Event.status ("Cancelled exceptions of an uncancelled recurring
    event indicate that this instance should no longer be presented").
    """
    series = {
        "id": "series0001",
        "summary": "Weekly review",
        "start": {"dateTime": "2030-03-18T10:00:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2030-03-18T11:00:00", "timeZone": "Europe/Berlin"},
        "recurrence": [
            "RRULE:FREQ=WEEKLY;COUNT=5",
            "EXDATE;TZID=Europe/Berlin:20300325T100000",
        ],
    }
    kit.google.add_event(kit.host_email, "primary", series)
    moved = {
        "recurringEventId": "series0001",
        "originalStartTime": {"dateTime": "2030-04-01T10:00:00+02:00"},
        "start": {"dateTime": "2030-04-01T14:00:00+02:00"},
        "end": {"dateTime": "2030-04-01T15:00:00+02:00"},
    }
    kit.google.add_event(kit.host_email, "primary", moved)
    cancelled = {
        "recurringEventId": "series0001",
        "status": "cancelled",
        "originalStartTime": {"dateTime": "2030-04-08T10:00:00+02:00"},
        "start": {"dateTime": "2030-04-08T10:00:00+02:00"},
        "end": {"dateTime": "2030-04-08T11:00:00+02:00"},
    }
    kit.google.add_event(kit.host_email, "primary", cancelled)
    busy = _busy(calendar, "2030-03-16T00:00:00Z", "2030-04-30T00:00:00Z")
    assert busy == [
        ("2030-03-18T09:00:00Z", "2030-03-18T10:00:00Z"),  # CET
        ("2030-04-01T12:00:00Z", "2030-04-01T13:00:00Z"),  # the moved instance (CEST)
        ("2030-04-15T08:00:00Z", "2030-04-15T09:00:00Z"),  # 10:00 CEST; 25 Mar excluded
    ]


def test_freebusy_ignores_working_location_and_declined_invitations(
    calendar: Any, kit: Any
) -> None:
    """Working-location events and invitations the owner declined are not busy time.

    Sources: discovery ``calendar.v3.json`` Event.eventType "workingLocation" (a working
    location, shown in the calendar, not a meeting) and Event.transparency; Calendar
    freeBusy counts only events that block time: an attendee's ``responseStatus:
    declined`` means the owner is not attending (Event.attendees[].responseStatus).
    """
    email = kit.host_email
    kit.google.add_event(
        email,
        "primary",
        {
            "eventType": "workingLocation",
            "workingLocationProperties": {"type": "officeLocation"},
            "start": {"dateTime": "2030-03-04T08:00:00Z"},
            "end": {"dateTime": "2030-03-04T17:00:00Z"},
        },
    )
    kit.google.add_event(
        email,
        "primary",
        {
            "summary": "Invitation I declined",
            "attendees": [
                {"email": "boss@example.com", "organizer": True, "responseStatus": "accepted"},
                {"email": email, "organizer": False, "responseStatus": "declined"},
            ],
            "start": {"dateTime": "2030-03-04T10:00:00Z"},
            "end": {"dateTime": "2030-03-04T11:00:00Z"},
        },
    )
    kit.google.add_event(
        email,
        "primary",
        {
            "summary": "Invitation I accepted",
            "attendees": [{"email": email, "organizer": False, "responseStatus": "accepted"}],
            "start": {"dateTime": "2030-03-04T12:00:00Z"},
            "end": {"dateTime": "2030-03-04T13:00:00Z"},
        },
    )
    busy = _busy(calendar, "2030-03-04T00:00:00Z", "2030-03-05T00:00:00Z")
    assert busy == [("2030-03-04T12:00:00Z", "2030-03-04T13:00:00Z")]


def test_sign_in_scopes_are_granted_together_not_ticked_one_by_one(kit: Any) -> None:
    """Requested sign-in scopes come with any approval; only the others are granular.

    Source: https://developers.google.com/identity/protocols/oauth2/resources/granular-permissions
    "users first see the consent page for Sign-In scopes (email, profile, and openid). After
    users consent ..., users will see a granular permission consent screen for the
    non-Sign-In scopes".
    """
    credentials = kit.sign_in(
        ["openid", kit.freebusy, kit.events_owned], grant=[kit.freebusy], access_type="online"
    )
    assert set(credentials.granted_scopes) == {"openid", kit.freebusy}
    assert credentials.id_token
