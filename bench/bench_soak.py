"""Soak: mixed load for minutes on gunicorn + PostgreSQL + an outbox worker; show no growth.

Run from the repository root (PostgreSQL reachable):

    .venv/bin/python bench/bench_soak.py [--minutes 10] [--interval 30] [--clients 4]
        [--pause 0.1] [--redis-url URL] [--database-url URL] [--web-workers 4] [--web-threads 4]

One run: a database of its own (``CREATE DATABASE``, dropped at the end) migrated with
``flask db upgrade``; the Google emulator, Kaleno under gunicorn (``gunicorn.conf.py``) and
one ``flask kaleno worker`` as separate processes; a host connected through the real
OAuth flow with a page open around the clock. ``--clients`` threads loop until the time
is up: GET a week of slots, POST a booking (each client cycles through its own slots of
the 60-day horizon), POST its cancellation with the manage token.

Every ``--interval`` seconds (the first sample after one interval of load, so start-up and
warm-up are not counted as growth) it records the RSS of each gunicorn worker and of the
outbox worker (``VmRSS``), the PostgreSQL connections to the database
(``pg_stat_activity``, the sampler's own connection excluded) and the outbox depth
(pending jobs). The verdict holds when no gunicorn worker's last RSS is more than
``--rss-tolerance`` (10 %) above its highest sample in the first half of the run, the last
connection count was no higher than the highest of the first half (pools and bounded
caches fill up while warming, then must stay put: a leak keeps climbing through the second
half and fails), and the outbox depth stayed within the requests in flight (at most
2 x clients) and drained to 0 after the load. Growth against the very first sample is
printed too, for reference.

Prints ``soak sample ...`` lines, a table, and one ``soak result ...`` line.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loadgen import Plan, drive
from stack import Stack, add_stack_arguments, percentile, rss_kib, running_stack, worker_command

# Reminder mails wait until their time (days ahead): scheduled work, not a backlog.
PENDING = (
    "SELECT count(*) FROM outbox_jobs WHERE status = 'pending' "
    "AND NOT (kind = 'mail' AND payload->>'notice' = 'reminder')"
)
CONNECTIONS = "SELECT count(*) - 1 FROM pg_stat_activity WHERE datname = current_database()"


@dataclass
class Sample:
    at_s: float
    web_rss_kib: dict[int, int]
    worker_rss_kib: int
    connections: int
    pending: int


def take_sample(stack: Stack, worker_pid: int, began: float) -> Sample:
    return Sample(
        at_s=time.monotonic() - began,
        web_rss_kib={pid: rss_kib(pid) for pid in stack.worker_pids()},
        worker_rss_kib=rss_kib(worker_pid),
        connections=int(stack.sql(CONNECTIONS)[0][0]),
        pending=int(stack.sql(PENDING)[0][0]),
    )


def print_sample(sample: Sample) -> None:
    web = ",".join(f"{pid}:{kib}" for pid, kib in sorted(sample.web_rss_kib.items()))
    print(
        f"soak sample t_s={sample.at_s:.0f} web_rss_kib={web} "
        f"web_rss_total_kib={sum(sample.web_rss_kib.values())} "
        f"outbox_worker_rss_kib={sample.worker_rss_kib} pg_connections={sample.connections} "
        f"outbox_pending={sample.pending}",
        flush=True,
    )


def drain(stack: Stack, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    pending = int(stack.sql(PENDING)[0][0])
    while pending and time.monotonic() < deadline:
        time.sleep(1)
        pending = int(stack.sql(PENDING)[0][0])
    return pending


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_stack_arguments(parser)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--pause", type=float, default=0.1, help="seconds between iterations")
    parser.add_argument("--rss-tolerance", type=float, default=0.10)
    parser.add_argument(
        "--redis-url", default="", help="KALENO_REDIS_URL for the app (default: memory stores)"
    )
    args = parser.parse_args()
    seconds = args.minutes * 60
    print(
        f"# python={platform.python_version()} machine={platform.machine()} cpus={os.cpu_count()} "
        f"web_workers={args.web_workers} web_threads={args.web_threads} clients={args.clients} "
        f"minutes={args.minutes:g} interval_s={args.interval:g} redis={bool(args.redis_url)}",
        flush=True,
    )
    extra_env = {"KALENO_REDIS_URL": args.redis_url} if args.redis_url else {}
    with running_stack(args, extra_env=extra_env) as stack:
        worker = stack.start("worker", worker_command())
        first_slot = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(
            days=1
        )
        last_day = (first_slot + timedelta(days=6)).date()
        query = f"/slots?from={first_slot.date()}&to={last_day}&tz=Europe/Paris"
        start_at = time.time() + 1
        plans = [
            Plan(
                "mixed",
                stack.page,
                seconds,
                start_at,
                index=i,
                clients=args.clients,
                first_slot=first_slot,
                slot_count=58 * 48,  # inside the 60-day horizon
                pause_s=args.pause,
                extra={"slots_query": query},
            )
            for i in range(args.clients)
        ]
        samples: list[Sample] = []
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            futures = [pool.submit(drive, plan) for plan in plans]
            began = time.monotonic()
            while time.monotonic() - began + 1 < seconds:
                time.sleep(min(args.interval, max(0.0, seconds - (time.monotonic() - began))))
                samples.append(take_sample(stack, worker.pid, began))
                print_sample(samples[-1])
            results = [sample for future in futures for sample in future.result()]
        left = drain(stack, 120)
        after = take_sample(stack, worker.pid, began)
        print_sample(after)
        dead = stack.dead_children()
        for line in dead:
            print(f"soak dead_child {line}")
        return report(args, samples, after, left, results, len(dead))


def report(
    args: argparse.Namespace,
    samples: list[Sample],
    after: Sample,
    left: int,
    results: list[tuple[str, int, float]],
    dead_children: int,
) -> int:
    if len(samples) < 2:
        print("soak result verdict=TOO_SHORT (need at least two samples)")
        return 1
    first = samples[0]
    rows = []
    growth = []
    warm_growth = []
    half = max(1, len(samples) // 2)
    for pid in sorted(first.web_rss_kib):
        series = [s.web_rss_kib.get(pid, 0) for s in samples]
        growth.append((series[-1] - series[0]) / series[0] if series[0] else 0.0)
        warm_peak = max(series[:half])
        warm_growth.append((series[-1] - warm_peak) / warm_peak if warm_peak else 0.0)
        rows.append((f"rss_kib web worker {pid}", series[0], series[-1], max(series)))
    worker_series = [s.worker_rss_kib for s in samples]
    rows.append(("rss_kib outbox worker", worker_series[0], worker_series[-1], max(worker_series)))
    connections = [s.connections for s in samples]
    rows.append(("pg_connections", connections[0], connections[-1], max(connections)))
    pending = [s.pending for s in samples]
    rows.append(("outbox_pending", pending[0], pending[-1], max(pending)))
    print(f"{'metric':<32} {'first':>9} {'last':>9} {'max':>9}")
    for name, a, b, c in rows:
        print(f"{name:<32} {a:>9} {b:>9} {c:>9}")

    statuses = Counter((kind, status) for kind, status, _ in results)
    for kind in ("slots", "book", "cancel"):
        latencies = sorted(s * 1000 for k, _, s in results if k == kind)
        by_status = ",".join(f"{st}:{n}" for (k, st), n in sorted(statuses.items()) if k == kind)
        print(
            f"soak case={kind} requests={len(latencies)} statuses={by_status} "
            f"p50_ms={percentile(latencies, 0.50):.1f} p95_ms={percentile(latencies, 0.95):.1f} "
            f"p99_ms={percentile(latencies, 0.99):.1f}"
        )
    server_errors = sum(n for (_, status), n in statuses.items() if status >= 500 or status == 0)
    rss_ok = max(warm_growth) <= args.rss_tolerance
    connections_ok = connections[-1] <= max(connections[: max(1, len(connections) // 2)])
    outbox_ok = max(pending) <= 2 * args.clients and left == 0
    verdict = rss_ok and connections_ok and outbox_ok and server_errors == 0 and not dead_children
    print(
        f"soak result minutes={args.minutes:g} samples={len(samples)} requests={len(results)} "
        f"server_errors={server_errors} rss_growth_max_pct={100 * max(growth):.1f} "
        f"rss_growth_min_pct={100 * min(growth):.1f} "
        f"rss_last_vs_first_half_peak_max_pct={100 * max(warm_growth):.1f} "
        f"rss_tolerance_pct={100 * args.rss_tolerance:g} "
        f"pg_connections_first={connections[0]} pg_connections_last={connections[-1]} "
        f"pg_connections_max={max(connections)} outbox_pending_max={max(pending)} "
        f"outbox_pending_after_drain={left} dead_children={dead_children} "
        f"verdict={'PASS' if verdict else 'FAIL'}",
        flush=True,
    )
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
