"""Calendar v3 through googleapiclient (bundled discovery document) and plain HTTP."""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

import pytest
import requests
from googleapiclient.errors import HttpError

EVENT = {
    "id": "bk7f3lr6ng0hq2lr8c1v4u5a9s",
    "summary": "Consultation with Alex Example",
    "description": "Booked via Kaleno",
    "start": {"dateTime": "2026-03-10T10:00:00+01:00", "timeZone": "Europe/Berlin"},
    "end": {"dateTime": "2026-03-10T10:30:00+01:00", "timeZone": "Europe/Berlin"},
    "attendees": [{"email": "guest@example.com"}],
    "extendedProperties": {"private": {"bookingId": "bkg_000123", "kaleno": "1"}},
    "conferenceData": {
        "createRequest": {
            "requestId": "bkg_000123-meet",
            "conferenceSolutionKey": {"type": "hangoutsMeet"},
        }
    },
}


def _error(exc: pytest.ExceptionInfo[HttpError]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc.value.content)["error"]
    return body


def _event(start: str, end: str, **fields: Any) -> dict[str, Any]:
    return {"start": {"dateTime": start}, "end": {"dateTime": end}, **fields}


def test_calendar_list_shows_the_primary_calendar(kit: Any) -> None:
    calendar = kit.service(kit.sign_in([*kit.sign_in_scopes, kit.calendarlist]))
    body = calendar.calendarList().list().execute()
    kit.conforms(body, "CalendarList")
    assert body["kind"] == "calendar#calendarList"
    assert [(c["id"], c.get("primary")) for c in body["items"]] == [(kit.host_email, True)]
    assert body["items"][0]["accessRole"] == "owner"


def test_freebusy_counts_opaque_confirmed_events_clipped_to_the_range(
    calendar: Any, kit: Any
) -> None:
    google, email = kit.google, kit.host_email
    google.add_event(email, "primary", _event("2026-03-10T08:00:00Z", "2026-03-10T09:00:00Z"))
    google.add_event(email, "primary", _event("2026-03-10T08:30:00Z", "2026-03-10T09:30:00Z"))
    google.add_event(email, "primary", _event("2026-03-09T22:00:00Z", "2026-03-09T23:30:00Z"))
    google.add_event(
        email,
        "primary",
        _event("2026-03-10T12:00:00Z", "2026-03-10T13:00:00Z", transparency="transparent"),
    )
    cancelled = google.add_event(
        email, "primary", _event("2026-03-10T15:00:00Z", "2026-03-10T16:00:00Z")
    )
    calendar.events().delete(calendarId="primary", eventId=cancelled["id"]).execute()
    request = {
        "timeMin": "2026-03-10T00:00:00+01:00",
        "timeMax": "2026-03-11T00:00:00+01:00",
        "items": [{"id": "primary"}, {"id": "missing-calendar@example.com"}],
    }

    body = calendar.freebusy().query(body=request).execute()

    kit.conforms(body, "FreeBusyResponse")
    assert body == {
        "kind": "calendar#freeBusy",
        "timeMin": "2026-03-09T23:00:00.000Z",
        "timeMax": "2026-03-10T23:00:00.000Z",
        "calendars": {
            "primary": {
                "busy": [
                    {"start": "2026-03-09T23:00:00Z", "end": "2026-03-09T23:30:00Z"},
                    {"start": "2026-03-10T08:00:00Z", "end": "2026-03-10T09:30:00Z"},
                ]
            },
            "missing-calendar@example.com": {
                "errors": [{"domain": "global", "reason": "notFound"}],
                "busy": [],
            },
        },
    }
    jakarta = calendar.freebusy().query(body={**request, "timeZone": "Asia/Jakarta"}).execute()
    assert jakarta["calendars"]["primary"]["busy"][1] == {
        "start": "2026-03-10T15:00:00+07:00",
        "end": "2026-03-10T16:30:00+07:00",
    }


