"""Fault run: bookings under load while Google answers 429/500/503 or stalls; nothing lost.

Run from the repository root (PostgreSQL reachable):

    .venv/bin/python bench/bench_faults.py [--clients 8] [--seconds 20]
        [--fault-interval 0.2] [--drain-timeout 180] [--database-url URL]
        [--web-workers 4] [--web-threads 4]

One run: a database of its own migrated with ``flask db upgrade``, the Google emulator,
Kaleno under gunicorn and one ``flask kaleno worker`` as separate processes, a host
connected through the real OAuth flow with a page open around the clock. ``--clients``
threads POST bookings for distinct slots for ``--seconds``; meanwhile a thread adds one
emulator fault every ``--fault-interval`` seconds, cycling through
``calendar.events.insert`` and ``calendar.freebusy.query`` answering 429, 500 and 503, and
an 800 ms stall on each. Then the load stops and the outbox is given ``--drain-timeout``
seconds to drain.

Checks (each printed; the verdict needs all): every booking answered 201 is in the
database, every confirmed booking has exactly one live Google event (its id derived from
the booking id), no live event lacks a booking (orphans), no event id or booking appears
twice (duplicates), no outbox job is pending, failed or parked. Failed free/busy calls
make a booking request answer 503 (fail closed): those are counted, not lost.

Prints ``faults ...`` lines and one ``faults result ...`` line.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import requests
from loadgen import SLOT, booking_body
from stack import EMAIL, Stack, add_stack_arguments, running_stack, worker_command

from kaleno.bookings.google_event import PRIVATE_BOOKING_KEY, google_event_id

FAULTS = [  # (discovery method, status, delay_ms): 200 means a stall without an error
    ("calendar.events.insert", 429, 0),
    ("calendar.freebusy.query", 500, 0),
    ("calendar.events.insert", 503, 0),
    ("calendar.freebusy.query", 429, 0),
    ("calendar.events.insert", 500, 0),
    ("calendar.freebusy.query", 503, 0),
    ("calendar.events.insert", 200, 800),
    ("calendar.freebusy.query", 200, 800),
]


def inject(stack: Stack, stop: threading.Event, interval: float, injected: Counter[str]) -> None:
    for method, status, delay_ms in itertools.cycle(FAULTS):
        if stop.wait(interval):
            return
        stack.fault(method, status, count=1, delay_ms=delay_ms)
        injected[f"{method.split('.')[-2]}_{status}"] += 1


def client(
    stack: Stack, index: int, clients: int, first: datetime, deadline: float
) -> list[tuple[int, str | None]]:
    """POST bookings for slots index, index + clients, ... until the deadline."""
    http = requests.Session()
    answers: list[tuple[int, str | None]] = []
    for n in itertools.count():
        if time.monotonic() >= deadline:
            break
        slot = index + clients * n
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        body = booking_body(first + SLOT * slot, slot)
        try:
            response = http.post(f"{stack.page}/bookings", json=body, headers=headers, timeout=60)
        except requests.RequestException:
            answers.append((0, None))
            continue
        booking_id = response.json().get("id") if response.status_code == 201 else None
        answers.append((response.status_code, booking_id))
    http.close()
    return answers


def outbox(stack: Stack) -> dict[str, int]:
    # Reminder mails wait until their time (days ahead): scheduled work, not a backlog.
    rows = stack.sql(
        "SELECT status, count(*) FROM outbox_jobs "
        "WHERE NOT (kind = 'mail' AND payload->>'notice' = 'reminder') GROUP BY status"
    )
    return {str(status): int(count) for status, count in rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_stack_arguments(parser)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--fault-interval", type=float, default=0.2)
    parser.add_argument("--drain-timeout", type=float, default=180.0)
    args = parser.parse_args()
    print(
        f"# python={platform.python_version()} machine={platform.machine()} cpus={os.cpu_count()} "
        f"web_workers={args.web_workers} web_threads={args.web_threads} clients={args.clients} "
        f"seconds={args.seconds:g} fault_interval_s={args.fault_interval:g}",
        flush=True,
    )
    first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    with running_stack(args) as stack:
        stack.start("worker", worker_command())
        stop, injected = threading.Event(), Counter[str]()
        injector = threading.Thread(
            target=inject, args=(stack, stop, args.fault_interval, injected), daemon=True
        )
        deadline = time.monotonic() + args.seconds
        injector.start()
        try:
            with ThreadPoolExecutor(args.clients) as pool:
                futures = [
                    pool.submit(client, stack, i, args.clients, first, deadline)
                    for i in range(args.clients)
                ]
                answers = [answer for future in futures for answer in future.result()]
        finally:
            stop.set()
            injector.join(timeout=10)
        statuses = Counter(status for status, _ in answers)
        print(
            "faults injected " + " ".join(f"{k}={v}" for k, v in sorted(injected.items())),
            f"total={sum(injected.values())}",
        )
        print(
            f"faults requests total={len(answers)} "
            + " ".join(f"status_{k}={v}" for k, v in sorted(statuses.items())),
            flush=True,
        )

        began = time.monotonic()
        while outbox(stack).get("pending", 0) and time.monotonic() - began < args.drain_timeout:
            time.sleep(0.5)
        drain_s = time.monotonic() - began
        jobs = outbox(stack)
        return check(stack, answers, jobs, drain_s, statuses)


def check(
    stack: Stack,
    answers: list[tuple[int, str | None]],
    jobs: dict[str, int],
    drain_s: float,
    statuses: Counter[int],
) -> int:
    created = {booking_id for status, booking_id in answers if status == 201 and booking_id}
    rows = stack.sql("SELECT id, status, google_sync FROM bookings")
    in_db = {str(row[0]): row for row in rows}
    confirmed = {booking_id for booking_id, row in in_db.items() if row[1] == "confirmed"}
    state = stack.emulator_state()
    events = state["events"].get(EMAIL, [])
    live = [e for e in events if e.get("status") != "cancelled"]
    ids = Counter(e["id"] for e in events)
    owners = Counter(
        e.get("extendedProperties", {}).get("private", {}).get(PRIVATE_BOOKING_KEY) for e in live
    )
    expected = {google_event_id(uuid.UUID(b)): b for b in confirmed}
    live_ids = Counter(e["id"] for e in live)
    figures = {
        "created_201": len(created),
        "bookings_in_db": len(in_db),
        "lost": len(created - set(in_db)),
        "without_event": sum(1 for event_id in expected if live_ids[event_id] == 0),
        "more_than_one_event": sum(1 for event_id in expected if live_ids[event_id] > 1),
        "orphan_events": sum(1 for event_id in live_ids if event_id not in expected),
        "duplicate_event_ids": sum(1 for n in ids.values() if n > 1),
        "duplicate_owners": sum(1 for owner, n in owners.items() if owner and n > 1),
        "live_events": len(live),
        "sync_synced": sum(1 for row in in_db.values() if row[2] == "synced"),
        "outbox_pending": jobs.get("pending", 0),
        "outbox_failed": jobs.get("failed", 0),
        "outbox_parked": jobs.get("parked", 0),
        "outbox_done": jobs.get("done", 0),
        "answered_503": statuses.get(503, 0),
        "answered_5xx_other": sum(n for s, n in statuses.items() if s >= 500 and s != 503),
        "no_answer": statuses.get(0, 0),
        "insert_calls": state["calls"].get("calendar.events.insert", 0),
        "freebusy_calls": state["calls"].get("calendar.freebusy.query", 0),
        "dead_children": len(stack.dead_children()),
    }
    bad = (
        "lost",
        "without_event",
        "more_than_one_event",
        "orphan_events",
        "duplicate_event_ids",
        "duplicate_owners",
        "outbox_pending",
        "outbox_failed",
        "outbox_parked",
        "answered_5xx_other",
        "no_answer",
        "dead_children",
    )
    verdict = all(figures[name] == 0 for name in bad) and figures["created_201"] > 0
    print(
        "faults result "
        + " ".join(f"{k}={v}" for k, v in figures.items())
        + f" drain_s={drain_s:.1f} verdict={'PASS' if verdict else 'FAIL'}",
        flush=True,
    )
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
