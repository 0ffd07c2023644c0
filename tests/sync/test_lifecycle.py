"""Channels end with the host's consent: disconnect, erasure and restriction stop them;
without push (no public https base URL) Kaleno polls with the same sync token."""

from __future__ import annotations

from tests.bookings.conftest import HOST_EMAIL, next_slot
from tests.sync.conftest import Host, Worker, eventually


def test_disconnect_stops_the_channel_and_forgets_the_sync_state(
    host: Host, worker: Worker
) -> None:
    channel = host.wait_for_channel()
    answer = host.page.host("DELETE", "/api/calendar")
    assert answer.status_code == 200, answer.text
    [at_google] = [c for c in host.google_channels() if c["id"] == str(channel.id)]
    assert at_google["stopped"] is True
    assert host.channels() == []
    from kaleno.extensions import db
    from kaleno.models import CalendarSync
    from tests.conftest import every_row

    with host.page.app.app_context():
        assert db.session.query(CalendarSync).count() == 0  # the sync token is gone too
    assert str(channel.token_hash) not in every_row(host.page.app)


def test_restriction_stops_the_channel_and_lifting_it_watches_again(
    host: Host, worker: Worker
) -> None:
    channel = host.wait_for_channel()
    assert host.page.host("POST", "/api/me/restriction").status_code == 200
    assert all(c["stopped"] for c in host.google_channels())
    assert host.channels() == []
    assert host.page.host("DELETE", "/api/me/restriction").status_code == 200
    renewed = host.wait_for_channel()
    assert renewed.id != channel.id


def test_erasure_stops_the_channel(host: Host, worker: Worker) -> None:
    host.wait_for_channel()
    answer = host.page.host("DELETE", "/api/me")
    assert answer.status_code in (200, 202), answer.text
    eventually(lambda: all(c["stopped"] for c in host.google_channels()), what="stopped")


def test_without_push_kaleno_polls_with_the_sync_token(host: Host, worker: Worker) -> None:
    host.page.app.config["SYNC_PUSH"] = "auto"  # BASE_URL is http: no push
    booking = host.book(next_slot())
    eventually(lambda: host.sync_jobs(), what="a first (full) sync")
    host.google.delete_event(HOST_EMAIL, booking["google"]["event_id"])
    shown = eventually(
        lambda: (b := host.booking(booking["id"]))["status"] == "cancelled" and b, timeout=5
    )
    assert shown["cancelled_by"] == "host"
    assert host.google_channels() == []
    assert host.page.calls("calendar.events.watch") == 0


def test_canary_the_channel_token_is_never_stored_or_logged(
    host: Host, worker: Worker, capfd: object, caplog: object
) -> None:
    """The token Google echoes is a webhook secret: only its SHA-256 is kept."""
    import hashlib

    from tests.conftest import every_row

    channel = host.wait_for_channel()
    [at_google] = host.google_channels()
    token = str(at_google["token"])
    assert len(token) >= 40
    booking = host.book(next_slot())
    host.google.delete_event(HOST_EMAIL, booking["google"]["event_id"])
    eventually(lambda: host.booking(booking["id"])["status"] == "cancelled")
    assert channel.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in every_row(host.page.app)
    out, err = capfd.readouterr()  # type: ignore[attr-defined]
    assert token not in out + err
    assert token not in caplog.text  # type: ignore[attr-defined]
    assert token not in repr(channel)
