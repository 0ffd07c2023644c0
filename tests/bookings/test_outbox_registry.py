"""One outbox, one registry: every job kind is registered with its runner and retry policy."""

from __future__ import annotations

from flask import Flask

from kaleno import outbox


def test_every_job_kind_is_in_the_one_registry_with_its_own_retry_policy(app: Flask) -> None:
    assert set(outbox.registered_kinds()) == {
        "booking.sync",
        "google.revoke",
        "mail",
        "webhook.deliver",
        "calendar.sync",
        "calendar.watch",
        "calendar.unwatch",
    }
    policies = {kind: outbox.kind_of(kind) for kind in outbox.registered_kinds()}
    assert all(policies.values())
    assert outbox.max_attempts_for("mail") == 300  # SMTP may be down for about a day
    assert outbox.max_attempts_for("google.revoke") is None  # a revoke never gives up
    assert outbox.max_attempts_for("booking.sync") == outbox.MAX_ATTEMPTS
    webhook = policies["webhook.deliver"]
    assert webhook is not None and webhook.retry.delay is not None  # its own schedule
    with app.app_context():
        assert webhook.retry.delay(1) is not None
        assert webhook.retry.delay(99) is None
