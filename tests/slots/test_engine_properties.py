"""Slot engine properties: random hosts, rules, busy time and windows, checked against the oracle.

Windows are a few days long and start near DST changes more often than chance would,
so the minute-by-minute oracle stays fast and the awkward days get exercised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from random import Random
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaleno.slots.engine import Schedule, Slot, SlotRules, WallInterval, compute_slots

from .oracle import Oracle

# Zones and the dates on which they skip or repeat wall-clock time.
ZONE_CHANGES: dict[str, list[date]] = {
    "America/New_York": [date(2024, 3, 10), date(2024, 11, 3), date(2027, 3, 14)],
    "Europe/Berlin": [date(2024, 3, 31), date(2024, 10, 27), date(2026, 3, 29)],
    "Australia/Lord_Howe": [date(2024, 4, 7), date(2024, 10, 6), date(2026, 10, 4)],
    "Asia/Jakarta": [date(2024, 3, 10)],
    "Pacific/Apia": [date(2011, 12, 30), date(2011, 9, 24), date(2012, 4, 1)],
    "America/Santiago": [date(2024, 9, 8), date(2024, 4, 7)],
    "America/St_Johns": [date(2024, 3, 10), date(2024, 11, 3)],
    "Asia/Kathmandu": [date(2025, 1, 1)],
    "UTC": [date(2025, 1, 1)],
}
NO_CHANGES = {"Asia/Jakarta", "Asia/Kathmandu", "UTC"}
MINUTE = timedelta(minutes=1)

# Bounded so the whole file stays well under a minute on two cores.
BOUNDED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Case:
    """One call to the engine and everything the oracle needs to judge it."""

    schedule: Schedule
    rules: SlotRules
    busy: list[tuple[datetime, datetime]]
    now: datetime
    window_start: datetime
    window_end: datetime
    booked_starts: list[datetime]

    def slots(self, busy: list[tuple[datetime, datetime]] | None = None) -> list[Slot]:
        return compute_slots(
            self.schedule,
            self.rules,
            self.busy if busy is None else busy,
            self.now,
            self.window_start,
            self.window_end,
            self.booked_starts,
        )

    def oracle(self) -> Oracle:
        return Oracle(self.schedule, self.rules, self.busy, self.now, self.booked_starts)


@st.composite
def wall_intervals(draw: st.DrawFn, grain: int) -> WallInterval:
    shape = draw(st.sampled_from(["random", "random", "all day", "evening", "night"]))
    if shape == "all day":
        return WallInterval(0, 1440)
    if shape == "evening":
        return WallInterval(draw(st.sampled_from([1200, 1320, 1380])), 1440)
    if shape == "night":
        return WallInterval(0, draw(st.sampled_from([60, 120, 180, 360])))
    slots_per_day = 1440 // grain
    start = draw(st.integers(0, slots_per_day - 1))
    end = draw(st.integers(start + 1, slots_per_day))
    return WallInterval(start * grain, end * grain)


def day_intervals(grain: int) -> st.SearchStrategy[tuple[WallInterval, ...]]:
    return st.lists(wall_intervals(grain), min_size=1, max_size=3).map(tuple)


def _minutes(draw: st.DrawFn, values: list[int]) -> timedelta:
    # sampled_from leans towards its first values: lists start with the common case.
    return draw(st.sampled_from(values)) * MINUTE


@st.composite
def slot_rules(draw: st.DrawFn) -> SlotRules:
    if draw(st.booleans()):
        duration = _minutes(draw, [30, 60, 15, 45, 90])
    else:
        duration = draw(st.integers(1, 240)) * MINUTE
    if draw(st.booleans()):
        interval = _minutes(draw, [30, 15, 60])
    else:
        interval = draw(st.integers(5, 120)) * MINUTE
    return SlotRules(
        duration=duration,
        buffer_before=_minutes(draw, [0, 0, 0, 5, 15, 30, 60]),
        buffer_after=_minutes(draw, [0, 0, 0, 10, 15, 45]),
        min_notice=_minutes(draw, [0, 0, 0, 30, 60, 240, 24 * 60]),
        horizon=_minutes(draw, [60 * 24 * 60] * 3 + [6 * 60, 24 * 60, 2 * 24 * 60, 4327]),
        interval=interval,
        max_per_day=draw(st.sampled_from([None, None, 1, 2, 0, 3])),
    )


@st.composite
def cases(draw: st.DrawFn, on_a_change: bool = False) -> Case:
    """Draw a case; ``on_a_change`` puts the window over a day the clock skips or repeats."""
    zone_names = sorted(ZONE_CHANGES)
    if on_a_change:
        zone_names = [name for name in zone_names if name not in NO_CHANGES]
    zone_name = draw(st.sampled_from(zone_names))
    zone = ZoneInfo(zone_name)
    changes = st.sampled_from(ZONE_CHANGES[zone_name])
    around = draw(
        changes if on_a_change else changes | st.dates(date(2020, 1, 1), date(2030, 12, 31))
    )
    grain = draw(st.sampled_from([5, 15, 30, 60]))
    open_day = st.sampled_from([True] * 4 + [False])
    weekly = tuple(draw(day_intervals(grain) if draw(open_day) else st.just(())) for _ in range(7))
    override_days = st.dates(around - timedelta(days=3), around + timedelta(days=4))
    override_intervals = day_intervals(grain) | st.just(())
    overrides = draw(st.dictionaries(override_days, override_intervals, max_size=3))
    rules = draw(slot_rules())
    if on_a_change:
        day_before = around - timedelta(days=1)
        midnight = datetime(day_before.year, day_before.month, day_before.day, tzinfo=zone)
        window_start = midnight.astimezone(UTC) + draw(st.integers(0, 12)) * 60 * MINUTE
        length = 60 * 60
    else:
        midnight = datetime(around.year, around.month, around.day, tzinfo=UTC)
        window_start = midnight + draw(st.integers(-36 * 60, 12 * 60)) * MINUTE
        length = draw(st.sampled_from([48 * 60, 70 * 60, 24 * 60, 36 * 60, 60 * 60, 3 * 60, 0]))
    window_end = window_start + (length + draw(st.integers(0, 120))) * MINUTE
    now = window_start - draw(st.integers(-6 * 60, 2 * 24 * 60)) * MINUTE

    def near_window() -> datetime:
        moment = window_start + draw(st.integers(-12 * 60, 3 * 24 * 60 + 12 * 60)) * MINUTE
        return moment.astimezone(ZoneInfo(draw(st.sampled_from(sorted(ZONE_CHANGES)))))

    busy = []
    for _ in range(draw(st.sampled_from([3, 0, 1, 6, 10]))):
        start = near_window()
        busy.append((start, start + draw(st.integers(-30, 8 * 60)) * MINUTE))
    booked = [near_window() for _ in range(draw(st.sampled_from([2, 0, 1, 4, 6])))]
    schedule = Schedule(zone, weekly, overrides)
    return Case(schedule, rules, busy, now, window_start, window_end, booked)


@settings(BOUNDED, max_examples=200)
@given(cases())
def test_engine_agrees_with_the_minute_by_minute_oracle(case: Case) -> None:
    expected = case.oracle().slots(case.window_start, case.window_end)

    assert [(s.start, s.end) for s in case.slots()] == expected


@settings(BOUNDED, max_examples=150)
@given(cases(on_a_change=True))
def test_engine_agrees_with_the_oracle_on_days_the_clock_skips_or_repeats(case: Case) -> None:
    expected = case.oracle().slots(case.window_start, case.window_end)

    assert [(s.start, s.end) for s in case.slots()] == expected


@settings(BOUNDED)
@given(cases())
def test_every_slot_keeps_every_rule(case: Case) -> None:
    rules = case.rules
    oracle = case.oracle()
    for slot in case.slots():
        assert slot.start.utcoffset() == timedelta(0) and slot.end.utcoffset() == timedelta(0)
        assert slot.end - slot.start == rules.duration
        assert case.window_start <= slot.start < case.window_end
        assert case.now + rules.min_notice <= slot.start < case.now + rules.horizon
        guarded = (slot.start - rules.buffer_before, slot.end + rules.buffer_after)
        assert not any(lo < hi and lo < guarded[1] and guarded[0] < hi for lo, hi in case.busy)
        if rules.max_per_day is not None:
            day = slot.start.astimezone(case.schedule.zone).date()
            booked = [
                b for b in case.booked_starts if b.astimezone(case.schedule.zone).date() == day
            ]
            assert len(booked) < rules.max_per_day
        assert oracle.violations(slot.start) == []


@settings(BOUNDED)
@given(cases())
def test_slots_are_sorted_and_unique_by_instant(case: Case) -> None:
    starts = [s.start for s in case.slots()]

    assert starts == sorted(set(starts))


@settings(BOUNDED)
@given(cases(), st.randoms(use_true_random=False))
def test_busy_order_and_repetition_do_not_matter(case: Case, shuffler: Random) -> None:
    shuffled = case.busy + case.busy[: len(case.busy) // 2]
    shuffler.shuffle(shuffled)

    assert case.slots(shuffled) == case.slots()


@settings(BOUNDED)
@given(cases(), st.data())
def test_more_busy_time_never_adds_a_slot(case: Case, data: st.DataObject) -> None:
    slots = case.slots()
    if not slots:
        return
    taken = data.draw(st.sampled_from(slots))
    extra = (taken.start, taken.start + MINUTE)

    fewer = case.slots([*case.busy, extra])

    assert taken not in fewer
    assert set(fewer) <= set(slots)
