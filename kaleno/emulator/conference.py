"""Google Meet conferences on events: create requests, links, and pending ones ripening.

All functions expect ``state.lock`` to be held by the caller.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from kaleno.emulator.state import Calendar

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _meet_code() -> str:
    parts = (3, 4, 3)
    return "-".join("".join(secrets.choice(_LETTERS) for _ in range(n)) for n in parts)


def _conference(create_request: dict[str, Any]) -> dict[str, Any]:
    key = create_request.get("conferenceSolutionKey") or {"type": "hangoutsMeet"}
    if key.get("type") != "hangoutsMeet":
        failed = {**create_request, "status": {"statusCode": "failure"}}
        return {"createRequest": failed}
    code = _meet_code()
    pin = str(secrets.randbelow(10**13)).zfill(13)
    return {
        "createRequest": {**create_request, "status": {"statusCode": "success"}},
        "entryPoints": [
            {
                "entryPointType": "video",
                "uri": f"https://meet.google.com/{code}",
                "label": f"meet.google.com/{code}",
            },
            {
                "entryPointType": "more",
                "uri": f"https://tel.meet/{code}?pin={pin}",
                "pin": pin,
            },
        ],
        "conferenceSolution": {
            "key": {"type": "hangoutsMeet"},
            "name": "Google Meet",
            "iconUri": "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/"
            "web-512dp/logo_meet_2020q4_color_2x_web_512dp.png",
        },
        "conferenceId": code,
    }


def apply_conference(
    event: dict[str, Any],
    body: dict[str, Any],
    previous: dict[str, Any],
    version: int,
    pending: bool = False,
) -> None:
    """Honour conferenceData only with conferenceDataVersion=1, as Google does; with
    ``pending`` a new Meet request answers ``statusCode: pending`` and no link yet."""
    old = previous.get("conferenceData")
    event.pop("hangoutLink", None)
    event.pop("conferenceData", None)
    if version < 1 or "conferenceData" not in body:
        if old is not None:
            event["conferenceData"] = old
            if "hangoutLink" in previous:
                event["hangoutLink"] = previous["hangoutLink"]
        return
    wanted = body.get("conferenceData")
    if not wanted:
        return
    request_id = (wanted.get("createRequest") or {}).get("requestId")
    old_request_id = ((old or {}).get("createRequest") or {}).get("requestId")
    if old is not None and (request_id is None or request_id == old_request_id):
        event["conferenceData"] = old
    elif wanted.get("createRequest") and pending:
        event["conferenceData"] = {
            "createRequest": {**wanted["createRequest"], "status": {"statusCode": "pending"}}
        }
    elif wanted.get("createRequest"):
        event["conferenceData"] = _conference(wanted["createRequest"])
    else:
        event["conferenceData"] = wanted
    for entry in event["conferenceData"].get("entryPoints", []):
        if entry.get("entryPointType") == "video":
            event["hangoutLink"] = entry["uri"]
            break


def conference_pending(event: dict[str, Any]) -> bool:
    """Whether the event's Meet create request is still ``pending``."""
    request = (event.get("conferenceData") or {}).get("createRequest") or {}
    return bool((request.get("status") or {}).get("statusCode") == "pending")


def ripen_conferences(calendar: Calendar, now: float | None = None) -> None:
    """Give pending Meet conferences whose time has come their link (status success).

    Google creates conferences asynchronously: a client that saw ``pending`` reads the
    event again later (Calendar API "Create events", conferenceData section).
    """
    moment = time.time() if now is None else now
    for event_id, ready_at in list(calendar.conference_ready_at.items()):
        event = calendar.events.get(event_id)
        if ready_at > moment or event is None:
            continue
        del calendar.conference_ready_at[event_id]
        if not conference_pending(event):
            continue
        request = dict(event["conferenceData"]["createRequest"])
        request.pop("status", None)
        event["conferenceData"] = _conference(request)
        event["hangoutLink"] = event["conferenceData"]["entryPoints"][0]["uri"]
