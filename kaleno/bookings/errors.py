"""What can go wrong with a booking, as problems a client can act on."""

from __future__ import annotations

from kaleno.errors import Conflict, KalenoError


class SlotUnavailable(Conflict):
    slug = "slot-unavailable"
    title = "This time is not available"


class TooLate(Conflict):
    slug = "too-late"
    title = "Too late to change this booking"


class BookingCancelled(Conflict):
    slug = "booking-cancelled"
    title = "The booking is cancelled"


class IdempotencyKeyInUse(Conflict):
    slug = "idempotency-key-in-use"
    title = "A request with this Idempotency-Key is still running"


class IdempotencyKeyReused(KalenoError):
    status = 422
    slug = "idempotency-key-reused"
    title = "This Idempotency-Key was used with a different request"
