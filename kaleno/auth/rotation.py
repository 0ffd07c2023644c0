"""Re-seal every stored secret under the active key, so old keys can be retired."""

from __future__ import annotations

from dataclasses import dataclass

from kaleno.auth.attempts import attempt_binding
from kaleno.auth.connection import connection_binding
from kaleno.bookings.outbox import secret_binding
from kaleno.extensions import db
from kaleno.integrations.endpoints import SECRET_COLUMNS
from kaleno.integrations.endpoints import secret_binding as webhook_secret_binding
from kaleno.models import GoogleConnection, OAuthAttempt, OutboxJob, WebhookEndpoint
from kaleno.vault import current_vault


@dataclass
class RotationReport:
    """How many sealed values were looked at and how many were re-sealed."""

    examined: int = 0
    resealed: int = 0


def rotate_sealed_values() -> RotationReport:
    """Re-seal every sealed column still under an older key; commits once at the end.

    Raises:
        VaultError: a value cannot be opened with any key in the ring (nothing is committed).
    """
    vault = current_vault()
    report = RotationReport()

    def reseal(value: bytes | None, aad: bytes) -> bytes | None:
        if value is None:
            return None
        report.examined += 1
        fresh = vault.reseal(value, aad)
        if fresh is None:
            return value
        report.resealed += 1
        return fresh

    for conn in db.session.query(GoogleConnection).all():
        for column in ("refresh_token", "access_token"):
            attr = f"{column}_sealed"
            aad = connection_binding(conn, column)
            setattr(conn, attr, reseal(getattr(conn, attr), aad))
    for attempt in db.session.query(OAuthAttempt).all():
        aad = attempt_binding(attempt)
        resealed = reseal(attempt.code_verifier_sealed, aad)
        assert resealed is not None
        attempt.code_verifier_sealed = resealed
    for endpoint in db.session.query(WebhookEndpoint).all():
        for column in SECRET_COLUMNS:
            attr = f"{column}_sealed"
            setattr(
                endpoint,
                attr,
                reseal(getattr(endpoint, attr), webhook_secret_binding(endpoint, column)),
            )
    # Queued work that carries a secret until it runs (a revoke's token, a mail's link).
    for job in db.session.query(OutboxJob).filter(OutboxJob.secret_sealed.is_not(None)):
        job.secret_sealed = reseal(job.secret_sealed, secret_binding(job))
    db.session.commit()
    return report
