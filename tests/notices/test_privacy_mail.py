"""A guest's privacy-request link goes through the outbox; its token is sealed until sent."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import every_row
from tests.notices.mailbox import deliver_queued, mail_jobs, token_in
from tests.notices.smtp_server import SMTPServer

GUEST = "gwen@example.net"


def test_request_answers_while_smtp_is_down_and_the_link_follows(
    app: Flask, client: FlaskClient, smtp: SMTPServer
) -> None:
    smtp.stop()
    opened = client.post("/api/privacy/requests", json={"email": GUEST, "kind": "export"})
    assert opened.status_code == 202
    deliver_queued(app)
    [job] = mail_jobs(app)
    assert (job.status, job.attempts, job.payload["notice"]) == ("pending", 1, "privacy_request")
    assert job.secret_sealed is not None
    smtp.start()
    deliver_queued(app)
    [mail] = smtp.to(GUEST)
    token = token_in(mail)
    assert token not in every_row(app)  # only its fingerprint is kept, and now no sealed copy
    assert mail_jobs(app)[0].secret_sealed is None
    request_id = opened.get_json()["id"]
    assert f"/privacy/requests/{request_id}/t/{token}" in mail.get_body().get_content()  # type: ignore[union-attr]
    confirmed = client.post(f"/api/privacy/requests/{request_id}/confirm", json={"token": token})
    assert confirmed.status_code == 200
    deliver_queued(app)
    assert len(smtp.to(GUEST)) == 1
