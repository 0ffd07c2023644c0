"""Integer time arithmetic for the slot engine: instants, wall-clock times and a zone's offsets.

Everything here counts microseconds. An *instant* is microseconds since 1970-01-01T00:00Z;
a *wall time* is microseconds since 1970-01-01T00:00 on the host's clock, as if the clock
had never been changed. A zone is described, over a bounded range, by its *offset periods*:
consecutive half-open spans of instants during which ``wall = instant + offset`` holds.
Turning a wall-clock range into instants is then exact for gaps (no instant maps into
them) and folds (two instants map onto each repeated wall time).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

MICROSECOND = timedelta(microseconds=1)
SECOND_US = 1_000_000
MINUTE_US = 60 * SECOND_US
DAY_US = 24 * 60 * MINUTE_US
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

# Offsets are sampled this far apart and each change is pinned down by bisection; several
# changes inside one step are found one after another, but two that cancel out would go
# unseen. Since 1970 no zone in tzdata (2024) has two transitions less than 6 days apart.
_SAMPLE_STEP_US = 24 * 60 * MINUTE_US


class Period(NamedTuple):
    """Instants ``[start, end)`` during which the zone's clock reads ``instant + offset``."""

    start: int
    end: int
    offset: int


def to_micros(moment: datetime) -> int:
    """Return the instant of an aware datetime in microseconds since the epoch."""
    return (moment - EPOCH) // MICROSECOND


def from_micros(instant: int) -> datetime:
    """Return the aware UTC datetime of an instant in microseconds since the epoch."""
    return EPOCH + MICROSECOND * instant


def wall_of_date(day: date) -> int:
    """Return the wall time of local midnight at the start of ``day``."""
    return (day.toordinal() - EPOCH_ORDINAL) * DAY_US


def date_of_wall(wall: int) -> date:
    """Return the local date a wall time falls on."""
    return date.fromordinal(wall // DAY_US + EPOCH_ORDINAL)


def _offset_at(zone: ZoneInfo, instant_s: int) -> int:
    """Return the zone's UTC offset, in microseconds, at an instant given in seconds."""
    offset = (EPOCH + timedelta(seconds=instant_s)).astimezone(zone).utcoffset()
    assert offset is not None  # a ZoneInfo always knows its offset for an aware instant
    return offset // MICROSECOND


def offset_periods(zone: ZoneInfo, first: int, last: int) -> list[Period]:
    """Return the zone's offset periods covering the instants ``[first, last)``.

    The first period starts at ``first`` and the last ends at ``last``; in between each
    boundary is a real transition, found to the second (tzdata transitions are whole
    seconds).
    """
    lo_s = first // SECOND_US
    hi_s = -(-last // SECOND_US)
    step_s = _SAMPLE_STEP_US // SECOND_US
    starts = [first]
    offsets = [_offset_at(zone, lo_s)]
    sample = lo_s
    while sample < hi_s:
        nxt = min(sample + step_s, hi_s)
        offset = _offset_at(zone, nxt)
        # Several transitions may hide inside one step; find them one after another.
        while offset != offsets[-1]:
            below, above = sample, nxt  # offset(below) == offsets[-1] != offset(above)
            while above - below > 1:
                middle = (below + above) // 2
                if _offset_at(zone, middle) == offsets[-1]:
                    below = middle
                else:
                    above = middle
            starts.append(above * SECOND_US)
            offsets.append(_offset_at(zone, above))
            sample = above
        sample = nxt
    ends = [*starts[1:], last]
    return [Period(s, e, o) for s, e, o in zip(starts, ends, offsets, strict=True)]


def instants_of_wall_range(periods: list[Period], wall_lo: int, wall_hi: int) -> list[Period]:
    """Return the instants whose wall time lies in ``[wall_lo, wall_hi)``, one span per period.

    Each returned span carries the offset of its period, so ``wall = instant + offset``
    inside it. Spans come in period order; a gap contributes nothing, a fold two spans.
    """
    spans = []
    for period in periods:
        lo = max(period.start, wall_lo - period.offset)
        hi = min(period.end, wall_hi - period.offset)
        if lo < hi:
            spans.append(Period(lo, hi, period.offset))
    return spans


def merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the union of half-open spans as sorted, disjoint spans; touching ones join."""
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if lo >= hi:
            continue
        if merged and lo <= merged[-1][1]:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged
