"""Benchmark the public slots endpoint end to end against a bare Flask floor.

Run from the repository root:

    .venv/bin/python bench/bench_slots.py [--runs 200] [--seed 20260316] [--busy 2000] [--profile]

One process starts the Google emulator and Kaleno (SQLite in a temporary directory,
migrated), signs a host in through the real OAuth flow, connects the calendar, sets the
host up through the API (Europe/Berlin, Monday-Friday 08:00-18:00 and Saturday
10:00-14:00, 30-minute events with 10-minute buffers, 15-minute grid, 4 hours' notice,
60-day horizon, at most 8 a day), puts 2,000 busy events drawn from ``--seed`` into the
emulator's calendar and asks for 31 days of slots.

Cases, all through the same Werkzeug test client in the same run:

- ``kaleno-warm``: the endpoint with the free/busy cache warm (what Kaleno itself costs:
  routing, validation, 5 SQL queries, cache hit, engine, serialization);
- ``kaleno-cold``: the cache off, so every request also asks the emulator's freeBusy over
  local HTTP (what a first visitor pays; Google's own latency comes on top);
- ``bare``: a bare Flask app whose only route returns the same JSON document;
- ``kaleno-healthz``: Kaleno's ``GET /healthz`` (no SQL), i.e. the cost of Kaleno's own
  request pipeline (rate limiter, metrics, security headers, request ids) before any
  slot work, for reading the ratio.

Prints ``key=value`` lines and the ratio of each Kaleno case to the bare floor.
"""

from __future__ import annotations

import argparse
import cProfile
import platform
import pstats
import random
import statistics
import sys
import tempfile
import threading
import timeit
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from config import TestConfig
from kaleno import create_app
from kaleno.emulator.testing import EmulatorServer

