"""The append-only audit log: who did what to whose data, never the data itself."""

from __future__ import annotations

import uuid
from typing import Any

from kaleno.extensions import db
from kaleno.models import AuditEvent, utcnow

# Keys whose values could carry personal data or secrets never reach the audit log.
_FORBIDDEN_KEYS = frozenset({"email", "name", "phone", "notes", "token", "sub", "address"})


def record(
    action: str, *, actor: str, subject_user_id: uuid.UUID | None = None, **details: Any
) -> AuditEvent:
    """Add an audit entry to the current transaction (committed with the change it records)."""
    leaked = _FORBIDDEN_KEYS.intersection(details)
    if leaked:
        raise ValueError(f"audit details must not carry personal data: {sorted(leaked)}")
    event = AuditEvent(
        at=utcnow(), actor=actor, action=action, subject_user_id=subject_user_id, details=details
    )
    db.session.add(event)
    return event
