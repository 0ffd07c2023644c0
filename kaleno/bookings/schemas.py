"""Request and response shapes of the booking routes (validation and OpenAPI in one place)."""

from __future__ import annotations

import functools
import uuid
import zoneinfo
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
)

from kaleno.bookings.customer_text import MAX_NAME_LENGTH, plain_name

SyncState = Literal["pending", "synced", "failed", "parked"]
BookingStatus = Literal["confirmed", "cancelled"]
PHONE_PATTERN = r"^\+?[0-9][0-9 ().\-]{2,39}$"


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _iana_zone(name: str) -> str:
    if name != "UTC" and name not in _zone_names():
        raise ValueError("must be an IANA time zone name such as Europe/Paris")
    return name


IanaZone = Annotated[str, AfterValidator(_iana_zone)]


def _rfc3339_text(value: object) -> object:
    # pydantic would read a number (or a numeric string) as Unix seconds; the contract and
    # the OpenAPI document say RFC 3339 text, so ``to=0.5`` is refused rather than 1970.
    if isinstance(value, int | float) or (
        isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit()
    ):
        raise ValueError("must be an RFC 3339 date-time with an offset")
    return value


# Every time a request may carry lies in these bounds, so arithmetic on it (buffers,
# horizons, zone conversion) can never overflow Python's datetime range.
EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(3000, 1, 1, tzinfo=UTC)


def _bounded(value: datetime) -> datetime:
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        in_utc = None
    if in_utc is None or not EARLIEST_TIME <= in_utc < LATEST_TIME:
        raise ValueError("must lie between 1970-01-01 and 2999-12-31")
    return value


def bounded_utc(value: datetime) -> datetime:
    """``value`` in UTC when it is aware and within the bounds requests may carry.

    Raises:
        ValueError: for a naive time or one outside 1970-01-01 … 2999-12-31.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must carry a UTC offset")
    return _bounded(value).astimezone(UTC)


Rfc3339 = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text), AfterValidator(_bounded)]


# Names reach the host's Google invitation: plain and short (kaleno.bookings.customer_text).
PlainName = Annotated[
    str, Field(min_length=1, max_length=MAX_NAME_LENGTH), AfterValidator(plain_name)
]


class BookingRequest(BaseModel):
    """A customer's booking: an offered start and who they are."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    start: Rfc3339
    name: PlainName
    email: EmailStr = Field(max_length=320)
    phone: str | None = Field(default=None, max_length=40, pattern=PHONE_PATTERN)
    notes: str | None = Field(default=None, max_length=2000)
    timezone: IanaZone = "UTC"


class RescheduleRequest(BaseModel):
    """Move a booking to another offered start."""

    model_config = ConfigDict(extra="forbid")

    start: Rfc3339


class CancelRequest(BaseModel):
    """Cancel a booking; the reason is shown to the other side."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str | None = Field(default=None, max_length=500)


class BookingListQuery(BaseModel):
    """Filters and keyset pagination for the host's booking list."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Rfc3339 | None = Field(default=None, alias="from")
    to: Rfc3339 | None = None
    status: BookingStatus | None = None
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=200)


class Customer(BaseModel):
    """Who booked."""

    name: str | None
    email: str | None
    phone: str | None
    timezone: str


class GoogleEvent(BaseModel):
    """The booking's event in the host's Google Calendar and how far the sync got."""

    event_id: str | None
    html_link: str | None
    meet_link: str | None
    sync: SyncState
    error: str | None


class EventTypeRef(BaseModel):
    """The event type a booking is for."""

    id: uuid.UUID
    slug: str
    title: str


class BookingOut(BaseModel):
    """A booking as the host or its customer sees it; times in the customer's zone."""

    id: uuid.UUID
    status: BookingStatus
    start: datetime
    end: datetime
    event_type: EventTypeRef
    customer: Customer
    notes: str | None
    google: GoogleEvent
    cancelled_at: datetime | None
    cancel_reason: str | None
    cancelled_by: str | None = None  # host | customer | system
    # Set when the host moved the booking in Google to a time its rules would not offer.
    rules_warning: str | None = None


class CreatedBooking(BookingOut):
    """The 201 answer: the booking and its manage token, shown this once.

    A replay of the same ``Idempotency-Key`` and body (header ``Idempotent-Replayed:
    true``) answers 201 with the booking as it is now, without ``manage_token`` and with
    the customer's name, email, phone and notes left out.
    """

    manage_token: str | None = Field(
        default=None,
        description="The one-time manage token; absent from a replay.",
    )


class BookingPage(BaseModel):
    """One page of bookings; pass ``next_cursor`` as ``cursor`` for the next."""

    items: list[BookingOut]
    next_cursor: str | None
