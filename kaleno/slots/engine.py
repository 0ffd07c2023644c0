"""Bookable slots from a host's working hours, busy time and an event type's rules.

Pure: plain values in, plain values out; no clock, no I/O. ``now`` is passed in.

Working time. An instant is working time when the host's wall clock, at that instant,
reads a time inside one of the intervals of that local date (an override replaces the
weekly intervals of its date; an empty override closes the day). Intervals that touch,
also across midnight (22:00-24:00 then 00:00-06:00), form one stretch, and a stretch runs
in real time from the instant of its wall-clock start to the instant of its wall-clock
end. Across a DST change this is exact: wall times the change skips have no instant, so
09:00-17:00 on a spring-forward day lasts 7 real hours if the skipped hour is inside it;
repeated wall times have two instants, both working. (An interval that starts or ends
inside a repeated hour covers, on each pass of the clock, the instants whose reading is
inside the interval.)

Grid. Each interval, as the host wrote it for that date, anchors its own grid: slot
starts are its wall-clock start plus multiples of ``interval``, while before its
wall-clock end. Inside a stretch merged across midnight the grid therefore restarts at
the start of the interval the slot begins in: 22:00-24:00 + 00:00-06:00 with a 60-minute
step gives 22:00, 23:00, 00:00 (next day), 01:00, ... Buffers never move the grid. A grid
wall time the clock skips gives no start; one it repeats gives a start per real instant.

A start is offered when ``[start - buffer_before, start + duration + buffer_after)`` lies
inside one working stretch and overlaps no busy interval (half-open: touching is fine),
``now + min_notice <= start < now + horizon``, ``window_start <= start < window_end``,
and the host-local date of the start has fewer than ``max_per_day`` booked starts.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from kaleno.slots.worktime import (
    DAY_US,
    EPOCH,
    MICROSECOND,
    MINUTE_US,
    Period,
    date_of_wall,
    from_micros,
    instants_of_wall_range,
    merge,
    offset_periods,
    to_micros,
    wall_of_date,
)

__all__ = [
    "Schedule",
    "Slot",
    "SlotRules",
    "WallInterval",
    "compute_slots",
    "merge_intervals",
    "working_stretches",
]

MINUTES_PER_DAY = 1440
# Periods reach this far beyond the instants in play, more than any UTC offset (< 1 day).
_MARGIN_US = 3 * DAY_US
_ONE_DAY = timedelta(days=1)
_FAR = 1 << 62  # microseconds, beyond any datetime


@dataclass(frozen=True, slots=True)
class WallInterval:
    """Local wall-clock ``[start, end)`` in minutes since local midnight; 1440 is 24:00."""

    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < self.end_minute <= MINUTES_PER_DAY:
            raise ValueError(
                f"wall interval needs 0 <= start < end <= 1440, got "
                f"{self.start_minute}-{self.end_minute}"
            )


@dataclass(frozen=True, slots=True)
class Schedule:
    """A host's working hours: weekly intervals (index 0 = Monday) and per-date overrides."""

    zone: ZoneInfo
    weekly: tuple[tuple[WallInterval, ...], ...]
    overrides: Mapping[date, tuple[WallInterval, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError(f"weekly needs 7 days (Monday first), got {len(self.weekly)}")

    def intervals_on(self, day: date) -> tuple[WallInterval, ...]:
        """Return the intervals in force on a local date: its override, else its weekday's."""
        override = self.overrides.get(day)
        return self.weekly[day.weekday()] if override is None else override


@dataclass(frozen=True, slots=True)
class SlotRules:
    """An event type's rules for which starts may be offered."""

    duration: timedelta
    buffer_before: timedelta
    buffer_after: timedelta
    min_notice: timedelta
    horizon: timedelta
    interval: timedelta
    max_per_day: int | None

    def __post_init__(self) -> None:
        zero = timedelta(0)
        if self.duration <= zero or self.interval <= zero:
            raise ValueError("duration and interval must be positive")
        if min(self.buffer_before, self.buffer_after, self.min_notice, self.horizon) < zero:
            raise ValueError("buffers, notice and horizon must not be negative")
        if self.max_per_day is not None and self.max_per_day < 0:
            raise ValueError("max_per_day must not be negative")


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable ``[start, end)``, aware UTC datetimes."""

    start: datetime
    end: datetime


def merge_intervals(
    intervals: Iterable[tuple[datetime, datetime]],
) -> list[tuple[datetime, datetime]]:
    """Return the union of half-open aware intervals as sorted, disjoint UTC intervals.

    Empty or inverted intervals are dropped; touching ones join.
    """
    spans = merge((to_micros(lo), to_micros(hi)) for lo, hi in intervals)
    return [(from_micros(lo), from_micros(hi)) for lo, hi in spans]


def working_stretches(
    schedule: Schedule, first_day: date, last_day: date
) -> list[tuple[datetime, datetime]]:
    """Return the working time of local dates ``first_day..last_day`` as merged UTC intervals."""
    lo = wall_of_date(first_day) - _MARGIN_US
    hi = wall_of_date(last_day) + DAY_US + _MARGIN_US
    periods = offset_periods(schedule.zone, lo, hi)
    stretches = _stretches(schedule, periods, first_day, last_day)
    return [(from_micros(start), from_micros(end)) for start, end in stretches]


def compute_slots(
    schedule: Schedule,
    rules: SlotRules,
    busy: Sequence[tuple[datetime, datetime]],
    now: datetime,
    window_start: datetime,
    window_end: datetime,
    booked_starts: Sequence[datetime] = (),
) -> list[Slot]:
    """Return the offerable slots starting in ``[window_start, window_end)``, sorted by start.

    ``busy`` holds aware half-open intervals in any order (Google busy time and existing
    bookings already widened by their buffers); ``booked_starts`` are the starts of
    active bookings, counted per host-local date against ``max_per_day``.

    Raises:
        ValueError: when any datetime passed in is naive.
    """
    for moment in (now, window_start, window_end, *booked_starts):
        if moment.utcoffset() is None:
            raise ValueError("now, the window and booked starts must be aware datetimes")
    now_us = to_micros(now)
    first = max(to_micros(window_start), now_us + rules.min_notice // MICROSECOND)
    last = min(to_micros(window_end), now_us + rules.horizon // MICROSECOND)
    if first >= last or rules.max_per_day == 0:
        return []
    before = rules.buffer_before // MICROSECOND
    length = rules.duration // MICROSECOND
    after = rules.buffer_after // MICROSECOND
    # Every candidate's [start - before, start + length + after) lies inside [reach_lo, reach_hi).
    reach_lo, reach_hi = first - before, last + length + after
    periods = offset_periods(schedule.zone, reach_lo - _MARGIN_US, reach_hi + _MARGIN_US)
    period_starts = [period.start for period in periods]

    def local_day(instant: int) -> date:
        period = periods[bisect_right(period_starts, instant) - 1]
        return date_of_wall(instant + period.offset)

    stretches = _stretches(
        schedule, periods, local_day(reach_lo) - _ONE_DAY, local_day(reach_hi) + _ONE_DAY
    )
    # Sentinels spare the hot loop its bounds checks.
    stretch_starts = [-_FAR, *(start for start, _ in stretches)]
    stretch_ends = [-_FAR, *(end for _, end in stretches)]
    blocked_starts, blocked_ends = _sorted_bounds(busy)
    booked_per_day = Counter(start.astimezone(schedule.zone).date() for start in booked_starts)
    step = rules.interval // MICROSECOND

    found: list[int] = []
    day, last_day = local_day(first) - _ONE_DAY, local_day(last) + _ONE_DAY
    while day <= last_day:
        if rules.max_per_day is None or booked_per_day[day] < rules.max_per_day:
            for start in _grid(schedule, periods, day, step, first, last):
                lo, hi = start - before, start + length + after
                if (
                    stretch_ends[bisect_right(stretch_starts, lo) - 1] >= hi
                    # Busy intervals overlapping [lo, hi): those starting before hi
                    # minus those ending by lo (an interval ending by lo starts before hi).
                    and bisect_left(blocked_starts, hi) == bisect_right(blocked_ends, lo)
                ):
                    found.append(start)
        day += _ONE_DAY
    # Overlapping intervals on one date may put the same start on two grids.
    starts = [from_micros(start) for start in sorted(set(found))]
    return [Slot(start, start + rules.duration) for start in starts]


def _sorted_bounds(busy: Sequence[tuple[datetime, datetime]]) -> tuple[list[int], list[int]]:
    """Return the starts and the ends of the non-empty busy intervals, each sorted.

    Two sorted lists of integers answer "does anything overlap [lo, hi)?" with two
    bisections and cost far less to build than merged intervals.
    """
    try:
        spans = [((lo - EPOCH) // MICROSECOND, (hi - EPOCH) // MICROSECOND) for lo, hi in busy]
    except TypeError:  # a naive datetime cannot be subtracted from an aware one
        raise ValueError("busy intervals must be aware datetimes") from None
    return sorted([lo for lo, hi in spans if lo < hi]), sorted([hi for lo, hi in spans if lo < hi])


def _stretches(
    schedule: Schedule, periods: list[Period], first_day: date, last_day: date
) -> list[tuple[int, int]]:
    """Return the working instants of local dates ``first_day..last_day``, merged."""
    walls: list[tuple[int, int]] = []
    day = first_day
    while day <= last_day:
        midnight = wall_of_date(day)
        for interval in schedule.intervals_on(day):
            walls.append(
                (
                    midnight + interval.start_minute * MINUTE_US,
                    midnight + interval.end_minute * MINUTE_US,
                )
            )
        day += _ONE_DAY
    instants: list[tuple[int, int]] = []
    for wall_lo, wall_hi in merge(walls):
        instants.extend(
            (span.start, span.end) for span in instants_of_wall_range(periods, wall_lo, wall_hi)
        )
    return merge(instants)


def _grid(
    schedule: Schedule, periods: list[Period], day: date, step: int, first: int, last: int
) -> Iterable[int]:
    """Yield the instants in ``[first, last)`` at grid wall times of ``day``'s intervals."""
    midnight = wall_of_date(day)
    for span in instants_of_wall_range(periods, midnight, midnight + DAY_US):
        offset = span.offset
        for interval in schedule.intervals_on(day):
            anchor = midnight + interval.start_minute * MINUTE_US
            wall_lo = max(anchor, span.start + offset, first + offset)
            wall_hi = min(
                midnight + interval.end_minute * MINUTE_US, span.end + offset, last + offset
            )
            if wall_lo >= wall_hi:
                continue
            steps = -((anchor - wall_lo) // step)  # ceil((wall_lo - anchor) / step)
            yield from range(anchor + steps * step - offset, wall_hi - offset, step)
