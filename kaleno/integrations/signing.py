"""Standard Webhooks headers and signatures (``standardwebhooks`` signs)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks import Webhook


def message_id(delivery_id: uuid.UUID) -> str:
    """The ``webhook-id`` of a delivery: the same on every retry and redelivery."""
    return f"msg_{delivery_id.hex}"


def signed_headers(
    secrets: Sequence[str], webhook_id: str, at: datetime, body: str
) -> dict[str, str]:
    """``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` for ``body``; one
    ``v1,`` signature per secret, space-separated (the specification's rotation form)."""
    moment = at.astimezone(UTC)
    signatures = [Webhook(secret).sign(webhook_id, moment, body) for secret in secrets]
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
