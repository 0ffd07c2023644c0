"""Event types of one host: create, change, archive. One commit per call."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from kaleno.errors import NotFound
from kaleno.extensions import db
from kaleno.models import EventType, User
from kaleno.scheduling.fields import SlugTaken


def live_event_types(host: User) -> list[EventType]:
    """The host's event types that are not archived, oldest first."""
    return (
        db.session.query(EventType)
        .filter(EventType.user_id == host.id, EventType.archived_at.is_(None))
        .order_by(EventType.created_at, EventType.slug)
        .all()
    )


def owned_event_type(host: User, event_type_id: uuid.UUID) -> EventType:
    """One of the host's live event types.

    Raises:
        NotFound: 404 when it does not exist, is archived or belongs to another host.
    """
    event_type = db.session.get(EventType, event_type_id)
    if event_type is None or event_type.user_id != host.id or event_type.archived_at is not None:
        raise NotFound("No such event type.")
    return event_type


def create_event_type(host: User, columns: dict[str, Any]) -> EventType:
    """Create an event type for ``host`` from validated column values.

    Raises:
        SlugTaken: 409 when the host already has an event type with this slug.
    """
    _ensure_slug_free(host, columns["slug"], None)
    event_type = EventType(user_id=host.id, **columns)
    db.session.add(event_type)
    _commit(columns["slug"])
    return event_type


def update_event_type(host: User, event_type: EventType, columns: dict[str, Any]) -> EventType:
    """Apply validated column changes.

    Raises:
        SlugTaken: 409 when the new slug is used by another of the host's event types.
    """
    slug = columns.get("slug")
    if slug is not None and slug != event_type.slug:
        _ensure_slug_free(host, slug, event_type.id)
    for name, value in columns.items():
        setattr(event_type, name, value)
    _commit(slug or event_type.slug)
    return event_type


def archive_event_type(event_type: EventType, now: datetime) -> None:
    """Archive: hide it everywhere but keep the row, so its bookings keep their event type.

    The slug is freed for reuse: it becomes ``<slug>.archived.<id>``, which no live slug
    can equal (live slugs never contain a dot).
    """
    event_type.archived_at = now
    event_type.active = False
    event_type.slug = f"{event_type.slug[:30]}.archived.{event_type.id.hex[:16]}"


def _ensure_slug_free(host: User, slug: str, except_id: uuid.UUID | None) -> None:
    query = db.session.query(EventType.id).filter(
        EventType.user_id == host.id, EventType.slug == slug
    )
    if except_id is not None:
        query = query.filter(EventType.id != except_id)
    if query.first() is not None:
        raise SlugTaken(f"You already have an event type with the slug {slug!r}.")


def _commit(slug: str) -> None:
    """Write now (the route's unit of work commits), so a taken slug is a 409 here."""
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent request took the slug between check and write
        db.session.rollback()
        raise SlugTaken(f"You already have an event type with the slug {slug!r}.") from None
