"""Bring a booking's Google event in line with the booking row, idempotently.

The row is the truth. A confirmed booking gets its event inserted under the derived id
(409 duplicate means an earlier insert landed: patch it to the row instead), or patched
when it exists; a cancelled booking's event is deleted (404/410 count as done). Nothing
is held open in the database while Google answers.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app

from kaleno.bookings.google_event import (
    event_fields,
    event_version,
    google_event_id,
    new_event,
    replacement_event_id,
    wants_meet,
)
from kaleno.errors import HostRestricted, KalenoError
from kaleno.extensions import db
from kaleno.grant import calls
from kaleno.grant.errors import (
    AccessTokenRejected,
    CalendarNotConnected,
    CalendarRevoked,
    EventAlreadyExists,
    EventForbidden,
    EventGone,
    GoogleRejected,
    GoogleUnavailable,
    ScopeNotGranted,
)
from kaleno.models import Booking, EventType, User
from kaleno.outbox import Outcome

log = logging.getLogger(__name__)
# The outbox does the retrying, with its own backoff; googleapiclient would sleep instead.
GOOGLE_RETRIES = 0
# Inserts/patches one run may make while replacing events the host deleted in Google.
MAX_WRITES = 4


@dataclass(frozen=True)
class Plan:
    """What Google should hold for one booking, read from its row."""

    booking_id: uuid.UUID
    host_id: uuid.UUID
    event_id: str
    cancelled: bool
    known: bool
    seen: str
    insert_body: dict[str, Any] = field(default_factory=dict)
    patch_body: dict[str, Any] = field(default_factory=dict)
    conference: bool = False
    reread: bool = False  # only read the event again (its Meet link was pending)


@dataclass(frozen=True)
class Pushed:
    """A run's outcome and, when an event exists, its links."""

    outcome: Outcome
    event: dict[str, Any] | None = None


def prepare(booking_id: uuid.UUID, reread_for: str | None = None) -> Plan | None:
    """Read the booking into a plan and end the read transaction; None when it is gone.

    ``reread_for`` is the event version the booking had when its event's Meet link was
    still pending: while unchanged, the run only reads the event again.
    """
    booking = db.session.get(Booking, booking_id, populate_existing=True)
    plan = None
    if booking is not None:
        event_type = db.session.get(EventType, booking.event_type_id)
        assert event_type is not None  # the foreign key cascades
        plan = Plan(
            booking_id=booking.id,
            host_id=booking.host_id,
            event_id=booking.google_event_id or google_event_id(booking.id),
            cancelled=booking.status == "cancelled",
            known=booking.google_event_id is not None,
            seen=event_version(booking),
            insert_body=new_event(booking, event_type),
            patch_body=event_fields(booking, event_type),
            conference=wants_meet(event_type),
            reread=(
                reread_for is not None
                and reread_for == event_version(booking)
                and booking.google_event_id is not None
                and booking.status != "cancelled"
            ),
        )
    db.session.rollback()  # nothing was written: end the read before Google is asked
    return plan


def push(plan: Plan, now: datetime) -> Pushed:
    """Make one attempt at Google for ``plan``; never raises for Google's answers."""
    try:
        return Pushed(Outcome("done"), _push(plan, now))
    except (CalendarNotConnected, CalendarRevoked, ScopeNotGranted, HostRestricted) as error:
        return Pushed(Outcome("parked", error.detail))
    except GoogleRejected as error:
        return Pushed(Outcome("failed", error.detail))
    except GoogleUnavailable as error:
        return Pushed(Outcome("retry", error.detail))
    except AccessTokenRejected:
        return Pushed(Outcome("retry", "Google rejected a freshly refreshed access token."))
    except (EventGone, EventForbidden):
        return Pushed(Outcome("failed", "Google Calendar refused the booking's event."))
    except KalenoError as error:
        return Pushed(Outcome("retry", error.detail))
    except Exception as error:  # a bug or an outage must not lose the job: retry later
        log.exception("booking sync crashed", extra={"booking_id": str(plan.booking_id)})
        return Pushed(Outcome("retry", f"Unexpected {type(error).__name__} during sync."))


