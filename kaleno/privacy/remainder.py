"""What erasure keeps, stated once: the receipt of ``DELETE /api/me`` quotes it.

``KEPT_COLUMNS`` lists, per table, every column that may still hold a value in a row
tied to an erased host; ``tests/privacy/test_leftovers.py`` checks every row against it.
"""

from __future__ import annotations

_TIMES = ("created_at", "updated_at")

KEPT_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": (
        "id",
        "google_sub",
        "email_verified",
        "timezone",
        "restricted_at",
        "notify_new_booking",
        "bookings_version",
        *_TIMES,
    ),
    "bookings": (
        "id",
        "host_id",
        "event_type_id",
        "status",
        "active",
        "start_at",
        "end_at",
        "blocked_start",
        "blocked_end",
        "customer_timezone",
        "google_sync",
        "google_sync_error",
        "cancelled_at",
        "cancel_reason",
        "cancelled_by",
        "anonymized_at",
        "sequence",
        "locale",
        *_TIMES,
    ),
    "event_types": (
        "id",
        "user_id",
        "slug",
        "title",
        "description",
        "duration_minutes",
        "location_kind",
        "buffer_before_minutes",
        "buffer_after_minutes",
        "min_notice_minutes",
        "horizon_days",
        "slot_interval_minutes",
        "max_per_day",
        "cancellation_notice_minutes",
        "reminders_minutes",
        "active",
        "archived_at",
        *_TIMES,
    ),
    "data_requests": (
        "id",
        "kind",
        "subject",
        "user_id",
        "status",
        "details",
        "result",
        "created_at",
        "due_at",
        "completed_at",
    ),
    "audit_events": ("id", "at", "actor", "action", "subject_user_id", "details"),
    "outbox_jobs": (
        "id",
        "kind",
        "booking_id",
        "user_id",
        "payload",
        "secret_sealed",
        "status",
        "attempts",
        "next_attempt_at",
        "locked_until",
        "last_error",
        *_TIMES,
    ),
    "released_slugs": ("slug_hash", "released_at", "held_until"),
}

KEPT_STATEMENT = (
    "Kept: users - a tombstone row (id, a placeholder subject, time zone reset to UTC, "
    "creation and restriction times, a count of booking changes), so booking facts keep "
    "their foreign key; "
    "bookings - facts only (times, status, event type id, sync state, when and by whom "
    "cancelled, a system cancellation reason) with every customer detail removed; "
    "event_types - durations and rules, with slug, title, description and location "
    "replaced; data_requests - kind, status, dates and counts, without email or token; "
    "audit_events - actions without personal data; outbox_jobs - only a queued Google "
    "revoke (and removal of invitations) while Google is unreachable, its sealed token "
    "dropped once done, and the cancellation notices to the customers, which hold the "
    "customer's address and the booking until the worker has sent them and then keep only "
    "their Message-ID; released_slugs - an HMAC of the old slug until its "
    "quarantine ends. Guests' stored exports no longer mention the host."
)
