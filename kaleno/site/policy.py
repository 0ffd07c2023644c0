"""The privacy policy's version and date, and whether a host still has to be told of it.

The version is ``kaleno.privacy.consents.POLICY_VERSION`` (PRIVACY.md states the same; a
test keeps them equal). A host is told once per version: acknowledging records an
``essential`` consent row with that version, which their consent history then shows.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from kaleno.extensions import db
from kaleno.models import Consent, User
from kaleno.privacy.consents import POLICY_VERSION, set_consents

POLICY_DATE = date(2026, 11, 1)


def accepted_version(user: User) -> str | None:
    """The policy version of the host's latest essential consent, if any."""
    return db.session.scalar(
        select(Consent.policy_version)
        .filter_by(user_id=user.id, purpose="essential")
        .order_by(Consent.decided_at.desc())
        .limit(1)
    )


def policy_notice(user: User) -> str | None:
    """``"new"`` or ``"changed"`` while the host has not acknowledged this version, else None."""
    version = accepted_version(user)
    if version == POLICY_VERSION:
        return None
    return "new" if version is None else "changed"


def acknowledge_policy(user: User, now: datetime) -> None:
    """Record that the host was shown the current version (commits)."""
    set_consents(user, {"essential": True}, POLICY_VERSION, now)
