"""Released host slugs are held for a while, so a link customers still use cannot be
claimed by someone else at once (who would then receive the old link's bookings).

A rename holds the old slug for its owner, who may take it back; an erasure holds it for
nobody. Only an HMAC of the slug, keyed with the app's secret key, is stored: an erased
host's slug (often their name) is not kept in clear. Rotating the secret key forgets the
quarantine, which then only lasts less long.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from kaleno.extensions import db
from kaleno.models import ReleasedSlug
from kaleno.scheduling.fields import SlugTaken

DEFAULT_DAYS = 90


def _slug_hmac(slug: str) -> str:
    key = str(current_app.secret_key or "").encode()
    return hmac.new(key, b"released-slug|" + slug.encode(), hashlib.sha256).hexdigest()


def quarantine() -> timedelta:
    """How long a released slug is held (``KALENO_SLUG_QUARANTINE_DAYS``)."""
    return timedelta(days=int(current_app.config.get("SLUG_QUARANTINE_DAYS", DEFAULT_DAYS)))


def release(slug: str, owner_id: uuid.UUID | None, now: datetime) -> None:
    """Hold ``slug`` from now on (for ``owner_id`` to reclaim, or for nobody)."""
    digest = _slug_hmac(slug)
    row = db.session.get(ReleasedSlug, digest)
    if row is None:
        row = ReleasedSlug(slug_hash=digest)
        db.session.add(row)
    row.owner_id, row.released_at, row.held_until = owner_id, now, now + quarantine()


def claim(slug: str, user_id: uuid.UUID, now: datetime) -> None:
    """Let ``user_id`` take ``slug`` unless someone else released it recently.

    Raises:
        SlugTaken: 409 while the slug is held for another host (or for nobody).
    """
    row = db.session.get(ReleasedSlug, _slug_hmac(slug))
    if row is None:
        return
    if row.held_until > now and row.owner_id != user_id:
        raise SlugTaken(f"The slug {slug!r} is already taken; pick another.")
    db.session.delete(row)


def purge_expired(now: datetime) -> int:
    """Forget quarantines that have ended; return how many."""
    result = db.session.execute(delete(ReleasedSlug).where(ReleasedSlug.held_until <= now))
    return int(getattr(result, "rowcount", 0) or 0)
