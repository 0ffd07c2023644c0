"""Rectify the host's public profile (slug, time zone, display name) and mail setting."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from kaleno.extensions import db
from kaleno.models import User
from kaleno.scheduling.fields import SlugTaken


def update_profile(user: User, changes: dict[str, Any]) -> User:
    """Apply validated ``slug``/``timezone``/``name``/``notify_new_booking`` changes; commit.

    Raises:
        SlugTaken: 409 when another host already uses the slug.
    """
    slug = changes.get("slug")
    if slug is not None and slug != user.slug:
        taken = db.session.query(User.id).filter(User.slug == slug, User.id != user.id).first()
        if taken is not None:
            raise SlugTaken(f"The slug {slug!r} is already taken; pick another.")
    for name in ("slug", "timezone", "name", "notify_new_booking"):
        if name in changes:
            setattr(user, name, changes[name])
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent request took the slug between check and commit
        db.session.rollback()
        raise SlugTaken(f"The slug {slug!r} is already taken; pick another.") from None
    return user
