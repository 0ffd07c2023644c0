"""Rectify the host's public profile: slug, time zone, display name."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from kaleno.extensions import db
from kaleno.models import User, utcnow
from kaleno.scheduling import slug_quarantine
from kaleno.scheduling.fields import SlugTaken


def update_profile(user: User, changes: dict[str, Any], now: datetime | None = None) -> User:
    """Apply validated ``slug``/``timezone``/``name`` changes and commit.

    Raises:
        SlugTaken: 409 when another host uses the slug or released it recently.
    """
    now = now or utcnow()
    slug = changes.get("slug")
    if slug is not None and slug != user.slug:
        taken = db.session.query(User.id).filter(User.slug == slug, User.id != user.id).first()
        if taken is not None:
            raise SlugTaken(f"The slug {slug!r} is already taken; pick another.")
        slug_quarantine.claim(slug, user.id, now)
        if user.slug is not None:
            slug_quarantine.release(user.slug, user.id, now)
    for name in ("slug", "timezone", "name"):
        if name in changes:
            setattr(user, name, changes[name])
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent request took the slug between check and commit
        db.session.rollback()
        raise SlugTaken(f"The slug {slug!r} is already taken; pick another.") from None
    return user
