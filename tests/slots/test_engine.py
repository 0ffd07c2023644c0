"""Slot engine: one test per rule, expectations computed by hand.

The host works in Asia/Jakarta (UTC+7, no DST) unless a test says otherwise; 2026-06-01
is a Monday. Slots are shown as host-local wall times with their offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from kaleno.slots.engine import (
    Schedule,
    Slot,
    SlotRules,
    WallInterval,
    compute_slots,
    merge_intervals,
    working_stretches,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
MONDAY = date(2026, 6, 1)
TUESDAY = date(2026, 6, 2)
LONG_AGO = datetime(2026, 5, 1, tzinfo=UTC)


def hours(text: str) -> WallInterval:
    """Build a wall interval from "HH:MM-HH:MM" (24:00 allowed as an end)."""
    start, end = (int(part[:2]) * 60 + int(part[3:]) for part in text.split("-"))
    return WallInterval(start, end)


def every_day(*texts: str, zone: ZoneInfo = JAKARTA) -> Schedule:
    return Schedule(zone, tuple(tuple(hours(t) for t in texts) for _ in range(7)), {})


def rules(
    duration: int = 30,
    interval: int = 30,
    before: int = 0,
    after: int = 0,
    notice: int = 0,
    horizon_days: int = 365,
    max_per_day: int | None = None,
) -> SlotRules:
    minutes = timedelta(minutes=1)
    return SlotRules(
        duration=duration * minutes,
        buffer_before=before * minutes,
        buffer_after=after * minutes,
        min_notice=notice * minutes,
        horizon=timedelta(days=horizon_days),
        interval=interval * minutes,
        max_per_day=max_per_day,
    )


def local(day: date, clock: str, zone: ZoneInfo = JAKARTA) -> datetime:
    return datetime(day.year, day.month, day.day, int(clock[:2]), int(clock[3:]), tzinfo=zone)


def shown(slots: list[Slot], zone: ZoneInfo = JAKARTA) -> list[str]:
    return [f"{s.start.astimezone(zone):%m-%d %H:%M}" for s in slots]


def slots_on(
    schedule: Schedule,
    slot_rules: SlotRules,
    days: tuple[date, date] = (MONDAY, MONDAY),
    busy: list[tuple[datetime, datetime]] | None = None,
    now: datetime = LONG_AGO,
    booked: tuple[datetime, ...] = (),
) -> list[Slot]:
    """Slots starting on local dates days[0]..days[1]."""
    zone = schedule.zone
    window_start = local(days[0], "00:00", zone)
    window_end = local(days[1] + timedelta(days=1), "00:00", zone)
    return compute_slots(
        schedule, slot_rules, busy or [], now, window_start, window_end, booked_starts=booked
    )


def test_starts_follow_the_grid_and_the_event_fits_the_working_hours() -> None:
    slots = slots_on(every_day("09:00-12:00"), rules(duration=60, interval=30))

    assert shown(slots) == [
        "06-01 09:00",
        "06-01 09:30",
        "06-01 10:00",
        "06-01 10:30",
        "06-01 11:00",
    ]
    assert slots[0] == Slot(
        datetime(2026, 6, 1, 2, 0, tzinfo=UTC), datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
    )
    assert all(s.start.tzinfo is UTC and s.end - s.start == timedelta(hours=1) for s in slots)


def test_buffer_before_drops_starts_too_close_to_the_opening_but_never_shifts_the_grid() -> None:
    slots = slots_on(every_day("09:00-12:00"), rules(duration=60, interval=30, before=15))

    assert shown(slots) == ["06-01 09:30", "06-01 10:00", "06-01 10:30", "06-01 11:00"]


def test_buffer_after_must_fit_before_the_closing() -> None:
    slots = slots_on(every_day("09:00-12:00"), rules(duration=60, interval=30, after=30))

    assert shown(slots) == ["06-01 09:00", "06-01 09:30", "06-01 10:00", "06-01 10:30"]


def test_both_buffers_together() -> None:
    slots = slots_on(every_day("09:00-12:00"), rules(duration=60, interval=30, before=15, after=30))

    assert shown(slots) == ["06-01 09:30", "06-01 10:00", "06-01 10:30"]


def test_busy_time_blocks_overlapping_starts_and_touching_is_fine() -> None:
    busy = [(local(MONDAY, "10:15"), local(MONDAY, "10:45"))]

    slots = slots_on(every_day("09:00-12:00"), rules(duration=30, interval=15), busy=busy)

    assert shown(slots) == [
        "06-01 09:00", "06-01 09:15", "06-01 09:30", "06-01 09:45",
        "06-01 10:45", "06-01 11:00", "06-01 11:15", "06-01 11:30",
    ]  # fmt: skip


def test_buffers_must_not_overlap_busy_time_either() -> None:
    busy = [(local(MONDAY, "10:15"), local(MONDAY, "10:45"))]

    slots = slots_on(
        every_day("09:00-12:00"), rules(duration=30, interval=15, before=15, after=15), busy=busy
    )

    # 09:30 ends its buffer at 10:15 (touching); 11:00 starts its buffer at 10:45.
    assert shown(slots) == ["06-01 09:15", "06-01 09:30", "06-01 11:00", "06-01 11:15"]


def test_busy_intervals_in_any_zone_order_and_overlap_block_the_same_time() -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    busy = [
        (local(MONDAY, "11:00").astimezone(india), local(MONDAY, "11:30").astimezone(UTC)),
        (local(MONDAY, "09:30"), local(MONDAY, "10:00")),
        (local(MONDAY, "09:45"), local(MONDAY, "10:30")),
        (local(MONDAY, "10:30"), local(MONDAY, "10:30")),  # empty: blocks nothing
        (local(MONDAY, "10:00"), local(MONDAY, "10:15")),
    ]

    slots = slots_on(every_day("09:00-12:00"), rules(duration=30, interval=30), busy=busy)

    assert shown(slots) == ["06-01 09:00", "06-01 10:30", "06-01 11:30"]


def test_minimum_notice_counts_from_now_and_the_boundary_is_offered() -> None:
    now = local(MONDAY, "08:00")

    slots = slots_on(every_day("09:00-12:00"), rules(duration=60, notice=90), now=now)

    assert shown(slots) == ["06-01 09:30", "06-01 10:00", "06-01 10:30", "06-01 11:00"]


def test_horizon_excludes_starts_at_or_after_now_plus_horizon() -> None:
    now = local(MONDAY, "09:00")

    slots = slots_on(
        every_day("08:00-12:00"),
        rules(duration=60, horizon_days=1),
        days=(MONDAY, TUESDAY),
        now=now,
    )

    assert shown(slots) == [
        "06-01 09:00", "06-01 09:30", "06-01 10:00", "06-01 10:30", "06-01 11:00",
        "06-02 08:00", "06-02 08:30",
    ]  # fmt: skip


def test_window_is_half_open() -> None:
    slots = compute_slots(
        every_day("09:00-12:00"),
        rules(duration=30),
        [],
        LONG_AGO,
        local(MONDAY, "09:30"),
        local(MONDAY, "10:30"),
    )

    assert shown(slots) == ["06-01 09:30", "06-01 10:00"]


def test_now_after_the_window_or_zero_horizon_gives_nothing() -> None:
    schedule = every_day("09:00-12:00")

    assert slots_on(schedule, rules(), now=local(TUESDAY, "00:00")) == []
    assert slots_on(schedule, rules(horizon_days=0)) == []


def test_max_per_day_counts_bookings_on_the_host_local_date() -> None:
    # 17:30 UTC on Monday is 00:30 on Tuesday in Jakarta: it fills Tuesday, not Monday.
    booked = (datetime(2026, 6, 1, 17, 30, tzinfo=UTC),)

    slots = slots_on(
        every_day("09:00-10:00"),
        rules(duration=30, max_per_day=1),
        days=(MONDAY, TUESDAY),
        booked=booked,
    )

    assert shown(slots) == ["06-01 09:00", "06-01 09:30"]


def test_max_per_day_allows_slots_while_the_day_is_under_the_cap() -> None:
    booked = (local(MONDAY, "09:00"), local(TUESDAY, "09:00"), local(TUESDAY, "09:30"))
    schedule = every_day("09:00-10:00")

    slots = slots_on(schedule, rules(max_per_day=2), days=(MONDAY, TUESDAY), booked=booked)

    assert shown(slots) == ["06-01 09:00", "06-01 09:30"]
    assert slots_on(schedule, rules(max_per_day=0)) == []


def test_override_closes_a_date() -> None:
    weekly = every_day("09:00-10:00")
    closed = Schedule(JAKARTA, weekly.weekly, {MONDAY: ()})

    slots = slots_on(closed, rules(), days=(MONDAY, TUESDAY))

    assert shown(slots) == ["06-02 09:00", "06-02 09:30"]


def test_override_replaces_the_weekly_intervals_of_its_date_only() -> None:
    weekly = every_day("09:00-10:00")
    custom = Schedule(JAKARTA, weekly.weekly, {MONDAY: (hours("14:00-15:00"),)})

    slots = slots_on(custom, rules(), days=(MONDAY, TUESDAY))

    assert shown(slots) == ["06-01 14:00", "06-01 14:30", "06-02 09:00", "06-02 09:30"]


def test_weekly_index_zero_is_monday() -> None:
    monday_only = Schedule(JAKARTA, ((hours("09:00-10:00"),), (), (), (), (), (), ()), {})

    slots = slots_on(monday_only, rules(interval=60), days=(MONDAY, MONDAY + timedelta(days=6)))

    assert shown(slots) == ["06-01 09:00"]


def test_event_must_fit_one_stretch_not_straddle_a_gap() -> None:
    slots = slots_on(every_day("09:00-10:00", "10:30-12:00"), rules(duration=60, interval=30))

    assert shown(slots) == ["06-01 09:00", "06-01 10:30", "06-01 11:00"]


def test_each_interval_anchors_its_own_grid() -> None:
    slots = slots_on(every_day("09:00-10:00", "10:10-11:00"), rules(duration=20, interval=20))

    assert shown(slots) == [
        "06-01 09:00",
        "06-01 09:20",
        "06-01 09:40",
        "06-01 10:10",
        "06-01 10:30",
    ]


def test_touching_intervals_on_one_day_form_one_stretch_with_two_grids() -> None:
    slots = slots_on(every_day("09:00-10:00", "10:00-11:00"), rules(duration=40, interval=40))

    # 09:40-10:20 crosses the join; 10:00 starts the second interval's grid.
    assert shown(slots) == ["06-01 09:00", "06-01 09:40", "06-01 10:00"]


def test_intervals_touching_across_midnight_form_one_stretch() -> None:
    schedule = Schedule(
        JAKARTA,
        ((hours("22:00-24:00"),), (hours("00:00-06:00"),), (), (), (), (), ()),
        {},
    )

    slots = slots_on(schedule, rules(duration=120, interval=60), days=(MONDAY, TUESDAY))

    assert shown(slots) == [
        "06-01 22:00", "06-01 23:00",
        "06-02 00:00", "06-02 01:00", "06-02 02:00", "06-02 03:00", "06-02 04:00",
    ]  # fmt: skip
    assert slots[1].end == local(TUESDAY, "01:00")


def test_grid_restarts_at_the_start_of_the_interval_after_midnight() -> None:
    schedule = Schedule(
        JAKARTA,
        ((hours("22:00-24:00"),), (hours("00:00-02:00"),), (), (), (), (), ()),
        {},
    )

    slots = slots_on(schedule, rules(duration=45, interval=45), days=(MONDAY, TUESDAY))

    assert shown(slots) == [
        "06-01 22:00", "06-01 22:45", "06-01 23:30",
        "06-02 00:00", "06-02 00:45",
    ]  # fmt: skip


def test_closing_the_next_morning_breaks_the_overnight_stretch() -> None:
    schedule = Schedule(
        JAKARTA,
        ((hours("22:00-24:00"),), (hours("00:00-06:00"),), (), (), (), (), ()),
        {TUESDAY: ()},
    )

    slots = slots_on(schedule, rules(duration=120, interval=60), days=(MONDAY, TUESDAY))

    assert shown(slots) == ["06-01 22:00"]


def test_24_00_end_is_midnight_at_the_end_of_the_day() -> None:
    schedule = every_day("23:00-24:00")

    fits = slots_on(schedule, rules(duration=60, interval=60))
    assert [(s.start, s.end) for s in fits] == [(local(MONDAY, "23:00"), local(TUESDAY, "00:00"))]
    assert (
        slots_on(Schedule(JAKARTA, schedule.weekly, {TUESDAY: ()}), rules(duration=60, after=1))
        == []
    )


def test_duplicate_intervals_give_each_start_once() -> None:
    slots = slots_on(every_day("09:00-10:00", "09:00-10:00", "09:30-10:00"), rules(duration=30))

    assert shown(slots) == ["06-01 09:00", "06-01 09:30"]


def test_working_stretches_are_merged_utc_intervals() -> None:
    schedule = Schedule(
        JAKARTA,
        ((hours("09:00-12:00"), hours("22:00-24:00")), (hours("00:00-06:00"),), (), (), (), (), ()),
        {},
    )

    stretches = working_stretches(schedule, MONDAY, TUESDAY)

    assert stretches == [
        (datetime(2026, 6, 1, 2, tzinfo=UTC), datetime(2026, 6, 1, 5, tzinfo=UTC)),
        (datetime(2026, 6, 1, 15, tzinfo=UTC), datetime(2026, 6, 1, 23, tzinfo=UTC)),
    ]
    assert all(start.tzinfo is UTC for start, _ in stretches)


def test_merge_intervals_sorts_joins_touching_and_drops_empty() -> None:
    t = datetime(2026, 6, 1, tzinfo=UTC)
    h = timedelta(hours=1)
    plus_two = timezone(timedelta(hours=2))

    merged = merge_intervals(
        [(t + 5 * h, t + 6 * h), (t, t + h), (t + h, t + 2 * h), (t + 3 * h, t + 3 * h),
         ((t + 8 * h).astimezone(plus_two), t + 9 * h), (t + 1.5 * h, t + 2.5 * h)]
    )  # fmt: skip

    assert merged == [(t, t + 2.5 * h), (t + 5 * h, t + 6 * h), (t + 8 * h, t + 9 * h)]
    assert merge_intervals([]) == []


@pytest.mark.parametrize(("start", "end"), [(600, 600), (-1, 60), (60, 1441), (700, 600)])
def test_wall_interval_rejects_empty_inverted_and_out_of_day(start: int, end: int) -> None:
    with pytest.raises(ValueError, match="wall interval"):
        WallInterval(start, end)


def test_schedule_needs_seven_days() -> None:
    with pytest.raises(ValueError, match="7 days"):
        Schedule(JAKARTA, ((),) * 6, {})


@pytest.mark.parametrize(
    "broken",
    [
        {"duration": timedelta(0)},
        {"interval": timedelta(minutes=-5)},
        {"buffer_before": timedelta(minutes=-1)},
        {"min_notice": timedelta(minutes=-1)},
        {"max_per_day": -1},
    ],
)
def test_slot_rules_reject_nonsense(broken: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "duration": timedelta(minutes=30),
        "buffer_before": timedelta(0),
        "buffer_after": timedelta(0),
        "min_notice": timedelta(0),
        "horizon": timedelta(days=30),
        "interval": timedelta(minutes=30),
        "max_per_day": None,
    } | broken
    with pytest.raises(ValueError, match="must"):
        SlotRules(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("naive_in", ["now", "busy", "booked"])
def test_naive_datetimes_are_refused(naive_in: str) -> None:
    naive = datetime(2026, 6, 1, 9, 0)  # no zone on purpose
    aware = local(MONDAY, "09:00")
    with pytest.raises(ValueError, match="aware"):
        compute_slots(
            every_day("09:00-10:00"),
            rules(),
            [(naive if naive_in == "busy" else aware, aware + timedelta(hours=1))],
            naive if naive_in == "now" else LONG_AGO,
            local(MONDAY, "00:00"),
            local(TUESDAY, "00:00"),
            booked_starts=[naive if naive_in == "booked" else aware],
        )