def test_freebusy_rejects_empty_and_overlong_ranges(calendar: Any) -> None:
    empty = {"timeMin": "2026-03-10T00:00:00Z", "timeMax": "2026-03-10T00:00:00Z", "items": []}
    with pytest.raises(HttpError) as exc:
        calendar.freebusy().query(body=empty).execute()
    assert exc.value.resp.status == 400
    assert _error(exc) == {
        "errors": [
            {
                "domain": "calendar",
                "reason": "timeRangeEmpty",
                "message": "The specified time range is empty.",
                "locationType": "parameter",
                "location": "timeMax",
            }
        ],
        "code": 400,
        "message": "The specified time range is empty.",
    }
    long = {"timeMin": "2026-01-01T00:00:00Z", "timeMax": "2026-06-01T00:00:00Z", "items": []}
    with pytest.raises(HttpError) as exc:
        calendar.freebusy().query(body=long).execute()
    assert exc.value.resp.status == 400
    assert _error(exc)["errors"][0]["reason"] == "invalid"


def test_insert_with_client_id_meet_link_and_attendees(calendar: Any, kit: Any) -> None:
    event = (
        calendar.events()
        .insert(calendarId="primary", body=EVENT, conferenceDataVersion=1, sendUpdates="all")
        .execute()
    )

    kit.conforms(event, "Event")
    assert list(event)[:6] == ["kind", "etag", "id", "status", "htmlLink", "created"]
    assert (event["kind"], event["id"], event["status"]) == (
        "calendar#event",
        EVENT["id"],
        "confirmed",
    )
    assert re.fullmatch(r'"\d{16}"', event["etag"])
    eid = event["htmlLink"].split("eid=")[1]
    assert base64.urlsafe_b64decode(eid + "==").decode() == f"{EVENT['id']} {kit.host_email}"
    assert event["iCalUID"] == f"{EVENT['id']}@google.com"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", event["created"])
    assert event["sequence"] == 0
    assert event["creator"] == event["organizer"] == {"email": kit.host_email, "self": True}
    assert event["attendees"] == [
        {"email": kit.host_email, "organizer": True, "self": True, "responseStatus": "accepted"},
        {"email": "guest@example.com", "responseStatus": "needsAction"},
    ]
    assert re.fullmatch(
        r"https://meet\.google\.com/[a-z]{3}-[a-z]{4}-[a-z]{3}", event["hangoutLink"]
    )
    conference = event["conferenceData"]
    assert conference["createRequest"]["status"] == {"statusCode": "success"}
    assert conference["entryPoints"][0]["uri"] == event["hangoutLink"]
    assert event["reminders"] == {"useDefault": True}
    assert event["eventType"] == "default"
    assert kit.google.state()["send_updates"] == [
        {
            "method": "calendar.events.insert",
            "calendarId": kit.host_email,
            "eventId": EVENT["id"],
            "sendUpdates": "all",
        }
    ]


def test_conference_data_is_ignored_without_version_1(calendar: Any) -> None:
    event = calendar.events().insert(calendarId="primary", body=EVENT).execute()
    assert "hangoutLink" not in event
    assert "conferenceData" not in event


def test_insert_ids_are_validated_and_unique(calendar: Any) -> None:
    generated = (
        calendar.events()
        .insert(calendarId="primary", body=_event("2026-03-10T08:00:00Z", "2026-03-10T09:00:00Z"))
        .execute()
    )
    assert re.fullmatch(r"[a-v0-9]{26}", generated["id"])
    for bad_id in ("abc", "UPPERCASE1", "has-dash-1", "wxyz0"):
        with pytest.raises(HttpError) as exc:
            calendar.events().insert(calendarId="primary", body={**EVENT, "id": bad_id}).execute()
        assert exc.value.resp.status == 400
        assert _error(exc)["errors"][0] == {
            "domain": "global",
            "reason": "invalid",
            "message": "Invalid resource id value.",
        }
    calendar.events().insert(calendarId="primary", body=EVENT).execute()
    with pytest.raises(HttpError) as exc:
        calendar.events().insert(calendarId="primary", body=EVENT).execute()
    assert exc.value.resp.status == 409
    assert _error(exc)["errors"][0]["reason"] == "duplicate"
    calendar.events().delete(calendarId="primary", eventId=EVENT["id"]).execute()
    with pytest.raises(HttpError) as exc:
        calendar.events().insert(calendarId="primary", body=EVENT).execute()
    assert exc.value.resp.status == 409


