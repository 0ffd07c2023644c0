"""The problems a call with the host's grant can raise, for callers to catch by name."""

from __future__ import annotations

from kaleno.google.calendar import (
    AccessTokenRejected,
    CalendarError,
    EventAlreadyExists,
    EventForbidden,
    EventGone,
)
from kaleno.google.errors import (
    CalendarNotConnected,
    CalendarRevoked,
    ClientMisconfigured,
    GoogleRejected,
    GoogleUnavailable,
    ScopeNotGranted,
)
from kaleno.google.watch import SyncTokenExpired

__all__ = [
    "AccessTokenRejected",
    "CalendarError",
    "CalendarNotConnected",
    "CalendarRevoked",
    "ClientMisconfigured",
    "EventAlreadyExists",
    "EventForbidden",
    "EventGone",
    "GoogleRejected",
    "GoogleUnavailable",
    "ScopeNotGranted",
    "SyncTokenExpired",
]
