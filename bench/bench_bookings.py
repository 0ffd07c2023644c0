"""Benchmark booking throughput on PostgreSQL under concurrency, and Google calls per booking.

Run from the repository root (PostgreSQL reachable, e.g. the CI/dev one):

    .venv/bin/python bench/bench_bookings.py [--database-url URL] [--bookings 400]
        [--clients 16] [--web-workers 4] [--web-threads 4] [--contended 200] [--slots 5]

One run: a fresh PostgreSQL schema migrated by the real migrations; the Google emulator
(``python -m kaleno.emulator``) and Kaleno under gunicorn (``gunicorn.conf.py``, gthread
workers) as separate processes; a host signed in and connected through the real OAuth
flow; a page open around the clock (30-minute Meet calls on a 30-minute grid). Then:

- ``distinct``: ``--clients`` threads POST ``--bookings`` bookings, each for its own slot,
  every request with its own ``Idempotency-Key`` (fresh free/busy check, the insert with
  its outbox row, the inline Google insert, the final answer);
- ``contended``: ``--contended`` requests fired at once at ``--slots`` slots (every one
  wanted by many): exactly ``--slots`` must win, the rest answer 409.

Afterwards it checks the database (no overlapping active bookings, every booking synced)
and the emulator (one event per booking) and reads the emulator's call counts: Google
calls per booking (the target is one ``freeBusy`` and one ``events.insert``).

Prints ``key=value`` lines.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import requests
import sqlalchemy as sa
from stack import EMAIL, add_stack_arguments, running_stack


def book(http: requests.Session, url: str, start: datetime, index: int) -> tuple[int, float]:
    body = {
        "start": start.isoformat(),
        "name": f"Customer {index}",
        "email": f"customer{index}@example.org",
        "timezone": "Europe/Paris",
    }
    began = time.perf_counter()
    response = http.post(url, json=body, headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=60)
    return response.status_code, time.perf_counter() - began


def run_phase(
    url: str, starts: list[datetime], clients: int
) -> tuple[float, list[tuple[int, float]]]:
    """POST one booking per start from ``clients`` threads; return wall time and results."""
    local = threading.local()
    barrier = threading.Barrier(clients)

    def session() -> requests.Session:
        if not hasattr(local, "http"):
            local.http = requests.Session()
        return local.http  # type: ignore[no-any-return]

    def warm(_: int) -> None:
        session().get(url.rsplit("/api/", 1)[0] + "/healthz", timeout=10)
        barrier.wait()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(warm, range(clients)))
        began = time.perf_counter()
        results = list(
            pool.map(lambda item: book(session(), url, item[1], item[0]), enumerate(starts))
        )
        wall = time.perf_counter() - began
    return wall, results


def report(name: str, wall: float, results: list[tuple[int, float]]) -> None:
    statuses = Counter(status for status, _ in results)
    latencies = sorted(seconds * 1000 for _, seconds in results)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(
        f"bookings case={name} requests={len(results)} wall_s={wall:.2f} "
        f"created={statuses.get(201, 0)} conflicts={statuses.get(409, 0)} "
        f"other={sum(v for k, v in statuses.items() if k not in (201, 409))} "
        f"requests_per_s={len(results) / wall:.1f} "
        f"bookings_per_s={statuses.get(201, 0) / wall:.1f} "
        f"median_ms={statistics.median(latencies):.1f} p95_ms={p95:.1f} max_ms={latencies[-1]:.1f}"
    )


def calls_per_booking(calls: dict[str, int], created: int) -> str:
    """Google calls of the distinct phase per created booking, by method."""
    counted = ("calendar.freebusy.query", "calendar.events.insert")
    other = sum(v for k, v in calls.items() if k.startswith("calendar.") and k not in counted)
    return (
        f"google_calls_per_booking freebusy={calls.get(counted[0], 0) / created:.2f} "
        f"insert={calls.get(counted[1], 0) / created:.2f} "
        f"token_refresh={calls.get('oauth2.token.refresh', 0) / created:.3f} other_calendar={other}"
    )


def check_database(database_url: str) -> dict[str, int]:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        overlaps = conn.execute(
            sa.text(
                "SELECT count(*) FROM bookings a JOIN bookings b ON a.id < b.id "
                "AND a.host_id = b.host_id AND a.active AND b.active "
                "AND a.blocked_start < b.blocked_end AND b.blocked_start < a.blocked_end"
            )
        ).scalar_one()
        rows = conn.execute(
            sa.text("SELECT google_sync, count(*) FROM bookings GROUP BY google_sync")
        ).all()
    engine.dispose()
    return {"overlapping_pairs": int(overlaps), **{f"sync_{k}": int(v) for k, v in rows}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_stack_arguments(parser)
    parser.add_argument("--bookings", type=int, default=400)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--contended", type=int, default=200)
    parser.add_argument("--slots", type=int, default=5)
    args = parser.parse_args()
    print(
        f"# python={platform.python_version()} machine={platform.machine()} cpus={os.cpu_count()} "
        f"web_workers={args.web_workers} web_threads={args.web_threads} clients={args.clients}"
    )
    with running_stack(args, own_database=False) as stack:
        emulator, database_url = stack.emulator, stack.database_url
        url = f"{stack.page}/bookings"
        first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
        distinct = [first + timedelta(minutes=30 * i) for i in range(args.bookings)]
        wall, results = run_phase(url, distinct, args.clients)
        report("distinct", wall, results)
        calls = requests.get(f"{emulator}/_emulator/state", timeout=30).json()["calls"]
        created = sum(1 for status, _ in results if status == 201)
        print(calls_per_booking(calls, created))
        later = distinct[-1] + timedelta(days=1)
        wanted = [later + timedelta(minutes=30 * (i % args.slots)) for i in range(args.contended)]
        wall, results = run_phase(url, wanted, min(args.contended, 64))
        report("contended", wall, results)
        state = requests.get(f"{emulator}/_emulator/state", timeout=30).json()
        events = [e for e in state["events"].get(EMAIL, []) if e.get("status") != "cancelled"]
        checks = check_database(database_url)
        checks["google_events"] = len(events)
        checks["inserts_total"] = state["calls"].get("calendar.events.insert", 0)
        print("checks " + " ".join(f"{k}={v}" for k, v in sorted(checks.items())))


if __name__ == "__main__":
    main()
