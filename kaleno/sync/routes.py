"""``POST /webhooks/google/calendar``: Google's push notifications, answered at once.

The route checks the channel id and token (constant time) and queues an incremental
sync as an outbox job; it never calls Google. Unknown channels answer 404 and a wrong
token 403, with nothing queued. Notifications of a channel Kaleno replaced get it
stopped. Duplicates and out-of-order messages cost nothing: a waiting sync job covers
them all, and the sync itself is idempotent.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, request

from kaleno.api.spec import operation
from kaleno.errors import Forbidden, NotFound
from kaleno.extensions import db
from kaleno.models import GoogleChannel, User, utcnow
from kaleno.sync import channels, jobs
from kaleno.unit_of_work import begin_write

bp = Blueprint("sync", __name__)
HEADERS = {
    "X-Goog-Channel-ID": "The channel id Kaleno gave Google.",
    "X-Goog-Channel-Token": "The channel's secret token.",
    "X-Goog-Resource-ID": "Google's id of the watched calendar.",
    "X-Goog-Resource-State": "sync (channel opened) or exists (something changed).",
    "X-Goog-Message-Number": "Rising (not sequential) number of the message.",
}


@bp.post(channels.WEBHOOK_PATH)
@operation(
    "Receive a Google Calendar push notification (no body); queue an incremental sync.",
    tags=("sync",),
    responses={204: None, 403: None, 404: None},
    headers=HEADERS,
)
def google_calendar_webhook() -> Response:
    """Check the notification and queue the host's sync (or the stale channel's stop)."""
    now = utcnow()
    header = request.headers.get
    begin_write()  # one short writing transaction (SQLite: no read-then-write upgrade)
    verdict = channels.check(
        header("X-Goog-Channel-ID", ""),
        header("X-Goog-Channel-Token", ""),
        header("X-Goog-Resource-ID", ""),
        header("X-Goog-Resource-State", ""),
        header("X-Goog-Message-Number", ""),
        now,
    )
    if verdict.status == 404:
        raise NotFound("No such notification channel.")
    if verdict.status == 403:
        raise Forbidden("The notification's channel token or resource does not match.")
    host = db.session.get(User, verdict.user_id) if verdict.user_id else None
    if host is not None and host.restricted_at is None:
        if verdict.sync:
            jobs.enqueue(jobs.SYNC_KIND, host.id, now)
        if verdict.stale:
            channel = db.session.get(GoogleChannel, _channel_key())
            if channel is not None:
                channels.retire(channel, now)
    return Response(status=204)  # the request's unit commits what was queued


def _channel_key() -> uuid.UUID:
    return uuid.UUID(request.headers.get("X-Goog-Channel-ID", ""))
