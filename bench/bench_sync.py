"""Benchmark two-way sync: time from a change in Google to Kaleno's state, and idle cost.

Run from the repository root (PostgreSQL and Redis reachable, e.g. the CI/dev ones):

    .venv/bin/python bench/bench_sync.py [--changes 210] [--reconcile-s 5] [--idle-s 60]

One run: the real stack of ``stack.py`` (fresh PostgreSQL database, the emulator and
gunicorn as processes, a host connected through the real OAuth flow) plus one
``flask kaleno worker`` process doing the syncing, push on (the emulator posts to
``http://127.0.0.1``), Redis shared by the app and the worker (so the worker's cache
invalidation reaches the app). For each mode it makes ``--changes`` changes in the
emulator's calendar through the control plane, a third of each kind:

- ``delete``: the host deletes a booking's event → until the row says ``cancelled``;
- ``move``: the host moves it two hours on → until the row's ``start_at`` follows;
- ``busy``: the host adds a busy event on a free slot → until the public slots answer
  (cached beforehand) stops offering it.

Modes: ``push`` (notifications delivered) and ``dropped`` (every notification lost: only
the periodic reconciliation, every ``--reconcile-s``, finds the changes; aim: all within
one interval). ``dropped`` makes its changes ten at a time. Then ``idle``: ``--idle-s``
seconds with no change, counting the Google Calendar calls the worker makes, scaled to
one hour.

Prints ``key=value`` lines.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import sqlalchemy as sa
from stack import EMAIL, Stack, add_stack_arguments, percentile, running_stack, worker_command

KINDS = ("delete", "move", "busy")
CALENDAR_CALLS = (
    "calendar.events.list",
    "calendar.events.watch",
    "calendar.channels.stop",
    "calendar.events.get",
    "calendar.freebusy.query",
)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Bench:
    """Drives one stack: books, changes Google, watches Kaleno's state."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.engine = sa.create_engine(stack.database_url, pool_size=12)
        self.control = f"{stack.emulator}/_emulator"
        self.next_start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        self.next_start += timedelta(days=2)

    def slot(self) -> datetime:
        """A fresh slot on the 30-minute grid, two hours apart from the last one."""
        self.next_start += timedelta(hours=3)
        return self.next_start

    def book(self, start: datetime) -> tuple[str, str]:
        email = f"c{uuid.uuid4().hex[:12]}@example.org"
        body = {"start": _rfc3339(start), "name": "Bench Customer", "email": email}
        response = requests.post(
            f"{self.stack.page}/bookings",
            json={**body, "timezone": "UTC"},
            headers={"Idempotency-Key": uuid.uuid4().hex},
            timeout=60,
        )
        response.raise_for_status()
        created = response.json()
        assert created["google"]["sync"] == "synced", created
        return str(created["id"]), str(created["google"]["event_id"])

    def row(self, booking_id: str) -> tuple[str, datetime]:
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.text("SELECT status, start_at FROM bookings WHERE id = :id"),
                {"id": uuid.UUID(booking_id)},
            ).one()
        return str(found[0]), found[1]

    def offered(self, start: datetime) -> bool:
        day = start.strftime("%Y-%m-%d")
        answer = requests.get(
            f"{self.stack.page}/slots", params={"from": day, "to": day, "tz": "UTC"}, timeout=30
        ).json()
        wanted = _rfc3339(start).replace("Z", "+00:00")
        return any(s["start"] == wanted for d in answer["days"] for s in d["slots"])

    def edit(self, method: str, body: dict[str, Any]) -> None:
        answer = requests.request(method, f"{self.control}/events", json=body, timeout=30)
        answer.raise_for_status()

    def prepare(self, kind: str) -> Callable[[], float]:
        """Set one change up; return the function that makes it and times Kaleno's answer."""
        start = self.slot()
        if kind == "busy":
            time.sleep(0.2)  # let the previous change's cache invalidation land first
            assert self.offered(start)  # cached now: the sync must drop it

            def change() -> None:
                event = {"start": {"dateTime": _rfc3339(start)}}
                event["end"] = {"dateTime": _rfc3339(start + timedelta(minutes=30))}
                body = {"email": EMAIL, "calendarId": "primary", "event": event}
                requests.post(f"{self.control}/events", json=body, timeout=30).raise_for_status()

            return lambda: self._timed(change, lambda: not self.offered(start))
        booking_id, event_id = self.book(start)
        target = {"email": EMAIL, "calendarId": "primary", "eventId": event_id}
        if kind == "delete":
            return lambda: self._timed(
                lambda: self.edit("DELETE", target),
                lambda: self.row(booking_id)[0] == "cancelled",
            )
        moved = start + timedelta(hours=1)
        patch = {
            "start": {"dateTime": _rfc3339(moved)},
            "end": {"dateTime": _rfc3339(moved + timedelta(minutes=30))},
        }
        return lambda: self._timed(
            lambda: self.edit("PATCH", {**target, "patch": patch}),
            lambda: self.row(booking_id)[1] == moved,
        )

    @staticmethod
    def _timed(change: Callable[[], None], done: Callable[[], bool], limit: float = 120) -> float:
        began = time.perf_counter()
        change()
        while not done():
            if time.perf_counter() - began > limit:
                raise SystemExit("bench: a change did not reach Kaleno in time")
            time.sleep(0.01)
        return time.perf_counter() - began

    def calls(self) -> dict[str, int]:
        counted = self.stack.emulator_state()["calls"]
        return {name: int(counted.get(name, 0)) for name in CALENDAR_CALLS}


