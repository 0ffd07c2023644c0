"""Push notifications: ``events.watch`` channels, ``channels.stop`` and delivery.

Follows Google's "Push notifications" guide for the Calendar API
(https://developers.google.com/workspace/calendar/api/guides/push, copied in
``shared/google-samples/push-notification-headers.md``):

- a new channel first gets a ``sync`` message numbered 1; every change to the watched
  calendar (insert, update, delete, by anyone, the watching app included) then sends
  ``exists``, with message numbers that rise but are not sequential;
- notifications carry no body and the ``X-Goog-*`` headers of the guide's table, with
  user agent ``APIs-Google``; 500/502/503/504 answers are retried with backoff;
- a channel stops notifying when it expires (``channel_ttl_s``, or an earlier
  ``expiration`` the request asked for: "the more restrictive" one wins) or is stopped.

Delivery runs on one daemon thread per emulator state, never on a request thread, so a
slow receiver never slows the Calendar call that caused the change. Push faults
(``drop``/``duplicate``/``delay``) apply to the next ``count`` notifications.
"""

from __future__ import annotations

import email.utils
import logging
import secrets
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kaleno.emulator.errors import CalendarError, invalid, not_found, required
from kaleno.emulator.push_delivery import deliverer
from kaleno.emulator.state import Calendar, EmulatorState

log = logging.getLogger(__name__)
DEFAULT_CHANNEL_TTL_S = 604_800  # one week; Google's events default is not documented here
MAX_CHANNEL_ID = 64  # "Maximum length: 64 characters."
MAX_TOKEN = 256  # "Maximum length: 256 characters."
USER_AGENT = "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)"
PUSH_MODES = ("drop", "duplicate", "delay")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class Channel:
    """A notification channel on one calendar's events."""

    channel_id: str
    resource_id: str
    resource_uri: str
    calendar_id: str
    address: str
    token: str | None
    expires_at: float
    client_id: str
    sub: str
    message_number: int = 1
    stopped: bool = False


@dataclass
class PushFault:
    """The next ``remaining`` notifications are dropped, sent twice or sent late."""

    mode: str
    remaining: int
    delay_ms: int = 0


def _resource_id(state: EmulatorState, calendar: Calendar) -> str:
    """An opaque id of the watched collection, stable across channels (as Google's)."""
    return state.resource_ids.setdefault(calendar.calendar_id, secrets.token_urlsafe(20)[:27])


def _address_allowed(address: str) -> bool:
    parts = urllib.parse.urlsplit(address)
    if parts.scheme == "https" and parts.hostname:
        return True
    # Deviation: Google needs HTTPS with a valid certificate; the emulator also takes
    # plain http to a loopback address so tests and development need no certificates.
    return parts.scheme == "http" and parts.hostname in _LOOPBACK


def watch(
    state: EmulatorState,
    calendar: Calendar,
    body: dict[str, Any],
    base_url: str,
    client_id: str,
    sub: str,
) -> dict[str, Any]:
    """Open a channel on ``calendar``'s events and queue its ``sync`` message.

    Raises:
        CalendarError: 400 for a missing/invalid id, type, address or token, or an id in use.
    """
    channel_id, kind, address = body.get("id"), body.get("type"), body.get("address")
    token = body.get("token")
    if not isinstance(channel_id, str) or not channel_id:
        raise required("Required", "id")
    if len(channel_id) > MAX_CHANNEL_ID:
        raise invalid("Channel id is too long.", "id")
    if kind not in ("web_hook", "webhook"):
        raise invalid(f"Unknown channel type: {kind}", "type")
    if not isinstance(address, str) or not address:
        raise required("Required", "address")
    if not _address_allowed(address):
        raise CalendarError(
            400, "push.webhookUrlNotHttps", f"WebHook callback must be HTTPS: {address}"
        )
    if token is not None and (not isinstance(token, str) or len(token) > MAX_TOKEN):
        raise invalid("Channel token is too long.", "token")
    if channel_id in state.channels:
        raise CalendarError(400, "channelIdNotUnique", "Channel id not unique")
    now = time.time()
    expires_at = now + state.channel_ttl_s
    asked = body.get("expiration")
    if asked is not None:
        try:
            expires_at = min(expires_at, int(asked) / 1000)
        except (TypeError, ValueError):
            raise invalid("Invalid expiration.", "expiration") from None
    channel = Channel(
        channel_id=channel_id,
        resource_id=_resource_id(state, calendar),
        resource_uri=f"{base_url}/calendar/v3/calendars/{calendar.calendar_id}/events",
        calendar_id=calendar.calendar_id,
        address=address,
        token=token,
        expires_at=expires_at,
        client_id=client_id,
        sub=sub,
    )
    state.channels[channel_id] = channel
    _send(state, channel, "sync")
    answer = {
        "kind": "api#channel",
        "id": channel_id,
        "resourceId": channel.resource_id,
        "resourceUri": channel.resource_uri,
        # Discovery types Channel.expiration as a string (int64, milliseconds).
        "expiration": str(int(expires_at * 1000)),
    }
    if token is not None:
        answer["token"] = token
    return answer


def stop(state: EmulatorState, body: dict[str, Any], client_id: str, sub: str) -> None:
    """Stop a channel; only its creator (same account, same OAuth client) may.

    Raises:
        CalendarError: 400 without id/resourceId, 404 for an unknown channel.
    """
    channel_id, resource_id = body.get("id"), body.get("resourceId")
    if not isinstance(channel_id, str) or not channel_id:
        raise required("Required", "id")
    if not isinstance(resource_id, str) or not resource_id:
        raise required("Required", "resourceId")
    channel = state.channels.get(channel_id)
    if channel is None or channel.resource_id != resource_id or channel.stopped:
        raise CalendarError(404, "notFound", f"Channel '{channel_id}' not found for project")
    if (channel.client_id, channel.sub) != (client_id, sub):
        raise not_found()
    channel.stopped = True


def notify_change(state: EmulatorState, calendar: Calendar) -> None:
    """Queue an ``exists`` message on every live channel of ``calendar`` (lock held)."""
    now = time.time()
    for channel in state.channels.values():
        live = not channel.stopped and channel.expires_at > now
        if live and channel.calendar_id == calendar.calendar_id:
            # "message numbers will not be sequential": step by 1 to 3.
            channel.message_number += 1 + secrets.randbelow(3)
            _send(state, channel, "exists")


def _send(state: EmulatorState, channel: Channel, resource_state: str) -> None:
    headers = {
        "User-Agent": USER_AGENT,
        "Content-Type": "application/json; utf-8",
        "X-Goog-Channel-ID": channel.channel_id,
        "X-Goog-Channel-Expiration": email.utils.format_datetime(
            datetime.fromtimestamp(channel.expires_at, UTC), usegmt=True
        ),
        "X-Goog-Resource-ID": channel.resource_id,
        "X-Goog-Resource-URI": channel.resource_uri,
        "X-Goog-Resource-State": resource_state,
        "X-Goog-Message-Number": str(channel.message_number),
    }
    if channel.token is not None:
        headers["X-Goog-Channel-Token"] = channel.token
    fault = _take_push_fault(state)
    sender = deliverer(state)
    if fault is None:
        sender.submit(channel.address, headers)
    elif fault.mode == "duplicate":
        sender.submit(channel.address, headers)
        sender.submit(channel.address, dict(headers))
    elif fault.mode == "delay":
        sender.submit(channel.address, headers, fault.delay_ms / 1000)


def _take_push_fault(state: EmulatorState) -> PushFault | None:
    for fault in state.push_faults:
        if fault.remaining > 0:
            fault.remaining -= 1
            if fault.remaining == 0:
                state.push_faults.remove(fault)
            return fault
    return None


def describe_channels(state: EmulatorState) -> list[dict[str, Any]]:
    """Channels for ``GET /_emulator/state`` (call under the lock)."""
    now = time.time()
    return [
        {
            "id": c.channel_id,
            "resourceId": c.resource_id,
            "calendarId": c.calendar_id,
            "address": c.address,
            "token": c.token,
            "expiration": int(c.expires_at * 1000),
            "expired": c.expires_at <= now,
            "stopped": c.stopped,
            "message_number": c.message_number,
        }
        for c in state.channels.values()
    ]
