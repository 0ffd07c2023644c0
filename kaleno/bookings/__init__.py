"""Bookings: create, reschedule, cancel; idempotency; the outbox that keeps Google in step."""
