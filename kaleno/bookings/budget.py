"""How many new bookings one customer address, and one host, may make in a day.

Every booking makes Google send an invitation from the host's account to the address a
customer typed; these budgets bound how far that can be used to mail strangers. They are
counted in the database (every worker and host sees the same count), before Google is
asked anything.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from kaleno.errors import KalenoError
from kaleno.extensions import db
from kaleno.models import Booking, email_key

WINDOW = timedelta(hours=24)
PER_CUSTOMER = 5
PER_HOST = 200


class TooManyBookings(KalenoError):
    status = 429
    slug = "too-many-bookings"
    title = "Too many new bookings"


def _limit(setting: str, default: int) -> int:
    return int(current_app.config.get(setting, default))


def _count_since(since: datetime, *condition: object) -> int:
    query = select(func.count(Booking.id)).where(Booking.created_at >= since, *condition)  # type: ignore[arg-type]
    return int(db.session.scalar(query) or 0)


def ensure_budget(host_id: uuid.UUID, customer_email: str, now: datetime) -> None:
    """Refuse a new booking when the address or the host used up the day's budget.

    Raises:
        TooManyBookings: 429, with ``Retry-After`` (the window is a sliding 24 hours).
    """
    since = now - WINDOW
    retry = {"Retry-After": str(int(WINDOW.total_seconds()) // 24)}
    per_customer = _limit("BOOKINGS_PER_CUSTOMER_PER_DAY", PER_CUSTOMER)
    if _count_since(since, Booking.customer_email_key == email_key(customer_email)) >= (
        per_customer
    ):
        raise TooManyBookings(
            "This email address has made as many bookings as allowed in 24 hours; try again later.",
            headers=retry,
        )
    if _count_since(since, Booking.host_id == host_id) >= _limit(
        "BOOKINGS_PER_HOST_PER_DAY", PER_HOST
    ):
        raise TooManyBookings(
            "This host takes no more new bookings online today; try again later.",
            headers=retry,
        )
