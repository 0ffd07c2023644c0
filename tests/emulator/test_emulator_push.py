"""events.watch, channels.stop and push delivery, as Google's push guide documents them.

Source for every rule here: Google, "Push notifications" (Calendar API),
https://developers.google.com/workspace/calendar/api/guides/push — copied in
``shared/google-samples/push-notification-headers.md`` — and the ``events.watch`` /
``channels.stop`` entries of the bundled discovery document (``calendar.v3.json``).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from googleapiclient.errors import HttpError
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

START, END = "2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z"


class Receiver:
    """A local HTTP endpoint recording every notification it receives."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.got: list[dict[str, Any]] = []
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/hook"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @Request.application  # type: ignore[misc]
    def _app(self, request: Request) -> Response:
        self.got.append({"headers": dict(request.headers), "body": request.get_data()})
        return Response(status=self.status)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.got) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.got)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    yield hook
    hook.close()


def _watch(calendar: Any, address: str, **extra: Any) -> dict[str, Any]:
    body = {"id": str(uuid.uuid4()), "type": "web_hook", "address": address, **extra}
    answer: dict[str, Any] = calendar.events().watch(calendarId="primary", body=body).execute()
    return answer


def _insert(calendar: Any, **fields: Any) -> dict[str, Any]:
    body = {"start": {"dateTime": START}, "end": {"dateTime": END}, **fields}
    event: dict[str, Any] = calendar.events().insert(calendarId="primary", body=body).execute()
    return event


def _header(message: dict[str, Any], name: str) -> str:
    return str(message["headers"][name])


def test_watch_answers_a_channel_and_sends_sync_first(
    calendar: Any, kit: Any, receiver: Receiver, conforms: Callable[[Any, str], None]
) -> None:
    """Watch response fields (guide section "Response"); the sync message is number 1,
    with the guide's X-Goog-* headers, no body, user agent APIs-Google."""
    channel = _watch(calendar, receiver.url, token="tok-1")
    conforms(channel, "Channel")
    assert channel["kind"] == "api#channel" and channel["token"] == "tok-1"
    assert channel["resourceUri"].endswith(f"/calendar/v3/calendars/{kit.host_email}/events")
    [sync] = receiver.wait_for(1)
    assert _header(sync, "X-Goog-Resource-State") == "sync"
    assert _header(sync, "X-Goog-Message-Number") == "1"
    assert _header(sync, "X-Goog-Channel-Id") == channel["id"]
    assert _header(sync, "X-Goog-Channel-Token") == "tok-1"
    assert _header(sync, "X-Goog-Resource-Id") == channel["resourceId"]
    assert _header(sync, "X-Goog-Resource-Uri") == channel["resourceUri"]
    assert _header(sync, "X-Goog-Channel-Expiration").endswith(" GMT")
    assert _header(sync, "User-Agent").startswith("APIs-Google")
    assert sync["body"] == b""


def test_every_change_sends_exists_with_rising_numbers(
    calendar: Any, kit: Any, receiver: Receiver
) -> None:
    """Insert, owner edit and owner delete each notify; numbers rise, not sequentially."""
    _watch(calendar, receiver.url)
    receiver.wait_for(1)
    event = _insert(calendar)
    later = {"end": {"dateTime": "2026-12-01T12:00:00Z"}}
    kit.google.edit_event(kit.host_email, event["id"], later)
    kit.google.delete_event(kit.host_email, event["id"])
    got = receiver.wait_for(4)
    states = [_header(m, "X-Goog-Resource-State") for m in got]
    numbers = [int(_header(m, "X-Goog-Message-Number")) for m in got]
    assert states == ["sync", "exists", "exists", "exists"]
    assert numbers == sorted(numbers) and len(set(numbers)) == 4 and numbers[0] == 1


def test_the_same_resource_id_for_every_channel_of_a_calendar(
    calendar: Any, receiver: Receiver
) -> None:
    """resourceId "is a stable, version-independent identifier" of the watched resource."""
    first, second = _watch(calendar, receiver.url), _watch(calendar, receiver.url)
    assert first["resourceId"] == second["resourceId"] and first["id"] != second["id"]


def test_stop_ends_notifications_and_only_the_creator_may_stop(
    calendar: Any, kit: Any, receiver: Receiver
) -> None:
    """channels.stop takes id + resourceId; a user's channel can be stopped only by the
    same user from the same client."""
    channel = _watch(calendar, receiver.url)
    receiver.wait_for(1)
    kit.google.add_client("other-client", "other-secret", [kit.redirect_uri])
    body = {"id": channel["id"], "resourceId": channel["resourceId"]}
    stop = calendar.channels().stop(body=body)
    stop.execute()
    _insert(calendar)
    time.sleep(0.3)
    assert len(receiver.got) == 1
    with pytest.raises(HttpError) as again:
        calendar.channels().stop(body=body).execute()
    assert again.value.resp.status == 404
    with pytest.raises(HttpError) as missing:
        calendar.channels().stop(body={"id": channel["id"]}).execute()
    assert missing.value.resp.status == 400


