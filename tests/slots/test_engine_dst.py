"""Slot engine across daylight-saving changes, with hand-computed wall times and offsets.

Skipped wall-clock times are never offered; repeated ones are offered once per real
instant; durations are real elapsed time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from kaleno.slots.engine import (
    Schedule,
    Slot,
    SlotRules,
    WallInterval,
    compute_slots,
    working_stretches,
)

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
JAKARTA = ZoneInfo("Asia/Jakarta")
APIA = ZoneInfo("Pacific/Apia")
SANTIAGO = ZoneInfo("America/Santiago")
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def hours(text: str) -> WallInterval:
    start, end = (int(part[:2]) * 60 + int(part[3:]) for part in text.split("-"))
    return WallInterval(start, end)


def every_day(zone: ZoneInfo, *texts: str) -> Schedule:
    return Schedule(zone, tuple(tuple(hours(t) for t in texts) for _ in range(7)), {})


def rules(duration: int, interval: int, before: int = 0, after: int = 0) -> SlotRules:
    return SlotRules(
        duration=timedelta(minutes=duration),
        buffer_before=timedelta(minutes=before),
        buffer_after=timedelta(minutes=after),
        min_notice=timedelta(0),
        horizon=timedelta(days=100 * 365),
        interval=timedelta(minutes=interval),
        max_per_day=None,
    )


def on_days(schedule: Schedule, slot_rules: SlotRules, first: date, last: date) -> list[Slot]:
    """Slots starting on host-local dates first..last (the window bounds are unambiguous)."""
    zone = schedule.zone
    window_start = datetime(first.year, first.month, first.day, 12, tzinfo=zone) - timedelta(
        hours=12
    )
    window_end = datetime(last.year, last.month, last.day, 12, tzinfo=zone) + timedelta(hours=12)
    return compute_slots(schedule, slot_rules, [], LONG_AGO, window_start, window_end)


def shown(slots: list[Slot], zone: ZoneInfo) -> list[str]:
    """Host-local start of each slot with its UTC offset, e.g. "01:30-0400"."""
    return [f"{s.start.astimezone(zone):%H:%M%z}" for s in slots]


def real_minutes(slot: Slot) -> float:
    return (slot.end - slot.start).total_seconds() / 60


# America/New_York: 2024-03-10 02:00 EST -> 03:00 EDT; 2024-11-03 02:00 EDT -> 01:00 EST.


def test_new_york_spring_forward_skips_the_missing_hour() -> None:
    day = date(2024, 3, 10)

    slots = on_days(every_day(NEW_YORK, "00:00-06:00"), rules(30, 30), day, day)

    assert shown(slots, NEW_YORK) == [
        "00:00-0500", "00:30-0500", "01:00-0500", "01:30-0500",
        "03:00-0400", "03:30-0400", "04:00-0400", "04:30-0400", "05:00-0400", "05:30-0400",
    ]  # fmt: skip
    # 01:30 EST + 30 real minutes is 03:00 EDT.
    assert slots[3].end == datetime(2024, 3, 10, 3, 0, tzinfo=NEW_YORK)
    assert slots[3].end - slots[3].start == timedelta(minutes=30)


def test_new_york_spring_forward_event_spans_the_gap_in_real_time() -> None:
    day = date(2024, 3, 10)

    slots = on_days(every_day(NEW_YORK, "00:00-04:00"), rules(90, 60), day, day)

    # 01:00 EST + 90 real minutes = 03:30 EDT, inside 00:00-04:00; 03:00 EDT + 90 does not fit.
    assert shown(slots, NEW_YORK) == ["00:00-0500", "01:00-0500"]
    assert [real_minutes(s) for s in slots] == [90, 90]
    assert slots[1].end == datetime(2024, 3, 10, 3, 30, tzinfo=NEW_YORK)


def test_new_york_nine_to_five_keeps_its_wall_clock_hours_across_both_changes() -> None:
    schedule = every_day(NEW_YORK, "09:00-17:00")

    for day, offset in [
        (date(2024, 3, 9), "-0500"),
        (date(2024, 3, 10), "-0400"),
        (date(2024, 11, 2), "-0400"),
        (date(2024, 11, 3), "-0500"),
    ]:
        slots = on_days(schedule, rules(60, 60), day, day)
        assert shown(slots, NEW_YORK) == [f"{h:02d}:00{offset}" for h in range(9, 17)]


def test_new_york_fall_back_offers_the_repeated_hour_twice() -> None:
    day = date(2024, 11, 3)

    slots = on_days(every_day(NEW_YORK, "00:00-03:00"), rules(30, 30), day, day)

    assert shown(slots, NEW_YORK) == [
        "00:00-0400", "00:30-0400", "01:00-0400", "01:30-0400",
        "01:00-0500", "01:30-0500", "02:00-0500", "02:30-0500",
    ]  # fmt: skip
    assert slots[2].start == datetime(2024, 11, 3, 5, 0, tzinfo=UTC)
    assert slots[4].start == datetime(2024, 11, 3, 6, 0, tzinfo=UTC)
    assert len({s.start for s in slots}) == len(slots)


def test_new_york_fall_back_duration_is_real_elapsed_time() -> None:
    day = date(2024, 11, 3)

    slots = on_days(every_day(NEW_YORK, "01:00-03:00"), rules(60, 30), day, day)

    # Working time runs 05:00-08:00 UTC (three real hours for two wall-clock hours).
    assert shown(slots, NEW_YORK) == [
        "01:00-0400", "01:30-0400", "01:00-0500", "01:30-0500", "02:00-0500",
    ]  # fmt: skip
    first_pass_half_past = slots[1]
    assert first_pass_half_past.end == datetime(2024, 11, 3, 6, 30, tzinfo=UTC)  # 01:30 EST
    assert all(real_minutes(s) == 60 for s in slots)


def test_new_york_hours_inside_the_repeated_hour_occur_on_both_passes() -> None:
    day = date(2024, 11, 3)

    slots = on_days(every_day(NEW_YORK, "01:00-02:00"), rules(60, 60), day, day)

    assert shown(slots, NEW_YORK) == ["01:00-0400", "01:00-0500"]


def test_new_york_working_stretches_last_the_real_time_of_their_wall_clock_hours() -> None:
    spring = working_stretches(
        every_day(NEW_YORK, "09:00-17:00"), date(2024, 3, 9), date(2024, 3, 10)
    )
    autumn = working_stretches(
        every_day(NEW_YORK, "00:00-03:00"), date(2024, 11, 3), date(2024, 11, 3)
    )
    overnight = working_stretches(
        every_day(NEW_YORK, "00:00-06:00", "22:00-24:00"), date(2024, 3, 9), date(2024, 3, 10)
    )

    assert spring == [
        (datetime(2024, 3, 9, 14, tzinfo=UTC), datetime(2024, 3, 9, 22, tzinfo=UTC)),
        (datetime(2024, 3, 10, 13, tzinfo=UTC), datetime(2024, 3, 10, 21, tzinfo=UTC)),
    ]
    # Three wall-clock hours, four real ones.
    assert autumn == [(datetime(2024, 11, 3, 4, tzinfo=UTC), datetime(2024, 11, 3, 8, tzinfo=UTC))]
    # 03-09 22:00 EST to 03-10 06:00 EDT: eight wall-clock hours, seven real ones.
    assert overnight == [
        (datetime(2024, 3, 9, 5, tzinfo=UTC), datetime(2024, 3, 9, 11, tzinfo=UTC)),
        (datetime(2024, 3, 10, 3, tzinfo=UTC), datetime(2024, 3, 10, 10, tzinfo=UTC)),
        (datetime(2024, 3, 11, 2, tzinfo=UTC), datetime(2024, 3, 11, 4, tzinfo=UTC)),
    ]


# Europe/Berlin: 2024-03-31 02:00 CET -> 03:00 CEST; 2024-10-27 03:00 CEST -> 02:00 CET.


def test_berlin_spring_forward() -> None:
    day = date(2024, 3, 31)

    slots = on_days(every_day(BERLIN, "01:00-05:00"), rules(60, 60), day, day)

    assert shown(slots, BERLIN) == ["01:00+0100", "03:00+0200", "04:00+0200"]
    assert slots[0].end == datetime(2024, 3, 31, 3, 0, tzinfo=BERLIN)


def test_berlin_fall_back() -> None:
    day = date(2024, 10, 27)

    slots = on_days(every_day(BERLIN, "01:00-04:00"), rules(60, 60), day, day)

    assert shown(slots, BERLIN) == ["01:00+0200", "02:00+0200", "02:00+0100", "03:00+0100"]


def test_berlin_buffers_measure_real_time_across_the_gap() -> None:
    day = date(2024, 3, 31)

    # 03:00 CEST with a 30-minute buffer before reaches back to 01:30 CET: still working.
    slots = on_days(every_day(BERLIN, "01:00-05:00"), rules(60, 60, before=30), day, day)

    assert shown(slots, BERLIN) == ["03:00+0200", "04:00+0200"]


# Australia/Lord_Howe shifts by 30 minutes: 2024-04-07 02:00 (+11) -> 01:30 (+10:30);
# 2024-10-06 02:00 (+10:30) -> 02:30 (+11).


def test_lord_howe_fall_back_repeats_half_an_hour() -> None:
    day = date(2024, 4, 7)

    slots = on_days(every_day(LORD_HOWE, "00:00-03:00"), rules(30, 30), day, day)

    assert shown(slots, LORD_HOWE) == [
        "00:00+1100", "00:30+1100", "01:00+1100", "01:30+1100",
        "01:30+1030", "02:00+1030", "02:30+1030",
    ]  # fmt: skip
    assert slots[3].start == datetime(2024, 4, 6, 14, 30, tzinfo=UTC)
    assert slots[4].start == datetime(2024, 4, 6, 15, 0, tzinfo=UTC)


def test_lord_howe_spring_forward_skips_half_an_hour() -> None:
    day = date(2024, 10, 6)

    slots = on_days(every_day(LORD_HOWE, "01:00-04:00"), rules(15, 15), day, day)

    starts = shown(slots, LORD_HOWE)
    assert starts[:5] == ["01:00+1030", "01:15+1030", "01:30+1030", "01:45+1030", "02:30+1100"]
    assert len(starts) == 10  # 12 quarter hours on the clock, 2 of them skipped
    assert not any(s.startswith(("02:00", "02:15")) for s in starts)


# Asia/Jakarta has no DST: the same wall-clock hours map to the same UTC hours all year.


def test_jakarta_hours_never_move() -> None:
    schedule = every_day(JAKARTA, "09:00-11:00")

    for day in [date(2024, 3, 10), date(2024, 3, 31), date(2024, 10, 27), date(2024, 11, 3)]:
        slots = on_days(schedule, rules(60, 60), day, day)
        assert [s.start.astimezone(UTC).hour for s in slots] == [2, 3]
        assert shown(slots, JAKARTA) == ["09:00+0700", "10:00+0700"]


# Pacific/Apia skipped 2011-12-30: 2011-12-29 24:00 (-10) is 2011-12-31 00:00 (+14).


def test_apia_skipped_day_has_no_slots_and_its_neighbours_are_right() -> None:
    schedule = every_day(APIA, "09:00-11:00")

    slots = on_days(schedule, rules(60, 60), date(2011, 12, 29), date(2011, 12, 31))

    assert [f"{s.start.astimezone(APIA):%m-%d %H:%M%z}" for s in slots] == [
        "12-29 09:00-1000", "12-29 10:00-1000", "12-31 09:00+1400", "12-31 10:00+1400",
    ]  # fmt: skip
    assert [s.start for s in slots] == [
        datetime(2011, 12, 29, 19, tzinfo=UTC),
        datetime(2011, 12, 29, 20, tzinfo=UTC),
        datetime(2011, 12, 30, 19, tzinfo=UTC),
        datetime(2011, 12, 30, 20, tzinfo=UTC),
    ]


def test_apia_override_for_the_skipped_day_changes_nothing() -> None:
    schedule = every_day(APIA, "09:00-11:00")
    with_override = Schedule(APIA, schedule.weekly, {date(2011, 12, 30): (hours("00:00-24:00"),)})

    slots = on_days(with_override, rules(60, 60), date(2011, 12, 29), date(2011, 12, 31))

    assert slots == on_days(schedule, rules(60, 60), date(2011, 12, 29), date(2011, 12, 31))


def test_apia_late_hours_join_the_morning_after_the_skipped_day() -> None:
    schedule = every_day(APIA, "00:00-02:00", "22:00-24:00")

    slots = on_days(schedule, rules(180, 60), date(2011, 12, 29), date(2011, 12, 29))

    # 12-29 22:00 (-10) is 08:00Z, the jump is at 10:00Z, 12-31 02:00 (+14) is 12:00Z: one
    # real stretch, so 22:00 and 23:00 both fit a 3-hour event.
    assert [(s.start, s.end) for s in slots] == [
        (datetime(2011, 12, 30, 8, tzinfo=UTC), datetime(2011, 12, 30, 11, tzinfo=UTC)),
        (datetime(2011, 12, 30, 9, tzinfo=UTC), datetime(2011, 12, 30, 12, tzinfo=UTC)),
    ]


# America/Santiago changes at midnight: 2024-09-08 00:00 (-4) -> 01:00 (-3);
# 2024-04-07 00:00 (-3) -> 2024-04-06 23:00 (-4).


def test_santiago_midnight_does_not_exist_on_spring_forward_day() -> None:
    day = date(2024, 9, 8)

    slots = on_days(every_day(SANTIAGO, "00:00-03:00"), rules(60, 60), day, day)

    assert shown(slots, SANTIAGO) == ["01:00-0300", "02:00-0300"]


def test_santiago_late_hour_repeats_before_midnight() -> None:
    day = date(2024, 4, 6)

    slots = on_days(every_day(SANTIAGO, "22:00-24:00"), rules(60, 60), day, day)

    assert shown(slots, SANTIAGO) == ["22:00-0300", "23:00-0300", "23:00-0400"]
