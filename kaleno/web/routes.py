"""``GET /metrics``: the Prometheus exposition, for loopback or a bearer token only."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from kaleno.api.spec import operation
from kaleno.extensions import db
from kaleno.models import OutboxJob

bp = Blueprint("metrics", __name__)
log = logging.getLogger(__name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class OutboxCollector(Collector):
    """Outbox depth and the age of its oldest pending job, read from the database at scrape."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("kaleno_outbox_up", "1 when the outbox could be read.")
        try:
            count, oldest = db.session.execute(
                select(func.count(OutboxJob.id), func.min(OutboxJob.created_at)).where(
                    OutboxJob.status == "pending"
                )
            ).one()
        except Exception:
            db.session.rollback()
            log.warning("metrics: the outbox could not be read")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "kaleno_outbox_pending_jobs", "Outbox jobs waiting to run.", value=int(count)
        )
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "kaleno_outbox_oldest_pending_age_seconds",
            "Seconds since the oldest pending outbox job was created (0 when none).",
            value=max(0.0, age),
        )


def exposition() -> bytes:
    """Every worker's metrics (summed in multiprocess mode) plus the outbox gauges."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    return text + generate_latest(OutboxCollector())


def scrape_allowed() -> bool:
    """With ``METRICS_TOKEN``: the bearer token must match. Without: loopback, unproxied only."""
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    # A request relayed by a local reverse proxy comes from loopback too; it names the
    # real client in X-Forwarded-For / Forwarded, and is not trusted without a token.
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
@operation(
    "Prometheus metrics: from loopback when no token is configured, otherwise with "
    "Authorization: Bearer <KALENO_METRICS_TOKEN>; 404 to anyone else.",
    tags=("operations",),
    responses={200: None, 404: None},
    content_type="text/plain",
)
def metrics() -> Response:
    """Serve the exposition text.

    Raises:
        NotFound: 404 to a caller that may not scrape (the route looks absent).
    """
    if not scrape_allowed():
        raise NotFound()
    return Response(exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})
