"""One booking request, unit by unit: what commits, and why.

Issue 12: a booking request committed at least 7 times from helpers that committed as a
side effect. Now every commit goes through ``kaleno.unit_of_work`` and is either a named
step (``OWN_STEPS``) or the end of the request's own unit.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from kaleno import unit_of_work
from kaleno.extensions import db
from tests.bookings.conftest import Page, next_slot

Commit = tuple[str, bool]  # (the step, or "request" for the unit's end; whether it wrote)


@pytest.fixture
def commits(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Commit]]:
    seen: list[Commit] = []
    commit = unit_of_work._commit

    def recording() -> None:
        caller = sys._getframe(1)
        step = caller.f_locals.get("step") if caller.f_code.co_name == "commit_step" else None
        wrote = bool(db.session.info.get("kaleno.wrote") or db.session.new or db.session.dirty)
        seen.append((str(step or "request"), wrote))
        commit()

    monkeypatch.setattr(unit_of_work, "_commit", recording)
    yield seen


def test_one_booking_commits_its_named_steps_and_nothing_else(
    page: Page, commits: list[Commit]
) -> None:
    response = page.book(next_slot())
    assert response.status_code == 201, response.text
    assert response.json()["google"]["sync"] == "synced"
    assert commits == [
        ("idempotency key", True),  # the claim other requests with this key wait on
        ("booking", True),  # booking + its outbox job (+ mail), before Google is asked
        ("job outcome", True),  # the inline attempt's result: the event's ids and links
        ("idempotency key", True),  # the answer, for replays
        ("request", False),  # the request's unit: nothing left to write
    ], commits
