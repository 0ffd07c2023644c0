"""Rectify the host's public profile (slug, time zone, display name, embedding
origins) and mail setting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from kaleno.extensions import db
from kaleno.models import User, utcnow
from kaleno.scheduling import slug_quarantine
from kaleno.scheduling.fields import SlugTaken, field_problem

PROFILE_FIELDS = ("slug", "timezone", "name", "embed_origins", "notify_new_booking")


def routed_top_level_paths() -> frozenset[str]:
    """The first path segment of every route the app serves (``api``, ``healthz`` …)."""
    segments = set()
    for rule in current_app.url_map.iter_rules():
        first = rule.rule.lstrip("/").split("/", 1)[0]
        if first and "<" not in first:
            segments.add(first)
    return frozenset(segments)


def update_profile(user: User, changes: dict[str, Any], now: datetime | None = None) -> User:
    """Apply validated profile, embedding and mail-setting changes; commit.

    Raises:
        ValidationProblem: 400 when the slug is a path the app routes.
        SlugTaken: 409 when another host uses the slug or released it recently.
    """
    now = now or utcnow()
    slug = changes.get("slug")
    if slug is not None and slug in routed_top_level_paths():
        raise field_problem([("slug", "this address is reserved for a page of Kaleno")])
    if slug is not None and slug != user.slug:
        taken = db.session.query(User.id).filter(User.slug == slug, User.id != user.id).first()
        if taken is not None:
            raise SlugTaken(f"The slug {slug!r} is already taken; pick another.")
        slug_quarantine.claim(slug, user.id, now)
        if user.slug is not None:
            slug_quarantine.release(user.slug, user.id, now)
    for name in PROFILE_FIELDS:
        if name in changes:
            setattr(user, name, changes[name])
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent request took the slug between check and commit
        db.session.rollback()
        raise SlugTaken(f"The slug {slug!r} is already taken; pick another.") from None
    return user
