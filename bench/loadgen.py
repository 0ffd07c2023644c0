"""Client loops for the load, soak and fault benchmarks: bounded by time, 127.0.0.1 only.

Each loop is one client with its own ``requests.Session`` (keep-alive), runs until its
deadline and returns what it saw as ``(kind, status, seconds)`` samples. Loops import only
the standard library and requests, so they start quickly in a fresh process.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests

SLOT = timedelta(minutes=30)

Sample = tuple[str, int, float]


@dataclass(frozen=True)
class Plan:
    """What one client does: ``kind`` is ``get`` (GET ``url``), ``book`` or ``mixed``."""

    kind: str
    url: str
    seconds: float
    start_at: float  # time.time() at which every client starts, so they start together
    index: int = 0
    clients: int = 1
    first_slot: datetime | None = None
    slot_count: int = 0  # how many distinct slots lie inside the page's horizon
    pause_s: float = 0.0  # pause between iterations (paced loads)
    extra: dict[str, str] = field(default_factory=dict)


def booking_body(start: datetime, index: int) -> dict[str, str]:
    return {
        "start": start.isoformat(),
        "name": f"Customer {index}",
        "email": f"customer{index}@example.org",
        "timezone": "Europe/Paris",
    }


def _timed(
    http: requests.Session, kind: str, method: str, url: str, **kwargs: object
) -> tuple[Sample, requests.Response | None]:
    began = time.perf_counter()
    try:
        response = http.request(method, url, timeout=60, **kwargs)  # type: ignore[arg-type]
    except requests.RequestException:
        return (kind, 0, time.perf_counter() - began), None
    response.content  # noqa: B018 - read the whole body inside the timing
    return (kind, response.status_code, time.perf_counter() - began), response


def drive(plan: Plan) -> list[Sample]:
    """Run one client until ``plan.seconds`` after ``plan.start_at``; return its samples."""
    http = requests.Session()
    samples: list[Sample] = []
    time.sleep(max(0.0, plan.start_at - time.time()))
    deadline = time.monotonic() + plan.seconds
    iteration = 0
    while time.monotonic() < deadline:
        if plan.kind == "get":
            samples.append(_timed(http, "get", "GET", plan.url)[0])
        elif plan.kind == "book":
            # Distinct slots: client i takes slots i, i + clients, i + 2 * clients, ...
            slot = plan.index + plan.clients * iteration
            if plan.first_slot is None or slot >= plan.slot_count:
                break
            samples.append(_book(http, plan, slot)[0])
        elif plan.kind == "mixed":
            samples.extend(_mixed(http, plan, iteration))
        else:
            raise ValueError(plan.kind)
        iteration += 1
        if plan.pause_s:
            time.sleep(plan.pause_s)
    http.close()
    return samples


def _book(http: requests.Session, plan: Plan, slot: int) -> tuple[Sample, requests.Response | None]:
    assert plan.first_slot is not None
    start = plan.first_slot + SLOT * slot
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    body = booking_body(start, slot)
    return _timed(http, "book", "POST", plan.url + "/bookings", json=body, headers=headers)


def _mixed(http: requests.Session, plan: Plan, iteration: int) -> list[Sample]:
    """Slots, then a booking on a slot of this client's own cycle, then its cancellation.

    Slots cycle through the horizon (a cancelled booking frees its slot), so a run of any
    length books again and again.
    """
    samples = [_timed(http, "slots", "GET", plan.url + plan.extra["slots_query"])[0]]
    per_client = max(1, plan.slot_count // plan.clients)
    slot = plan.index + plan.clients * (iteration % per_client)
    sample, response = _book(http, plan, slot)
    samples.append(sample)
    if response is not None and response.status_code == 201:
        created = response.json()
        cancel = f"{plan.url.split('/api/', 1)[0]}/api/bookings/{created['id']}/cancel"
        headers = {"Authorization": f"Bearer {created['manage_token']}"}
        samples.append(_timed(http, "cancel", "POST", cancel, json={}, headers=headers)[0])
    return samples
