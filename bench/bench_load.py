"""Load: slots and booking endpoints under concurrent clients, against a bare Flask floor.

Run from the repository root (PostgreSQL reachable):

    .venv/bin/python bench/bench_load.py [--clients 16] [--seconds 20] [--days 7]
        [--database-url URL] [--web-workers 4] [--web-threads 4]

One run: a database of its own migrated with ``flask db upgrade``, the Google emulator,
Kaleno under gunicorn (``gunicorn.conf.py``, rate limits raised through the environment),
a host connected through the real OAuth flow with a page open around the clock (30-minute
calls), and, under a second gunicorn with the same config, workers and threads, a bare
Flask app (``bench/bare_app.py``) answering the same JSON bytes as the slots endpoint.

Cases, one after the other, each ``--clients`` client processes (one ``requests.Session``
each, keep-alive) for ``--seconds``:

- ``bare``: GET the bare app's slots path (the floor);
- ``slots``: GET ``--days`` days of slots (free/busy cache warm after each worker's first
  request, as for a page that customers keep opening);
- ``booking``: POST bookings, every one for a distinct slot and with its own
  ``Idempotency-Key`` (fresh free/busy call and the inline Google insert on each).

Prints ``load case=...`` lines with throughput (responses per second), p50/p95/p99 latency
and their ratios to ``bare``, then the RSS of every Kaleno gunicorn worker before the
first case and after the last (``VmRSS``).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from loadgen import Plan, Sample, drive
from stack import (
    add_stack_arguments,
    free_port,
    gunicorn_command,
    percentile,
    rss_kib,
    running_stack,
)

SLOT_COUNT = 58 * 48  # starts inside the page's 60-day horizon


def run_case(pool: Executor, plans: list[Plan]) -> tuple[float, list[Sample]]:
    futures = [pool.submit(drive, plan) for plan in plans]
    samples = [sample for future in futures for sample in future.result()]
    return plans[0].seconds, samples


def summarize(name: str, seconds: float, samples: list[Sample], expected: int) -> dict[str, float]:
    statuses = Counter(status for _, status, _ in samples)
    latencies = sorted(s * 1000 for _, _, s in samples)
    return {
        "requests": len(samples),
        "ok": statuses.get(expected, 0),
        "errors": len(samples) - statuses.get(expected, 0),
        "rps": len(samples) / seconds,
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
    }


def report(name: str, figures: dict[str, float], floor: dict[str, float] | None) -> None:
    line = (
        f"load case={name} requests={figures['requests']:.0f} ok={figures['ok']:.0f} "
        f"errors={figures['errors']:.0f} requests_per_s={figures['rps']:.1f} "
        f"p50_ms={figures['p50']:.2f} p95_ms={figures['p95']:.2f} p99_ms={figures['p99']:.2f}"
    )
    if floor is not None:
        line += (
            f" throughput_ratio={figures['rps'] / floor['rps']:.3f}"
            f" p50_ratio={figures['p50'] / floor['p50']:.1f}"
            f" p95_ratio={figures['p95'] / floor['p95']:.1f}"
            f" p99_ratio={figures['p99'] / floor['p99']:.1f}"
        )
    print(line, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_stack_arguments(parser)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--days", type=int, default=7, help="days of slots asked for")
    args = parser.parse_args()
    print(
        f"# python={platform.python_version()} machine={platform.machine()} cpus={os.cpu_count()} "
        f"web_workers={args.web_workers} web_threads={args.web_threads} clients={args.clients} "
        f"seconds={args.seconds:g} days={args.days}",
        flush=True,
    )
    first_slot = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    last_day = (first_slot + timedelta(days=args.days - 1)).date()
    query = f"/slots?from={first_slot.date()}&to={last_day}&tz=UTC"
    with (
        running_stack(args) as stack,
        tempfile.TemporaryDirectory(prefix="kaleno-bare-") as tmp,
        ProcessPoolExecutor(args.clients, mp_context=multiprocessing.get_context("spawn")) as pool,
    ):
        answer = requests.get(stack.page + query, timeout=30)
        assert answer.status_code == 200, answer.text
        body_file = Path(tmp) / "slots.json"
        body_file.write_bytes(answer.content)
        bare_base = f"http://127.0.0.1:{free_port()}"
        bare_env = dict(stack.env)
        bare_env.update(
            KALENO_BIND=bare_base.removeprefix("http://"), KALENO_BENCH_BARE_BODY=str(body_file)
        )
        bare_command = gunicorn_command("bare_app:app", "--pythonpath", "bench")
        stack.start("bare", bare_command, f"{bare_base}/healthz", env=bare_env)
        bare_url = f"{bare_base}/api/pages/bench/call{query}"
        assert requests.get(bare_url, timeout=10).content == answer.content
        slots = sum(len(day["slots"]) for day in answer.json()["days"])
        print(f"# slots={slots} response_bytes={len(answer.content)}", flush=True)

        # Warm every process: client pool, both servers, each worker's free/busy cache.
        warm = [Plan("get", url, 1.0, time.time() + 0.5) for url in (bare_url, stack.page + query)]
        list(pool.map(drive, warm * args.clients))
        before = {pid: rss_kib(pid) for pid in stack.worker_pids()}

        def plans(kind: str, url: str) -> list[Plan]:
            start_at = time.time() + 1.0
            return [
                Plan(kind, url, args.seconds, start_at, i, args.clients, first_slot, SLOT_COUNT)
                for i in range(args.clients)
            ]

        floor = summarize("bare", *run_case(pool, plans("get", bare_url)), 200)
        report("bare", floor, None)
        figures = summarize("slots", *run_case(pool, plans("get", stack.page + query)), 200)
        report("slots", figures, floor)
        figures = summarize("booking", *run_case(pool, plans("book", stack.page)), 201)
        report("booking", figures, floor)

        after = {pid: rss_kib(pid) for pid in stack.worker_pids()}
        for pid in sorted(before):
            print(f"load rss worker={pid} before_kib={before[pid]} after_kib={after.get(pid, 0)}")
        print(
            f"load rss total_before_kib={sum(before.values())} "
            f"total_after_kib={sum(after.values())} workers={len(before)} "
            f"dead_children={len(stack.dead_children())}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