def test_an_expired_channel_sends_nothing(calendar: Any, kit: Any, receiver: Receiver) -> None:
    """Notifications stop at the channel's expiration; a requested earlier expiration wins
    ("the more restrictive" of the request and Google's limit)."""
    kit.google.settings(channel_ttl_s=3600)
    asked = int((time.time() + 1) * 1000)
    channel = _watch(calendar, receiver.url, expiration=asked)
    assert int(channel["expiration"]) == asked
    receiver.wait_for(1)
    time.sleep(1.1)
    _insert(calendar)
    time.sleep(0.3)
    assert [_header(m, "X-Goog-Resource-State") for m in receiver.got] == ["sync"]
    assert kit.google.state()["channels"][0]["expired"] is True


def test_channel_ttl_setting_caps_the_lifetime(calendar: Any, kit: Any, receiver: Receiver) -> None:
    kit.google.settings(channel_ttl_s=60)
    before = time.time()
    channel = _watch(calendar, receiver.url, expiration=int((before + 86400) * 1000))
    assert int(channel["expiration"]) / 1000 == pytest.approx(before + 60, abs=2)


def test_watch_needs_a_known_type_an_https_address_and_a_new_id(
    calendar: Any, receiver: Receiver
) -> None:
    """Addresses must be HTTPS (the emulator also takes http to loopback, see README)."""
    for body, reason in (
        ({"type": "web_hook", "address": "http://example.com/hook"}, "push.webhookUrlNotHttps"),
        ({"type": "carrier_pigeon", "address": receiver.url}, "invalid"),
        ({"type": "web_hook"}, "required"),
    ):
        with pytest.raises(HttpError) as refused:
            calendar.events().watch(calendarId="primary", body={"id": "c1", **body}).execute()
        assert refused.value.resp.status == 400
        assert reason.encode() in refused.value.content
    _watch(calendar, receiver.url, id="same-id")
    with pytest.raises(HttpError) as taken:
        _watch(calendar, receiver.url, id="same-id")
    assert taken.value.resp.status == 400


def test_watch_is_allowed_with_events_owned_but_not_with_freebusy_alone(
    kit: Any, receiver: Receiver
) -> None:
    """Discovery: events.watch accepts calendar.events.owned; calendar.freebusy is not
    in its scopes list."""
    owned = kit.service(kit.sign_in([*kit.sign_in_scopes, kit.events_owned]))
    _watch(owned, receiver.url)
    freebusy_only = kit.service(kit.sign_in([*kit.sign_in_scopes, kit.freebusy]))
    with pytest.raises(HttpError) as refused:
        _watch(freebusy_only, receiver.url)
    assert refused.value.resp.status == 403


def test_push_faults_drop_duplicate_and_delay(calendar: Any, kit: Any, receiver: Receiver) -> None:
    _watch(calendar, receiver.url)
    receiver.wait_for(1)
    kit.google.push_fault("drop")
    _insert(calendar)
    time.sleep(0.3)
    assert len(receiver.got) == 1
    kit.google.push_fault("duplicate")
    _insert(calendar)
    got = receiver.wait_for(3)
    assert _header(got[1], "X-Goog-Message-Number") == _header(got[2], "X-Goog-Message-Number")
    kit.google.push_fault("delay", delay_ms=400)
    started = time.monotonic()
    _insert(calendar)
    time.sleep(0.2)
    assert len(receiver.got) == 3
    receiver.wait_for(4)
    assert time.monotonic() - started >= 0.4 and len(receiver.got) == 4


def test_push_faults_are_checked(kit: Any) -> None:
    from kaleno.emulator.testing import EmulatorError

    with pytest.raises(EmulatorError) as bad:
        kit.google.push_fault("explode")
    assert bad.value.status == 400


def test_server_errors_are_retried(calendar: Any) -> None:
    """ "returns 500, 502, 503, or 504, the Google Calendar API retries with exponential
    backoff"."""
    failing = Receiver(status=503)
    try:
        _watch(calendar, failing.url)
        got = failing.wait_for(2, timeout=3)
        assert len(got) >= 2
        assert {_header(m, "X-Goog-Message-Number") for m in got} == {"1"}
    finally:
        failing.close()


def test_owner_edits_show_in_incremental_sync(calendar: Any, kit: Any) -> None:
    """PATCH/DELETE /_emulator/events act as the owner: the event's sequence moves on and
    a sync token reports the change (a deletion as status cancelled)."""
    event = _insert(calendar, attendees=[{"email": "guest@example.org"}])
    token = calendar.events().list(calendarId="primary").execute()["nextSyncToken"]
    attendees = [{"email": "guest@example.org", "responseStatus": "declined"}]
    kit.google.edit_event(kit.host_email, event["id"], {"attendees": attendees})
    page = calendar.events().list(calendarId="primary", syncToken=token).execute()
    [changed] = page["items"]
    guest = next(a for a in changed["attendees"] if a["email"] == "guest@example.org")
    assert guest["responseStatus"] == "declined" and changed["sequence"] == 1
    kit.google.delete_event(kit.host_email, event["id"])
    later = calendar.events().list(calendarId="primary", syncToken=page["nextSyncToken"]).execute()
    assert [(i["id"], i["status"]) for i in later["items"]] == [(event["id"], "cancelled")]


def test_owner_edit_of_an_unknown_event_is_a_404(kit: Any) -> None:
    from kaleno.emulator.testing import EmulatorError

    with pytest.raises(EmulatorError) as missing:
        kit.google.delete_event(kit.host_email, "nosuchevent1")
    assert missing.value.status == 404