def _push(plan: Plan, now: datetime) -> dict[str, Any] | None:
    host = db.session.get(User, plan.host_id)
    if host is None:
        raise CalendarNotConnected("The host account no longer exists.")
    send_updates = str(current_app.config.get("GOOGLE_SEND_UPDATES", "all"))
    if plan.reread:
        return dict(calls.get_event(host, now, plan.event_id, retries=GOOGLE_RETRIES))
    if plan.cancelled:
        calls.delete_event(
            host, now, plan.event_id, send_updates=send_updates, retries=GOOGLE_RETRIES
        )
        return None

    def patch(event_id: str) -> dict[str, Any]:
        return dict(
            calls.patch_event(
                host,
                now,
                event_id,
                plan.patch_body,
                send_updates=send_updates,
                retries=GOOGLE_RETRIES,
            )
        )

    def insert(event_id: str) -> dict[str, Any]:
        return dict(
            calls.insert_event(
                host,
                now,
                _insert_body(plan, event_id),
                send_updates=send_updates,
                conference=plan.conference,
                retries=GOOGLE_RETRIES,
            )
        )

    def deleted_in_google(event_id: str) -> bool:
        try:
            event = calls.get_event(host, now, event_id, retries=GOOGLE_RETRIES)
        except EventGone:
            return True
        return bool(event.get("status") == "cancelled")

    event_id, exists = plan.event_id, plan.known
    for _ in range(MAX_WRITES):
        if not exists:
            try:
                return insert(event_id)
            except EventAlreadyExists:
                # An earlier insert landed but its answer was lost: make that event match.
                log.info("booking event exists already; patching it", extra=_ids(plan))
                exists = True
                continue
        try:
            return patch(event_id)
        except EventGone:
            log.info("booking event vanished; inserting again", extra=_ids(plan))
            exists = False
        except EventForbidden:
            if not deleted_in_google(event_id):
                raise GoogleRejected("Google Calendar refused to update the event (403).") from None
            # Google keeps a deleted event's id: it can be neither updated nor re-inserted.
            log.info("booking event deleted in Google; replacing it", extra=_ids(plan))
            event_id, exists = replacement_event_id(plan.booking_id, event_id), False
    raise GoogleUnavailable("Google Calendar kept refusing the booking's event; retried later.")


def _insert_body(plan: Plan, event_id: str) -> dict[str, Any]:
    """The insert body under ``event_id`` (a replacement gets its own Meet request)."""
    body = {**plan.insert_body, "id": event_id}
    if event_id != plan.insert_body.get("id") and "conferenceData" in body:
        body["conferenceData"] = {
            "createRequest": {**body["conferenceData"]["createRequest"], "requestId": event_id}
        }
    return body


def _ids(plan: Plan) -> dict[str, str]:
    return {"booking_id": str(plan.booking_id)}


def conference_pending(event: dict[str, Any] | None) -> bool:
    """Whether Google is still creating the event's Meet conference (link not there yet)."""
    request = ((event or {}).get("conferenceData") or {}).get("createRequest") or {}
    return bool((request.get("status") or {}).get("statusCode") == "pending")


def meet_link(event: dict[str, Any]) -> str | None:
    """The event's Google Meet URL, if it has one."""
    if event.get("hangoutLink"):
        return str(event["hangoutLink"])
    for entry in (event.get("conferenceData") or {}).get("entryPoints", []):
        if entry.get("entryPointType") == "video" and entry.get("uri"):
            return str(entry["uri"])
    return None


def apply_event(booking: Booking, plan: Plan, event: dict[str, Any] | None) -> None:
    """Record what Google holds now on the booking row (the caller commits)."""
    if plan.cancelled:
        return
    booking.google_event_id = str(event["id"]) if event and event.get("id") else plan.event_id
    if event is not None:
        booking.google_html_link = event.get("htmlLink") or booking.google_html_link
        booking.google_meet_link = meet_link(event) or booking.google_meet_link
        # Two-way sync reads Google's later changes only when newer than this.
        booking.google_event_updated = event.get("updated") or booking.google_event_updated