def test_get_patch_update_delete(calendar: Any, kit: Any) -> None:
    events = calendar.events()
    inserted = events.insert(calendarId="primary", body=EVENT, conferenceDataVersion=1).execute()
    fetched = events.get(calendarId=kit.host_email, eventId=EVENT["id"]).execute()
    assert fetched == inserted

    patched = events.patch(
        calendarId="primary",
        eventId=EVENT["id"],
        body={
            "start": {"dateTime": "2026-03-10T11:00:00+01:00"},
            "end": {"dateTime": "2026-03-10T11:30:00+01:00"},
            "extendedProperties": {"private": {"rescheduled": "yes"}},
        },
        sendUpdates="externalOnly",
    ).execute()
    kit.conforms(patched, "Event")
    assert patched["sequence"] == 1
    assert patched["etag"] != inserted["etag"]
    assert patched["updated"] >= inserted["updated"]
    assert patched["start"] == {
        "dateTime": "2026-03-10T11:00:00+01:00",
        "timeZone": "Europe/Berlin",
    }
    assert patched["extendedProperties"]["private"] == {
        "bookingId": "bkg_000123",
        "kaleno": "1",
        "rescheduled": "yes",
    }
    assert patched["hangoutLink"] == inserted["hangoutLink"]

    replaced = events.update(
        calendarId="primary",
        eventId=EVENT["id"],
        body=_event("2026-03-10T12:00:00Z", "2026-03-10T12:30:00Z", summary="Replaced"),
    ).execute()
    kit.conforms(replaced, "Event")
    assert replaced["sequence"] == 2
    assert replaced["summary"] == "Replaced"
    assert "description" not in replaced
    assert replaced["created"] == inserted["created"]

    assert events.delete(calendarId="primary", eventId=EVENT["id"]).execute() == ""
    assert events.get(calendarId="primary", eventId=EVENT["id"]).execute()["status"] == "cancelled"
    assert events.list(calendarId="primary").execute()["items"] == []
    shown = events.list(calendarId="primary", showDeleted=True).execute()["items"]
    assert [(e["id"], e["status"], e["summary"]) for e in shown] == [
        (EVENT["id"], "cancelled", "Replaced")
    ]
    with pytest.raises(HttpError) as exc:
        events.delete(calendarId="primary", eventId=EVENT["id"], sendUpdates="none").execute()
    assert exc.value.resp.status == 410
    assert _error(exc)["errors"][0] == {
        "domain": "global",
        "reason": "deleted",
        "message": "Resource has been deleted",
    }
    with pytest.raises(HttpError) as exc:
        events.get(calendarId="primary", eventId="unknown00").execute()
    assert exc.value.resp.status == 404
    assert _error(exc)["errors"][0]["reason"] == "notFound"
    recorded = [(s["method"], s["sendUpdates"]) for s in kit.google.state()["send_updates"]]
    assert recorded == [
        ("calendar.events.insert", None),
        ("calendar.events.patch", "externalOnly"),
        ("calendar.events.update", None),
        ("calendar.events.delete", None),
    ]


