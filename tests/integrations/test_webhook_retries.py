"""Retries: a failing receiver is tried again until it recovers (each attempt logged), for
at least 24 hours before a delivery is marked failed; redelivery and secret rotation."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from config import ConfigError, load_config
from kaleno.extensions import db
from kaleno.models import OutboxJob, WebhookDelivery, utcnow
from kaleno.worker import run_worker
from tests.bookings.conftest import Page, next_slot
from tests.integrations.conftest import Receiver
from tests.integrations.helpers import deliveries, subscribe
from tests.web.conftest import production_env


def test_failing_then_recovering_receiver_gets_it_once(page: Page, receiver: Receiver) -> None:
    endpoint_id = subscribe(page, receiver, ["booking.created"])
    receiver.fail_next = 2
    assert page.book(next_slot(days=3)).status_code == 201

    page.run_worker()
    (row,) = deliveries(page, endpoint_id)
    assert row["status"] == "pending"
    assert [a["status_code"] for a in row["attempts"]] == [503]
    assert row["attempts"][0]["error"] == "answered HTTP 503"
    assert row["next_attempt_at"] is not None

    page.run_worker()
    page.run_worker()
    page.run_worker()  # nothing left to send

    (row,) = deliveries(page, endpoint_id)
    assert row["status"] == "delivered"
    assert [a["status_code"] for a in row["attempts"]] == [503, 503, 204]
    assert [r.answered for r in receiver.requests] == [503, 503, 204]
    assert len({r.webhook_id for r in receiver.requests}) == 1  # one id across retries
    assert len(receiver.accepted()) == 1
    times = [a["attempted_at"] for a in row["attempts"]]
    assert times == sorted(times)


def test_an_unreachable_receiver_is_retried_for_24_hours_then_failed(
    page: Page, receiver: Receiver
) -> None:
    endpoint_id = subscribe(page, receiver, ["booking.created"])
    receiver.fail_next, receiver.fail_status = 1000, 500
    assert page.book(next_slot(days=3)).status_code == 201
    first = utcnow()
    clock = first
    with page.app.app_context():
        for _ in range(20):
            run_worker(once=True, clock=lambda at=clock: at)
            job = db.session.query(OutboxJob).filter_by(kind="webhook.deliver").one()
            if job.status != "pending":
                break
            assert job.next_attempt_at > clock
            clock = job.next_attempt_at
            db.session.rollback()
        delivery = db.session.query(WebhookDelivery).one()
        assert (job.status, delivery.status) == ("failed", "failed")
    (row,) = deliveries(page, endpoint_id)
    attempts = [datetime.fromisoformat(a["attempted_at"]) for a in row["attempts"]]
    assert len(attempts) == 8
    assert attempts[-1] - attempts[0] >= timedelta(hours=24)
    # 500 while the clock is near real time; later the receiver also refuses the
    # timestamps (it checks them against its own clock): never accepted either way.
    assert {a["status_code"] for a in row["attempts"]} <= {500, 401}
    assert len(receiver.requests) == 8 and receiver.accepted() == []


def test_redelivery_sends_the_same_message_again(page: Page, receiver: Receiver) -> None:
    endpoint_id = subscribe(page, receiver, ["booking.created"])
    assert page.book(next_slot(days=3)).status_code == 201
    page.run_worker()
    (row,) = deliveries(page, endpoint_id)
    url = f"/api/webhooks/{endpoint_id}/deliveries/{row['id']}/redeliver"
    again = page.host("POST", url)
    assert again.status_code == 202, again.text
    assert again.json()["status"] == "pending"
    twice = page.host("POST", url)
    assert twice.status_code == 409  # still queued: no second copy
    page.run_worker()
    first, second = receiver.accepted()
    assert first.webhook_id == second.webhook_id == row["webhook_id"]
    assert first.message == second.message
    (row,) = deliveries(page, endpoint_id)
    assert row["status"] == "delivered" and len(row["attempts"]) == 2
    other = page.host("POST", f"/api/webhooks/{endpoint_id}/deliveries/{endpoint_id}/redeliver")
    assert other.status_code == 404


def test_rotation_signs_with_both_secrets_for_a_while(page: Page, receiver: Receiver) -> None:
    endpoint_id = subscribe(page, receiver, ["booking.created"])
    old_secret = receiver.secrets[0]
    rotated = page.host("POST", f"/api/webhooks/{endpoint_id}/secret")
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != old_secret
    assert page.book(next_slot(days=3)).status_code == 201
    page.run_worker()
    (received,) = receiver.accepted()
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    for secret in (old_secret, new_secret):  # receivers on either secret accept it
        Webhook(secret).verify(received.body, received.headers)
    listed = page.host("GET", "/api/webhooks").json()["webhooks"]
    assert listed[0]["previous_secret_expires_at"] == rotated.json()["previous_secret_expires_at"]
    assert "secret" not in listed[0]


def test_the_retry_schedule_is_a_checked_setting(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    short = {"KALENO_WEBHOOK_RETRY_SCHEDULE_S": "1,2,3"}
    with pytest.raises(ConfigError, match="at least 24 hours"):
        load_config(production_env(database, **short))
    with pytest.raises(ConfigError, match="seconds"):
        load_config(production_env(database, KALENO_WEBHOOK_RETRY_SCHEDULE_S="5,soon"))
    day = {"KALENO_WEBHOOK_RETRY_SCHEDULE_S": "60,86400"}
    assert load_config(production_env(database, **day)).WEBHOOK_RETRY_SCHEDULE_S == (60, 86400)


def test_old_finished_deliveries_are_purged(page: Page, receiver: Receiver) -> None:
    from kaleno.privacy.retention import purge

    subscribe(page, receiver, ["booking.created"])
    assert page.book(next_slot(days=3)).status_code == 201
    page.run_worker()
    assert page.book(next_slot(days=4)).status_code == 201  # still pending: kept
    with page.app.app_context():
        assert purge(utcnow() + timedelta(days=29), dry_run=False).webhook_deliveries_deleted == 0
        report = purge(utcnow() + timedelta(days=31), dry_run=False)
        assert report.webhook_deliveries_deleted == 1
        assert [d.status for d in db.session.query(WebhookDelivery)] == ["pending"]
