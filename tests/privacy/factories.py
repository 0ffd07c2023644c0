"""Hand-written factories for privacy tests: event types and bookings as rows."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from flask import Flask

from kaleno.extensions import db
from kaleno.models import Booking, EventType, User


def host(app: Flask, email: str) -> User:
    with app.app_context():
        user = db.session.query(User).filter_by(email=email).one()
        db.session.expunge(user)
        return user


def event_type(app: Flask, user_id: uuid.UUID, slug: str = "intro") -> uuid.UUID:
    with app.app_context():
        row = EventType(
            user_id=user_id,
            slug=slug,
            title="Intro call",
            duration_minutes=30,
            location_kind="google_meet",
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def booking(
    app: Flask,
    user_id: uuid.UUID,
    event_type_id: uuid.UUID,
    start: datetime,
    *,
    email: str = "guest@example.com",
    name: str = "Gina Guest",
    event_id: str | None = None,
    manage_token: str = "",
) -> uuid.UUID:
    with app.app_context():
        row = Booking(
            host_id=user_id,
            event_type_id=event_type_id,
            start_at=start,
            end_at=start + timedelta(minutes=30),
            blocked_start=start,
            blocked_end=start + timedelta(minutes=30),
            customer_name=name,
            customer_email=email,
            customer_phone="+62 812 0000",
            customer_timezone="Asia/Jakarta",
            notes="gluten free",
            google_event_id=event_id,
            google_sync="synced" if event_id else "pending",
            manage_token_hash=hashlib.sha256(manage_token.encode()).hexdigest()
            if manage_token
            else None,
        )
        db.session.add(row)
        db.session.commit()
        return row.id
