"""Brute-force slot oracle: walk every UTC minute and check every rule directly.

Written independently of the engine (it never calls it): no offset periods, no merging,
no bisection. A minute is working time when ``astimezone`` shows a wall-clock reading
inside one of that local date's intervals; a minute is a grid start when that reading
sits a whole number of steps after the start of an interval containing it. Slow, so
callers keep windows to a few days and every input on whole minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from kaleno.slots.engine import Schedule, SlotRules, WallInterval

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MINUTE = timedelta(minutes=1)


def _minutes(moment: datetime) -> int:
    assert moment.utcoffset() is not None, "the oracle only takes aware datetimes"
    assert moment.second == 0 and moment.microsecond == 0, "the oracle works on whole minutes"
    return (moment - EPOCH) // ONE_MINUTE


def _whole_minutes(length: timedelta) -> int:
    assert length % ONE_MINUTE == timedelta(0), "the oracle works on whole minutes"
    return length // ONE_MINUTE


class Oracle:
    """Answer, minute by minute, whether a start may be offered and why not."""

    def __init__(
        self,
        schedule: Schedule,
        rules: SlotRules,
        busy: Sequence[tuple[datetime, datetime]],
        now: datetime,
        booked_starts: Sequence[datetime] = (),
    ) -> None:
        self.schedule = schedule
        self.rules = rules
        self.busy = [(lo, hi) for lo, hi in busy if lo < hi]  # empty busy blocks nothing
        self.now = now
        self.booked_days = [start.astimezone(schedule.zone).date() for start in booked_starts]
        self._wall_cache: dict[int, tuple[date, int]] = {}
        self._working_cache: dict[int, bool] = {}

    def wall(self, minute: int) -> tuple[date, int]:
        """Return the host-local date and minute of day the clock shows at a UTC minute."""
        if minute not in self._wall_cache:
            local = (EPOCH + minute * ONE_MINUTE).astimezone(self.schedule.zone)
            self._wall_cache[minute] = (local.date(), local.hour * 60 + local.minute)
        return self._wall_cache[minute]

    def intervals(self, day: date) -> tuple[WallInterval, ...]:
        if day in self.schedule.overrides:
            return self.schedule.overrides[day]
        return self.schedule.weekly[day.weekday()]

    def is_working(self, minute: int) -> bool:
        if minute not in self._working_cache:
            day, clock = self.wall(minute)
            self._working_cache[minute] = any(
                i.start_minute <= clock < i.end_minute for i in self.intervals(day)
            )
        return self._working_cache[minute]

    def is_on_grid(self, minute: int) -> bool:
        day, clock = self.wall(minute)
        step = _whole_minutes(self.rules.interval)
        return any(
            i.start_minute <= clock < i.end_minute and (clock - i.start_minute) % step == 0
            for i in self.intervals(day)
        )

    def violations(self, start: datetime) -> list[str]:
        """Return the names of the rules a start breaks (empty: it may be offered)."""
        rules = self.rules
        minute = _minutes(start)
        before = _whole_minutes(rules.buffer_before)
        length = _whole_minutes(rules.duration)
        after = _whole_minutes(rules.buffer_after)
        broken = []
        if not self.is_on_grid(minute):
            broken.append("grid")
        if start < self.now + rules.min_notice:
            broken.append("notice")
        if not start < self.now + rules.horizon:
            broken.append("horizon")
        if rules.max_per_day is not None:
            day = self.wall(minute)[0]
            if sum(1 for booked in self.booked_days if booked == day) >= rules.max_per_day:
                broken.append("max_per_day")
        if not all(self.is_working(m) for m in range(minute - before, minute + length + after)):
            broken.append("working_time")
        blocked_lo = start - rules.buffer_before
        blocked_hi = start + rules.duration + rules.buffer_after
        if any(lo < blocked_hi and blocked_lo < hi for lo, hi in self.busy):
            broken.append("busy")
        return broken

    def slots(
        self, window_start: datetime, window_end: datetime
    ) -> list[tuple[datetime, datetime]]:
        """Return every offerable ``(start, end)`` in the window, UTC, in time order."""
        found = []
        for minute in range(_minutes(window_start), _minutes(window_end)):
            if not self.is_on_grid(minute):
                continue
            start = EPOCH + minute * ONE_MINUTE
            if not self.violations(start):
                found.append((start, start + self.rules.duration))
        return found
