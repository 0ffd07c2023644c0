"""Posting push notifications: a due-time queue drained by one daemon thread per state.

Never on a request thread, so a slow receiver never slows the Calendar call that caused
the change. 500/502/503/504 answers (and connection errors) are retried with backoff, as
Google's push guide says Calendar does; anything else counts as delivered or failed.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from kaleno.emulator.state import EmulatorState

RETRY_STATUSES = (500, 502, 503, 504)  # the guide: retried with exponential backoff
MAX_RETRIES = 3


@dataclass(order=True)
class _Delivery:
    due: float
    seq: int
    headers: dict[str, str] = field(compare=False)
    address: str = field(compare=False)
    attempt: int = field(default=0, compare=False)


class Deliverer:
    """A due-time ordered queue of notifications and the thread that posts them."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queue: list[_Delivery] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._http = requests.Session()
        self.log: list[dict[str, Any]] = []  # what was delivered, for GET /_emulator/state

    def submit(self, address: str, headers: dict[str, str], delay_s: float = 0.0) -> None:
        """Queue one POST to ``address``; starts the thread on first use."""
        with self._cond:
            item = _Delivery(time.monotonic() + delay_s, next(self._seq), headers, address)
            heapq.heappush(self._queue, item)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="emulator-push", daemon=True)
                self._thread.start()
            self._cond.notify()

    def clear(self) -> None:
        """Forget queued deliveries and the log (``POST /_emulator/reset``)."""
        with self._cond:
            self._queue.clear()
            self.log.clear()

    def _next(self) -> _Delivery:
        with self._cond:
            while True:
                if self._queue:
                    wait = self._queue[0].due - time.monotonic()
                    if wait <= 0:
                        return heapq.heappop(self._queue)
                    self._cond.wait(wait)
                else:
                    self._cond.wait()

    def _run(self) -> None:
        while True:
            item = self._next()
            status: int | None
            try:
                answer = self._http.post(item.address, headers=item.headers, data=b"", timeout=5)
                status = answer.status_code
            except requests.RequestException:
                status = None
            with self._cond:
                self.log.append(
                    {
                        "channel_id": item.headers["X-Goog-Channel-ID"],
                        "state": item.headers["X-Goog-Resource-State"],
                        "message_number": int(item.headers["X-Goog-Message-Number"]),
                        "status": status,
                    }
                )
            if (status is None or status in RETRY_STATUSES) and item.attempt < MAX_RETRIES:
                item.attempt += 1
                with self._cond:
                    item.due = time.monotonic() + 0.2 * 2**item.attempt
                    item.seq = next(self._seq)
                    heapq.heappush(self._queue, item)


def deliverer(state: EmulatorState) -> Deliverer:
    """The state's deliverer (one per state, kept across resets)."""
    existing = getattr(state, "_deliverer", None)
    if existing is None:
        existing = Deliverer()
        state._deliverer = existing  # type: ignore[attr-defined]
    return existing