def run_mode(bench: Bench, changes: int, parallel: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {kind: [] for kind in KINDS}
    plan = [KINDS[i % len(KINDS)] for i in range(changes)]
    for offset in range(0, len(plan), parallel):
        # Bookings first: each one drops the host's cache, which would let a busy change
        # prepared before it pass without the sync's own invalidation.
        batch = sorted(plan[offset : offset + parallel], key=lambda kind: kind == "busy")
        runs = [(kind, bench.prepare(kind)) for kind in batch]
        with ThreadPoolExecutor(max_workers=parallel) as pool:
            for kind, seconds in zip(batch, pool.map(lambda r: r[1](), runs), strict=True):
                timings[kind].append(seconds)
    return timings


def report(mode: str, timings: dict[str, list[float]], extra: str = "") -> None:
    every = sorted(t for values in timings.values() for t in values)
    for kind, values in [*timings.items(), ("all", every)]:
        ordered = sorted(values)
        print(
            f"sync mode={mode} change={kind} n={len(ordered)} "
            f"p50_ms={percentile(ordered, 0.5) * 1000:.0f} "
            f"p99_ms={percentile(ordered, 0.99) * 1000:.0f} "
            f"max_ms={ordered[-1] * 1000:.0f} mean_ms={statistics.fmean(ordered) * 1000:.0f}{extra}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_stack_arguments(parser, web_workers=2)
    parser.add_argument("--changes", type=int, default=210)
    parser.add_argument("--reconcile-s", type=float, default=5.0)
    parser.add_argument("--idle-s", type=float, default=60.0)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    args = parser.parse_args()
    extra = {
        "KALENO_SYNC_PUSH": "on",
        "KALENO_SYNC_RECONCILE_S": str(args.reconcile_s),
        "KALENO_SYNC_POLL_S": "1",
        "KALENO_SYNC_TICK_S": "0.2",
        "KALENO_REDIS_URL": args.redis_url,
        "KALENO_FREEBUSY_CACHE_TTL_S": "600",
        # One benchmark host books far more than a real one a day (the invitation budget).
        "KALENO_BOOKINGS_PER_CUSTOMER_PER_DAY": "100000",
        "KALENO_BOOKINGS_PER_HOST_PER_DAY": "100000",
    }
    print(f"# python={platform.python_version()} machine={platform.machine()}")
    print(f"# changes_per_mode={args.changes} reconcile_s={args.reconcile_s}")
    with running_stack(args, extra_env=extra) as stack:
        stack.start("worker", worker_command(poll_interval=0.05))
        bench = Bench(stack)
        deadline = time.monotonic() + 30
        while not any(not c["stopped"] for c in stack.emulator_state()["channels"]):
            if time.monotonic() > deadline:
                raise SystemExit("bench: no channel was opened")
            time.sleep(0.1)
        report("push", run_mode(bench, args.changes, parallel=1))
        requests.post(
            f"{bench.control}/faults",
            json={"method": "calendar.push", "mode": "drop", "count": 1_000_000},
            timeout=10,
        ).raise_for_status()
        dropped = run_mode(bench, args.changes, parallel=10)
        worst = max(max(v) for v in dropped.values())
        within = worst <= args.reconcile_s + 1
        report("dropped", dropped, f" reconcile_s={args.reconcile_s} converged_in_one={within}")
        time.sleep(args.reconcile_s)  # let the last reconciliation pass
        before = bench.calls()
        time.sleep(args.idle_s)
        after = bench.calls()
        idle = {k: after[k] - before[k] for k in CALENDAR_CALLS if after[k] != before[k]}
        per_hour = sum(idle.values()) * 3600 / args.idle_s
        print(
            f"sync mode=idle seconds={args.idle_s:.0f} calls={idle or {}} "
            f"per_host_per_hour={per_hour:.0f} reconcile_s={args.reconcile_s} "
            f"expected_per_hour={3600 / args.reconcile_s:.0f}"
        )
        if stack.dead_children():
            raise SystemExit(f"bench: children died: {stack.dead_children()}")
        bench.engine.dispose()


if __name__ == "__main__":
    main()
