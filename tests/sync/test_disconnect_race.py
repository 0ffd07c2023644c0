"""A disconnect that commits while the sync waits on Google wins: the sync keeps nothing."""

from __future__ import annotations

from typing import Any

import pytest

from kaleno.extensions import db
from kaleno.grant import calls
from kaleno.models import CalendarSync, GoogleConnection, utcnow
from kaleno.sync import engine
from kaleno.unit_of_work import commit_step
from tests.sync.conftest import Host


def test_a_disconnect_while_google_answers_leaves_no_sync_state(
    host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = host.page
    with page.app.app_context():
        engine.sync_host(page.host_id, utcnow(), full=True)
        commit_step("job outcome")
        assert db.session.get(CalendarSync, page.host_id) is not None
    asked = calls.changes

    def changes_then_disconnect(*args: Any, **kwargs: Any) -> Any:
        answer = asked(*args, **kwargs)
        # The host disconnects while Google's answer is on its way back.
        assert page.host("DELETE", "/api/calendar").status_code == 200
        return answer

    monkeypatch.setattr(calls, "changes", changes_then_disconnect)
    with page.app.app_context():
        assert engine.sync_host(page.host_id, utcnow()) == []
        commit_step("job outcome")
    with page.app.app_context():
        assert db.session.query(GoogleConnection).count() == 0
        assert db.session.get(CalendarSync, page.host_id) is None  # not made again