ZONE_NAME = "Europe/Berlin"
ZONE = ZoneInfo(ZONE_NAME)
DAYS = 31
BUSY_COUNT = 2_000
EMAIL = "bench-host@example.com"
WORKDAY = [{"start": "08:00", "end": "18:00"}]
WEEKLY = {d: WORKDAY for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}
WEEKLY["saturday"] = [{"start": "10:00", "end": "14:00"}]
EVENT_TYPE = {
    "slug": "call",
    "title": "Call",
    "duration_minutes": 30,
    "buffer_before_minutes": 10,
    "buffer_after_minutes": 10,
    "min_notice_minutes": 240,
    "horizon_days": 60,
    "slot_interval_minutes": 15,
    "max_per_day": 8,
}


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """Serve ``app`` over real HTTP on a free port (needed for the OAuth redirects)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def build_app(database_url: str, emulator: EmulatorServer, base_url: str) -> Flask:
    """A migrated Kaleno app on ``database_url``, pointed at the emulator."""
    from flask_migrate import upgrade

    config = TestConfig({"KALENO_TEST_DATABASE_URL": database_url})
    config.GOOGLE_EMULATOR_URL = emulator.url
    config.BASE_URL = base_url
    config.FREEBUSY_CACHE_TTL_S = 3600
    config.LOG_LEVEL = "WARNING"
    config.finalize()
    app = create_app(config)
    with app.app_context():
        upgrade()
    return app


def set_up_host(app: Flask, emulator: EmulatorServer, base: str, first_day: date) -> None:
    """Sign in, connect the calendar and publish the event type through the API."""
    emulator.add_client(
        app.config["GOOGLE_CLIENT_ID"],
        app.config["GOOGLE_CLIENT_SECRET"],
        [f"{base}/auth/google/callback", f"{base}/auth/google/calendar/callback"],
    )
    emulator.add_account(EMAIL, "Bench Host")
    browser = requests.Session()
    for path in ("/auth/google/login", "/auth/google/calendar"):
        emulator.set_authorization("approve", EMAIL, None)
        url = base + path
        for _ in range(5):  # app -> Google -> app callback -> next page
            response = browser.get(url, allow_redirects=False, timeout=10)
            if response.status_code != 302:
                break
            location = response.headers["Location"]
            url = location if location.startswith("http") else base + location
    headers = {"X-CSRF-Token": browser.get(base + "/api/me", timeout=10).json()["csrf_token"]}
    calls = [
        ("PATCH", "/api/me", {"slug": "bench", "name": "Bench Host"}),
        ("PUT", "/api/availability", {"timezone": ZONE_NAME, "weekly": WEEKLY}),
        ("POST", "/api/event-types", EVENT_TYPE),
    ]
    for method, path, body in calls:
        response = browser.request(method, base + path, json=body, headers=headers, timeout=10)
        assert response.status_code in (200, 201), response.text


def add_busy_events(emulator: EmulatorServer, first_day: date, seed: int, count: int) -> None:
    """Put ``count`` events of 15-60 minutes on a 5-minute grid across the month."""
    rng = random.Random(seed)
    start = datetime.combine(first_day, time(0), tzinfo=ZONE).astimezone(UTC)
    span_minutes = DAYS * 24 * 60
    for _ in range(count):
        begin = start + timedelta(minutes=5 * rng.randrange(span_minutes // 5))
        end = begin + timedelta(minutes=rng.choice([15, 30, 30, 45, 60]))
        emulator.add_event(
            EMAIL,
            "primary",
            {
                "summary": "busy",
                "start": {"dateTime": begin.isoformat()},
                "end": {"dateTime": end.isoformat()},
            },
        )


def bare_app(document: Any) -> Flask:
    """The floor: a Flask app answering the same JSON from memory."""
    bare = Flask("bare")

    @bare.get("/api/pages/<host_slug>/<event_slug>/slots")
    def slots(host_slug: str, event_slug: str) -> Any:
        return document

    return bare


def timed(call: Callable[[], object], runs: int) -> list[float]:
    timer = timeit.Timer(call)
    timer.repeat(repeat=10, number=1)  # warm up
    return sorted(t * 1000 for t in timer.repeat(repeat=runs, number=1))


def report(label: str, samples: list[float], floor: float | None) -> float:
    median = statistics.median(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    ratio = f" ratio_to_bare={median / floor:.2f}" if floor else ""
    print(
        f"slots case={label} runs={len(samples)} median_ms={median:.3f} p95_ms={p95:.3f} "
        f"min_ms={samples[0]:.3f}{ratio}"
    )
    return median


def get_ok(client: FlaskClient, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20260316)
    parser.add_argument("--busy", type=int, default=BUSY_COUNT, help="busy events in the month")
    parser.add_argument("--profile", action="store_true", help="cProfile the warm case")
    args = parser.parse_args(argv)

    first_day = datetime.now(ZONE).date() + timedelta(days=1)
    last_day = first_day + timedelta(days=DAYS - 1)
    url = f"/api/pages/bench/call/slots?from={first_day}&to={last_day}&tz={ZONE_NAME}"
    print(f"# python={platform.python_version()} machine={platform.machine()}")
    with tempfile.TemporaryDirectory() as tmp, EmulatorServer() as emulator:
        late: dict[str, Flask] = {}
        with served(lambda environ, start: late["app"](environ, start)) as base:  # type: ignore[arg-type]
            app = late["app"] = build_app(
                f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", emulator, base
            )
            set_up_host(app, emulator, base, first_day)
        add_busy_events(emulator, first_day, args.seed, args.busy)

        kaleno = app.test_client()
        body = get_ok(kaleno, url)  # warms the cache
        document = kaleno.get(url).get_json()
        slot_count = sum(len(day["slots"]) for day in document["days"])
        bare = bare_app(document).test_client()
        assert get_ok(bare, url) == body, "the floor must answer the same bytes"
        print(
            f"# days={DAYS} interval_min=15 busy_events={args.busy} slots={slot_count} "
            f"response_bytes={len(body)} seed={args.seed}"
        )

        floor = report("bare", timed(lambda: get_ok(bare, url), args.runs), None)
        report("kaleno-healthz", timed(lambda: get_ok(kaleno, "/healthz"), args.runs), floor)
        report("kaleno-warm", timed(lambda: get_ok(kaleno, url), args.runs), floor)
        app.config["FREEBUSY_CACHE_TTL_S"] = 0
        report("kaleno-cold", timed(lambda: get_ok(kaleno, url), max(20, args.runs // 5)), floor)
        app.config["FREEBUSY_CACHE_TTL_S"] = 3600
        calls = emulator.state()["calls"].get("calendar.freebusy.query", 0)
        print(f"# emulator freeBusy calls in total: {calls}")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(lambda: [get_ok(kaleno, url) for _ in range(100)])
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
