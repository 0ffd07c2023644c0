"""Benchmark the HTML booking page against the slots JSON endpoint for the same window.

Run from the repository root:

    .venv/bin/python bench/bench_pages.py [--runs 200] [--seed 20260316] [--busy 2000]

Same setup as ``bench_slots.py`` (one process: the Google emulator and Kaleno on SQLite;
a Europe/Berlin host with weekday and Saturday hours, 15-minute grid, 2,000 busy events
from ``--seed``). The booking page shows 14 days from today in the visitor's zone; the
JSON case asks ``/api/pages/bench/call/slots`` for the very same 14 days and zone, side
by side through the same Werkzeug test client in one run: warm (the slots answer cached,
as a second visitor within the minute sees it; interleaved halves) and cold (the cache
off, so each request also asks the emulator's freeBusy over local HTTP).

Prints the page weight (HTML + CSS + JS + icon, uncompressed) against the 100 KB aim and
each case's timings, with the page's ratio to the JSON endpoint (aim: within 2x).
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from bench_slots import (
    ZONE,
    ZONE_NAME,
    add_busy_events,
    build_app,
    get_ok,
    served,
    set_up_host,
    timed,
)
from flask import Flask

WINDOW_DAYS = 14
WEIGHT_AIM_BYTES = 100 * 1024


def page_weight(client: object, html: bytes) -> tuple[int, dict[str, int]]:
    """The page's bytes plus every asset it links (its own origin only)."""
    sizes = {"html": len(html)}
    for url in re.findall(rb'(?:src|href)="(/static/[^"]+)"', html):
        with client.get(url.decode()) as asset:  # type: ignore[attr-defined]
            assert asset.status_code == 200
            name = url.decode().split("?")[0].rsplit("/", 1)[1]
            sizes[name] = len(asset.get_data())
    return sum(sizes.values()), sizes


def report(label: str, samples: list[float], floor: float | None) -> float:
    median = statistics.median(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    ratio = f" ratio_to_json={median / floor:.2f}" if floor else ""
    print(
        f"pages case={label} runs={len(samples)} median_ms={median:.3f} p95_ms={p95:.3f} "
        f"min_ms={samples[0]:.3f}{ratio}"
    )
    return median


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20260316)
    parser.add_argument("--busy", type=int, default=2_000, help="busy events in the month")
    args = parser.parse_args(argv)

    today = datetime.now(ZONE).date()
    last = today + timedelta(days=WINDOW_DAYS - 1)
    json_url = f"/api/pages/bench/call/slots?from={today}&to={last}&tz={ZONE_NAME}"
    page_url = f"/bench/call?tz={ZONE_NAME}&date={today}"
    print(f"# python={platform.python_version()} machine={platform.machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        from kaleno.emulator.testing import EmulatorServer

        with EmulatorServer() as emulator:
            late: dict[str, Flask] = {}
            with served(lambda environ, start: late["app"](environ, start)) as base:  # type: ignore[arg-type]
                app = late["app"] = build_app(
                    f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", emulator, base
                )
                set_up_host(app, emulator, base, today)
            add_busy_events(emulator, today, args.seed, args.busy)
            client = app.test_client()
            document = client.get(json_url).get_json()
            html = get_ok(client, page_url)
            offered = {s["start"] for day in document["days"] for s in day["slots"]}
            shown = set(re.findall(rb'name="start" value="([^"]+)"', html))
            assert {s.decode() for s in shown} <= offered, "the page offers the API's times"
            total, sizes = page_weight(client, html)
            parts = " ".join(f"{name}={size}" for name, size in sizes.items())
            verdict = "within" if total < WEIGHT_AIM_BYTES else "OVER"
            print(f"# days={WINDOW_DAYS} busy_events={args.busy} seed={args.seed}")
            print(f"pages weight_bytes={total} ({parts}) aim_bytes={WEIGHT_AIM_BYTES} {verdict}")
            json_samples, page_samples = [], []
            for _ in range(2):  # interleaved halves: drift hits both cases alike
                json_samples += timed(lambda: get_ok(client, json_url), args.runs // 2)
                page_samples += timed(lambda: get_ok(client, page_url), args.runs // 2)
            floor = report("slots-json-warm", sorted(json_samples), None)
            ratio = report("booking-page-warm", sorted(page_samples), floor) / floor
            print(
                f"pages warm aim=2.00x measured={ratio:.2f}x {'within' if ratio <= 2 else 'OVER'}"
            )
            # Cold: the cache off, so each request also asks the emulator's freeBusy.
            app.config["FREEBUSY_CACHE_TTL_S"] = 0
            cold_runs = max(20, args.runs // 10)
            json_cold = timed(lambda: get_ok(client, json_url), cold_runs)
            page_cold = timed(lambda: get_ok(client, page_url), cold_runs)
            floor = report("slots-json-cold", json_cold, None)
            ratio = report("booking-page-cold", page_cold, floor) / floor
            print(
                f"pages cold aim=2.00x measured={ratio:.2f}x {'within' if ratio <= 2 else 'OVER'}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
