"""The request's clock: one place to read "now"."""

from __future__ import annotations

from datetime import datetime

from kaleno.models import utcnow


def current_time() -> datetime:
    """The request's notion of now (one place to read the clock)."""
    return utcnow()