def test_list_filters_by_private_property_and_time(calendar: Any, kit: Any) -> None:
    def add(start: str, end: str, **private: str) -> str:
        body = _event(start, end, extendedProperties={"private": private})
        return str(kit.google.add_event(kit.host_email, "primary", body)["id"])

    ours = add("2026-03-10T08:00:00Z", "2026-03-10T09:00:00Z", kaleno="1", booking="a")
    add("2026-03-10T10:00:00Z", "2026-03-10T11:00:00Z", kaleno="1", booking="b")
    add("2026-03-10T08:00:00Z", "2026-03-10T09:00:00Z")
    later = add("2026-03-12T08:00:00Z", "2026-03-12T09:00:00Z", kaleno="1", booking="c")

    body = (
        calendar.events()
        .list(calendarId="primary", privateExtendedProperty=["kaleno=1", "booking=a"])
        .execute()
    )
    kit.conforms(body, "Events")
    assert [e["id"] for e in body["items"]] == [ours]
    assert body["kind"] == "calendar#events"
    assert "nextSyncToken" in body
    in_range = (
        calendar.events()
        .list(
            calendarId="primary",
            privateExtendedProperty="kaleno=1",
            timeMin="2026-03-11T00:00:00Z",
            timeMax="2026-03-13T00:00:00Z",
            singleEvents=True,
            orderBy="startTime",
        )
        .execute()
    )
    assert [e["id"] for e in in_range["items"]] == [later]


def test_list_pages_then_gives_a_sync_token(calendar: Any, kit: Any) -> None:
    ids = [
        kit.google.add_event(
            kit.host_email, "primary", _event(f"2026-03-1{n}T08:00:00Z", f"2026-03-1{n}T09:00:00Z")
        )["id"]
        for n in range(5)
    ]
    request = calendar.events().list(calendarId="primary", maxResults=2)
    pages = []
    while request is not None:
        page = request.execute()
        kit.conforms(page, "Events")
        pages.append(page)
        request = calendar.events().list_next(request, page)
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    assert [e["id"] for p in pages for e in p["items"]] == ids
    assert ["nextPageToken" in p for p in pages] == [True, True, False]
    assert ["nextSyncToken" in p for p in pages] == [False, False, True]


def test_sync_token_returns_only_changes_then_goes_stale(calendar: Any, kit: Any) -> None:
    events = calendar.events()
    kept = events.insert(
        calendarId="primary", body=_event("2026-03-10T08:00:00Z", "2026-03-10T09:00:00Z")
    ).execute()
    doomed = events.insert(
        calendarId="primary", body=_event("2026-03-10T10:00:00Z", "2026-03-10T11:00:00Z")
    ).execute()
    changed = events.insert(
        calendarId="primary", body=_event("2026-03-10T12:00:00Z", "2026-03-10T13:00:00Z")
    ).execute()
    token = events.list(calendarId="primary").execute()["nextSyncToken"]

    events.delete(calendarId="primary", eventId=doomed["id"]).execute()
    events.patch(calendarId="primary", eventId=changed["id"], body={"summary": "New"}).execute()
    added = kit.google.add_event(
        kit.host_email, "primary", _event("2026-03-11T08:00:00Z", "2026-03-11T09:00:00Z")
    )

    delta = events.list(calendarId="primary", syncToken=token).execute()
    kit.conforms(delta, "Events")
    assert {e["id"]: e["status"] for e in delta["items"]} == {
        doomed["id"]: "cancelled",
        changed["id"]: "confirmed",
        added["id"]: "confirmed",
    }
    assert kept["id"] not in [e["id"] for e in delta["items"]]
    cancelled = next(e for e in delta["items"] if e["status"] == "cancelled")
    assert set(cancelled) == {"kind", "etag", "id", "status"}
    quiet = events.list(calendarId="primary", syncToken=delta["nextSyncToken"]).execute()
    assert quiet["items"] == []

    kit.google.settings(invalidate_sync_tokens=True)
    for stale in (quiet["nextSyncToken"], "not-a-token"):
        with pytest.raises(HttpError) as exc:
            events.list(calendarId="primary", syncToken=stale).execute()
        assert exc.value.resp.status == 410
        assert _error(exc)["errors"][0]["reason"] == "fullSyncRequired"


