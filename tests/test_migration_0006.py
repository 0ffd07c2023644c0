"""Migration 0006 fills the email keys of existing rows and clears stored replay bodies."""

from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from kaleno import create_app
from kaleno.extensions import db
from tests.conftest import dispose, make_config


def test_0006_fills_email_keys_and_clears_stored_answers(tmp_path: Path) -> None:
    app = create_app(make_config(f"sqlite:///{tmp_path / 'm.sqlite3'}"))
    try:
        with app.app_context():
            upgrade(revision="0003")
            user, event_type, booking = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            with db.engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO users (id, google_sub, email_verified, timezone, "
                        "created_at, updated_at) VALUES (:id, 's', 0, 'UTC', "
                        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": user.hex},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO event_types (id, user_id, slug, title, description, "
                        "duration_minutes, location_kind, buffer_before_minutes, "
                        "buffer_after_minutes, min_notice_minutes, horizon_days, "
                        "slot_interval_minutes, cancellation_notice_minutes, active, "
                        "created_at, updated_at) VALUES (:id, :user, 'x', 'X', '', 30, "
                        "'phone', 0, 0, 0, 60, 30, 0, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": event_type.hex, "user": user.hex},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO bookings (id, host_id, event_type_id, status, active, "
                        "start_at, end_at, blocked_start, blocked_end, customer_email, "
                        "customer_timezone, google_sync, created_at, updated_at) VALUES "
                        "(:id, :user, :et, 'confirmed', 1, CURRENT_TIMESTAMP, "
                        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
                        "'Élodie@Exemple.fr', 'UTC', 'pending', CURRENT_TIMESTAMP, "
                        "CURRENT_TIMESTAMP)"
                    ),
                    {"id": booking.hex, "user": user.hex, "et": event_type.hex},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO idempotency_keys (id, event_type_id, key, request_hash, "
                        "state, response_status, response_body, booking_id, created_at, "
                        "expires_at) VALUES (:id, :et, 'k', 'h', 'done', 201, "
                        '\'{"body": {"customer": "Élodie"}}\', :b, CURRENT_TIMESTAMP, '
                        "CURRENT_TIMESTAMP)"
                    ),
                    {"id": uuid.uuid4().hex, "et": event_type.hex, "b": booking.hex},
                )
            upgrade(revision="0006")
            with db.engine.connect() as conn:
                key = conn.execute(sa.text("SELECT customer_email_key FROM bookings")).scalar()
                body = conn.execute(sa.text("SELECT response_body FROM idempotency_keys")).scalar()
        assert key == "élodie@exemple.fr"
        assert body is None
    finally:
        dispose(app)
