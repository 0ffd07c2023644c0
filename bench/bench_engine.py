"""Benchmark the slot engine: 31 days, 15-minute grid, 2,000 busy intervals.

Run from the repository root:

    .venv/bin/python bench/bench_engine.py [--runs 300] [--seed 20260316]

Prints one line per case, ``key=value`` pairs separated by spaces, for example
``engine case=31d-15min-2000busy runs=300 median_ms=1.234 p95_ms=1.456 slots=123``.
The host works in Europe/Berlin (the month includes the spring-forward change), Monday
to Friday 08:00-18:00 and Saturday 10:00-14:00; events last 30 minutes with 10-minute
buffers, 4 hours' notice, a 60-day horizon and at most 8 a day. Busy intervals are drawn
from a fixed seed, so every run measures the same input.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import timeit
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from kaleno.slots.engine import Schedule, SlotRules, WallInterval, compute_slots

ZONE = ZoneInfo("Europe/Berlin")
FIRST_DAY = date(2026, 3, 16)
DAYS = 31
BUSY_COUNT = 2_000
BOOKED_COUNT = 40


def build_case(
    seed: int, busy_count: int
) -> tuple[
    Schedule,
    SlotRules,
    list[tuple[datetime, datetime]],
    datetime,
    datetime,
    datetime,
    list[datetime],
]:
    """Return the engine's arguments for the benchmark case, drawn from ``seed``."""
    rng = random.Random(seed)
    workday = (WallInterval(8 * 60, 18 * 60),)
    weekly = (workday,) * 5 + ((WallInterval(10 * 60, 14 * 60),), ())
    schedule = Schedule(ZONE, weekly, {date(2026, 4, 3): (), date(2026, 4, 6): ()})
    rules = SlotRules(
        duration=timedelta(minutes=30),
        buffer_before=timedelta(minutes=10),
        buffer_after=timedelta(minutes=10),
        min_notice=timedelta(hours=4),
        horizon=timedelta(days=60),
        interval=timedelta(minutes=15),
        max_per_day=8,
    )
    window_start = datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tzinfo=ZONE)
    window_end = (window_start + timedelta(days=DAYS)).replace(tzinfo=None).replace(tzinfo=ZONE)
    now = window_start.astimezone(UTC) - timedelta(hours=12)
    span_minutes = int((window_end - window_start).total_seconds() // 60)
    busy = []
    for _ in range(busy_count):
        start = window_start.astimezone(UTC) + timedelta(
            minutes=5 * rng.randrange(span_minutes // 5)
        )
        busy.append((start, start + timedelta(minutes=rng.choice([15, 30, 30, 45, 60]))))
    booked = [
        window_start.astimezone(UTC) + timedelta(minutes=15 * rng.randrange(span_minutes // 15))
        for _ in range(BOOKED_COUNT)
    ]
    return (
        schedule,
        rules,
        busy,
        now,
        window_start.astimezone(UTC),
        window_end.astimezone(UTC),
        booked,
    )


def measure(label: str, seed: int, busy_count: int, runs: int) -> None:
    """Time ``compute_slots`` ``runs`` times on one case and print one result line."""
    schedule, rules, busy, now, window_start, window_end, booked = build_case(seed, busy_count)

    def call() -> int:
        return len(compute_slots(schedule, rules, busy, now, window_start, window_end, booked))

    slots = call()
    timer = timeit.Timer(call)
    timer.repeat(repeat=20, number=1)  # warm up
    samples = sorted(t * 1000 for t in timer.repeat(repeat=runs, number=1))
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    print(
        f"engine case={label} runs={runs} median_ms={statistics.median(samples):.3f} "
        f"p95_ms={p95:.3f} min_ms={samples[0]:.3f} slots={slots} busy={busy_count} "
        f"days={DAYS} interval_min=15 seed={seed}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20260316)
    args = parser.parse_args(argv)
    print(f"# python={platform.python_version()} machine={platform.machine()}")
    measure(f"{DAYS}d-15min-{BUSY_COUNT}busy", args.seed, BUSY_COUNT, args.runs)
    measure(f"{DAYS}d-15min-0busy", args.seed, 0, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
