"""Consent per purpose with the policy version and a full history; withdrawing is one call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from kaleno import audit
from kaleno.errors import ValidationProblem
from kaleno.extensions import db
from kaleno.models import Consent, User

POLICY_VERSION = "2026-11"
PURPOSES = ("essential", "analytics", "marketing")
# Essential processing is what the service is; it is shown, not asked.
DEFAULTS = {"essential": True, "analytics": False, "marketing": False}


def consent_state(user: User) -> dict[str, Any]:
    """Current decision per purpose plus every decision ever made, oldest first."""
    history = list(
        db.session.scalars(
            select(Consent).filter_by(user_id=user.id).order_by(Consent.decided_at, Consent.purpose)
        )
    )
    current: dict[str, dict[str, Any]] = {
        purpose: {"granted": granted, "policy_version": POLICY_VERSION, "decided_at": None}
        for purpose, granted in DEFAULTS.items()
    }
    for row in history:
        current[row.purpose] = {
            "granted": row.granted,
            "policy_version": row.policy_version,
            "decided_at": row.decided_at,
        }
    return {
        "policy_version": POLICY_VERSION,
        "purposes": current,
        "history": [
            {
                "purpose": row.purpose,
                "granted": row.granted,
                "policy_version": row.policy_version,
                "decided_at": row.decided_at,
            }
            for row in history
        ],
    }


def set_consents(
    user: User, decisions: dict[str, bool], policy_version: str, now: datetime
) -> None:
    """Record the decisions that change something; each one is a new history row.

    Raises:
        ValidationProblem: unknown purpose, essential withdrawn, or an outdated policy version.
    """
    if policy_version != POLICY_VERSION:
        raise ValidationProblem(
            f"Consent must be given to the current policy version {POLICY_VERSION}.",
            errors=[
                {"field": "policy_version", "in": "body", "message": "outdated policy version"}
            ],
        )
    if decisions.get("essential") is False:
        raise ValidationProblem(
            "Essential processing cannot be withdrawn; erase the account instead (DELETE /api/me).",
            errors=[{"field": "purposes.essential", "in": "body", "message": "cannot be false"}],
        )
    current = consent_state(user)["purposes"]
    for purpose, granted in decisions.items():
        unchanged = current[purpose]["granted"] == granted
        # The same decision under a newer policy version is recorded: it shows what was
        # accepted when the policy changed.
        same_version = current[purpose]["policy_version"] == policy_version
        if unchanged and same_version and current[purpose]["decided_at"]:
            continue
        db.session.add(
            Consent(
                user_id=user.id,
                purpose=purpose,
                granted=granted,
                policy_version=policy_version,
                decided_at=now,
            )
        )
        audit.record(
            "consent.change",
            actor="user",
            subject_user_id=user.id,
            purpose=purpose,
            granted=granted,
            policy_version=policy_version,
        )
