"""The console's blueprint with every route attached (import this to register it)."""

from __future__ import annotations

from kaleno.console import (  # noqa: F401
    account,
    bookings,
    calendar,
    event_types,
    home,
    hours,
    integrations,
)
from kaleno.console.common import bp

__all__ = ["bp"]