def test_expired_revoked_and_missing_tokens_answer_401(kit: Any) -> None:
    url = f"{kit.url}/calendar/v3/users/me/calendarList"
    missing = requests.get(url, timeout=10)
    assert missing.status_code == 401
    assert missing.json()["error"]["errors"][0]["reason"] == "required"
    assert missing.json()["error"]["status"] == "UNAUTHENTICATED"

    kit.google.settings(access_token_ttl_s=1)
    expired = kit.sign_in([*kit.sign_in_scopes, kit.calendarlist])
    time.sleep(1.05)
    response = requests.get(url, headers={"Authorization": f"Bearer {expired.token}"}, timeout=10)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert response.headers["WWW-Authenticate"].startswith(
        'Bearer realm="https://accounts.google.com/"'
    )
    error = response.json()["error"]
    assert list(error) == ["code", "message", "errors", "status"]
    assert error["errors"] == [
        {
            "domain": "global",
            "reason": "authError",
            "message": "Invalid Credentials",
            "locationType": "header",
            "location": "Authorization",
        }
    ]

    # googleapiclient refreshes an expired token on its own and then succeeds.
    kit.google.settings(access_token_ttl_s=3599)
    assert kit.service(expired).calendarList().list().execute()["items"]
    assert kit.google.state()["tokens"]["refreshed"] == 1

    live = kit.sign_in()
    requests.post(f"{kit.url}/revoke", data={"token": live.refresh_token}, timeout=10)
    revoked = requests.get(url, headers={"Authorization": f"Bearer {live.token}"}, timeout=10)
    assert revoked.status_code == 401


def test_token_without_an_accepted_scope_gets_403(kit: Any) -> None:
    credentials = kit.sign_in([*kit.sign_in_scopes, kit.freebusy])
    calendar = kit.service(credentials)
    with pytest.raises(HttpError) as exc:
        calendar.events().insert(calendarId="primary", body=EVENT).execute()
    assert exc.value.resp.status == 403
    assert "insufficient_scope" in exc.value.resp["www-authenticate"]
    assert _error(exc) == {
        "code": 403,
        "message": "Request had insufficient authentication scopes.",
        "errors": [
            {
                "domain": "global",
                "reason": "insufficientPermissions",
                "message": "Insufficient Permission",
            }
        ],
        "status": "PERMISSION_DENIED",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "domain": "googleapis.com",
                "metadata": {
                    "service": "calendar-json.googleapis.com",
                    "method": "calendar.v3.Events.Insert",
                },
            }
        ],
    }
    with pytest.raises(HttpError) as exc:
        calendar.calendarList().list().execute()
    assert exc.value.resp.status == 403
    window = {"timeMin": "2026-03-10T00:00:00Z", "timeMax": "2026-03-11T00:00:00Z"}
    assert calendar.freebusy().query(body=window).execute()["kind"] == "calendar#freeBusy"


def test_other_accounts_calendars_are_not_found(calendar: Any, kit: Any) -> None:
    kit.google.add_account("other@example.com", "Other Person")
    with pytest.raises(HttpError) as exc:
        calendar.events().list(calendarId="other@example.com").execute()
    assert exc.value.resp.status == 404
    assert _error(exc)["errors"][0]["reason"] == "notFound"


def test_schema_checker_catches_unknown_fields_and_wrong_types(kit: Any) -> None:
    with pytest.raises(AssertionError, match="'meetLink' is not in the discovery schema"):
        kit.conforms({"kind": "calendar#event", "meetLink": "x"}, "Event")
    with pytest.raises(AssertionError, match="sequence"):
        kit.conforms({"sequence": "0"}, "Event")
    with pytest.raises(AssertionError, match="busy"):
        kit.conforms({"calendars": {"primary": {"busy": [{"start": 1}]}}}, "FreeBusyResponse")
    kit.conforms({"extendedProperties": {"private": {"any": "thing"}}}, "Event")
