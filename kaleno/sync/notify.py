"""Tell the other party about a change read from Google, in the same transaction.

Through ``kaleno.bookings.hooks``: its listeners queue the notice mail (the customer when
the host deleted or moved the event, the host when the customer declined) and the
host's webhooks, committed with the change or not at all.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

from kaleno.bookings import hooks
from kaleno.models import Booking

log = logging.getLogger(__name__)
Kind = Literal["rescheduled", "cancelled"]
Actor = Literal["host", "customer"]


def tell(kind: Kind, booking: Booking, actor: Actor, now: datetime) -> None:
    """Announce the change to every listener (they never commit, never call out)."""
    hooks.announce(hooks.BookingChange(kind, booking, actor, now))
    log.info(
        "booking changed in google",
        extra={"booking_id": str(booking.id), "change": kind, "actor": actor},
    )
